// A bulk submission (app/submit_agenda.h, SubmitAgenda::RunBatch) is one store transaction on
// every Store implementation: when an element, or the store itself, fails midway, nothing of
// the batch is stored. Run against every store like store_contract_test.cc.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/submit_agenda.h"
#include "contract/opened_store_support.h"
#include "contract/store_factories_support.h"
#include "contract/store_samples_support.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "fakes/fake_clock.h"
#include "fakes/sequential_id_generator.h"
#include "ports/change_feed.h"
#include "ports/store.h"

namespace pop::testing {
namespace {

DataObject ObjectOf(ObjectKind kind, const std::string& json) {
  Result<Json> parsed = ParseJson(json);
  POP_CHECK(parsed.ok()) << parsed.error().message;
  Result<DataObject> decoded = DecodeObject(kind, *parsed);
  POP_CHECK(decoded.ok()) << decoded.error().message;
  return std::move(decoded).value();
}

Agenda BulkAgenda(const std::string& customer_id, const std::string& link_id) {
  return std::get<Agenda>(ObjectOf(ObjectKind::kAgenda, R"({"customerId":")" + customer_id +
                                                            R"(","linkId":")" + link_id +
                                                            R"(","operations":[
      {"name":"a","type":"sample","payload":{}},{"name":"b","type":"sample","payload":{}}]})"));
}

class StoreBulkSubmitContractTest : public OpenedStoreTest {
 protected:
  void SetUp() override {
    OpenedStoreTest::SetUp();
    if (HasFatalFailure()) return;
    Write([](StoreWriter& writer) -> Status {
      POP_RETURN_IF_ERROR(writer.Put(ObjectOf(
          ObjectKind::kResourcePool, R"({"id":"rp-1","customerId":"owner","title":"rp"})")));
      POP_RETURN_IF_ERROR(writer.Put(ObjectOf(ObjectKind::kInsight, R"({"id":"insight-1",
          "customerId":"owner","title":"i","resourcePoolId":"rp-1","queueName":"q","queueSize":2,
          "schedulingAlgorithm":"FirstInFirstOut","isGlobal":true,
          "mappers":{"operationType":["sample"]}})")));
      return writer.Put(ObjectOf(ObjectKind::kCustomer, R"({"id":"acme","customerId":"acme",
          "title":"A","resourcePoolId":"rp-1"})"));
    });
    if (HasFatalFailure()) return;
    submit_ = std::make_unique<app::SubmitAgenda>(app::Services{*store_, clock_, ids_}, changes_);
  }

  Result<std::vector<Agenda>> Submit(std::vector<Agenda> agendas,
                                     std::optional<std::string> key = std::nullopt) {
    app::SubmitOptions options;
    options.idempotency_key = std::move(key);
    options.name_elements = true;
    app::RequestContext ctx{AuthContext::Service(), std::nullopt, "cid"};
    return submit_->RunBatch(std::move(agendas), ctx, options);
  }

  // Agendas, agenda progress, operation progress and ready entries stored.
  std::vector<size_t> Stored() {
    std::vector<size_t> counts;
    Status read = store_->Read([&](StoreReader& reader) -> Status {
      ObjectQuery everything;
      everything.scope = VisibilityScope::Everything();
      for (ObjectKind kind :
           {ObjectKind::kAgenda, ObjectKind::kAgendaProgress, ObjectKind::kOperationProgress}) {
        POP_ASSIGN_OR_RETURN(int64_t count, reader.Count(kind, everything));
        counts.push_back(static_cast<size_t>(count));
      }
      POP_ASSIGN_OR_RETURN(auto ready, reader.ListReadyAgendas());
      counts.push_back(ready.size());
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return counts;
  }

  FakeClock clock_;
  SequentialIdGenerator ids_;
  NullChangeFeed changes_;
  std::unique_ptr<app::SubmitAgenda> submit_;
};

TEST_P(StoreBulkSubmitContractTest, ABatchIsStoredWholeInRequestOrder) {
  std::vector<Agenda> batch;
  for (int i = 0; i < 150; ++i) batch.push_back(BulkAgenda("acme", "L" + std::to_string(i)));

  auto created = Submit(std::move(batch));

  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->size(), 150u);
  EXPECT_EQ(*(*created)[149].link_id, "L149");
  EXPECT_EQ(Stored(), (std::vector<size_t>{150, 150, 300, 150}));
}

TEST_P(StoreBulkSubmitContractTest, AnElementFailingMidwayLeavesNothingOfTheBatch) {
  std::vector<Agenda> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(BulkAgenda(i == 6 ? "nobody" : "acme", "L"));

  auto created = Submit(std::move(batch));

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().message, "[6]: Customer not found for customerId nobody");
  EXPECT_EQ(Stored(), (std::vector<size_t>{0, 0, 0, 0}));
}

TEST_P(StoreBulkSubmitContractTest, AStoreConflictAfterEveryElementWasWrittenLeavesNothing) {
  // The idempotency row of element 2 exists (the first element's does not): the store refuses
  // it only after all three agendas, their progress and ready entries were written.
  ASSERT_TRUE(store_
                  ->Write([](StoreWriter& writer) {
                    return writer.AddIdempotencyKey("acme", "k\n2", "elsewhere", At(1));
                  })
                  .ok());

  auto created =
      Submit({BulkAgenda("acme", "x"), BulkAgenda("acme", "y"), BulkAgenda("acme", "z")}, "k");

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kConflict) << created.error().message;
  EXPECT_EQ(Stored(), (std::vector<size_t>{0, 0, 0, 0}));
}

TEST_P(StoreBulkSubmitContractTest, TheSameBatchWithItsKeyAnswersTheFirstAgendasInOrder) {
  auto first = Submit({BulkAgenda("acme", "x"), BulkAgenda("acme", "y")}, "k");
  auto again = Submit({BulkAgenda("acme", "x"), BulkAgenda("acme", "y")}, "k");
  auto other = Submit({BulkAgenda("acme", "y"), BulkAgenda("acme", "x")}, "k");

  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*(*again)[0].id, *(*first)[0].id);
  EXPECT_EQ(*(*again)[1].id, *(*first)[1].id);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Stored(), (std::vector<size_t>{2, 2, 4, 2}));
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreBulkSubmitContractTest,
                         ::testing::ValuesIn(AllStoreFactories()),
                         [](const ::testing::TestParamInfo<StoreFactory>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace pop::testing
