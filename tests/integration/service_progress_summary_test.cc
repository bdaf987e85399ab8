// POST /pop/progress/agenda/service (spec §9) over real HTTP: the roll-up of every AgendaProgress
// of a linkId the caller may see.
#include <gtest/gtest.h>

#include <algorithm>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class ProgressSummaryServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    for (int i = 0; i < 3; ++i) {
      acme_progress_.push_back(
          StringAt(Submit(AgendaJson("acme", "", R"("linkId":"L",)"), acme_), "progressId"));
    }
    globex_progress_ =
        StringAt(Submit(AgendaJson("globex", "", R"("linkId":"L",)"), globex_), "progressId");
  }

  // Sets the stored progress (as the admin, through the data route).
  void Set(const std::string& progress_id, const std::string& fields) {
    AdminPut("/progress/agenda/" + progress_id, "{" + fields + "}");
  }

  static std::string State(const ApiReply& reply) {
    return StringAt(reply.body, "processingState");
  }
  static std::optional<double> Percent(const ApiReply& reply) {
    const Json* percent = reply.body.Find("processingPercent");
    if (percent == nullptr || percent->is_null()) return std::nullopt;
    return percent->AsDouble();
  }
  static std::vector<std::string> ListedIds(const ApiReply& reply) {
    std::vector<std::string> ids;
    for (const Json& progress : ArrayIn(reply, "progressList")) {
      ids.push_back(StringAt(progress, "id"));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::vector<std::string> acme_progress_;
  std::string globex_progress_;
};

TEST_F(ProgressSummaryServiceTest, AllWaitingIsWaitingAtZero) {
  auto reply = Summary(acme_, "L");
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  EXPECT_EQ(State(reply), "WAITING");
  EXPECT_EQ(Percent(reply), 0.0);
  std::vector<std::string> expected = acme_progress_;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ListedIds(reply), expected);
}

TEST_F(ProgressSummaryServiceTest, AnyExecutingIsExecutingWithTheMeanPercent) {
  Set(acme_progress_[0], R"("processingState":"EXECUTING","percentComplete":50.0)");
  Set(acme_progress_[1], R"("processingState":"COMPLETE","processingStateMessage":"succeeded",
                            "percentComplete":100.0)");
  auto reply = Summary(acme_, "L");
  EXPECT_EQ(State(reply), "EXECUTING");
  EXPECT_EQ(Percent(reply), 50.0);  // (50 + 100 + null) / 3
}

TEST_F(ProgressSummaryServiceTest, WaitingMixedWithCompleteIsExecuting) {
  Set(acme_progress_[0], R"("processingState":"COMPLETE","percentComplete":100.0)");
  Set(acme_progress_[1], R"("processingState":"COMPLETE","percentComplete":50.0)");
  auto reply = Summary(acme_, "L");
  EXPECT_EQ(State(reply), "EXECUTING");
  EXPECT_EQ(Percent(reply), 50.0);
}

TEST_F(ProgressSummaryServiceTest, AllCompleteIsCompleteAndThePercentIsCappedAt100) {
  for (const auto& id : acme_progress_) {
    Set(id, R"("processingState":"COMPLETE","processingStateMessage":"succeeded",
               "percentComplete":100.0)");
  }
  auto reply = Summary(acme_, "L");
  EXPECT_EQ(State(reply), "COMPLETE");
  EXPECT_EQ(Percent(reply), 100.0);
  // A value over 100 can no longer be set through the API; one stored before that still counts
  // as 100 at most.
  Status put = server_.store().Write([&](StoreWriter& tx) -> Status {
    POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kAgendaProgress, acme_progress_[0]));
    if (!found.has_value()) return Status(ErrorCode::kNotFound, acme_progress_[0]);
    auto progress = std::get<AgendaProgress>(*found);
    progress.percent_complete = 250.0;
    return tx.Put(DataObject(progress));
  });
  ASSERT_TRUE(put.ok()) << put.message();
  EXPECT_EQ(Percent(Summary(acme_, "L")), 100.0);
}

TEST_F(ProgressSummaryServiceTest, AnyFailedIsCompleteWithoutPercent) {
  Set(acme_progress_[0], R"("processingState":"EXECUTING","percentComplete":10.0)");
  Set(acme_progress_[1], R"("processingState":"COMPLETE","processingStateMessage":"FAILED",
                            "percentComplete":100.0)");
  auto reply = Summary(acme_, "L");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(State(reply), "COMPLETE");
  EXPECT_EQ(reply.body.Find("processingPercent"), nullptr) << ToJsonText(reply.body);
  EXPECT_EQ(ListedIds(reply).size(), 3u);
}

TEST_F(ProgressSummaryServiceTest, OtherTenantsProgressIsNotCounted) {
  for (const auto& id : acme_progress_) {
    Set(id, R"("processingState":"COMPLETE","percentComplete":100.0)");
  }
  Set(globex_progress_, R"("processingState":"COMPLETE","processingStateMessage":"failed")");
  auto acme = Summary(acme_, "L");
  EXPECT_EQ(State(acme), "COMPLETE");
  EXPECT_EQ(Percent(acme), 100.0);
  EXPECT_EQ(ListedIds(acme).size(), 3u);
  EXPECT_EQ(ListedIds(Summary(globex_, "L")), std::vector<std::string>{globex_progress_});
  // The admin sees all four, including the failed one.
  auto admin = Summary(admin_, "L");
  EXPECT_EQ(ListedIds(admin).size(), 4u);
  EXPECT_EQ(Percent(admin), std::nullopt);
}

TEST_F(ProgressSummaryServiceTest, UnknownLinkIsCompleteAtZero) {
  auto reply = Summary(acme_, "no-such-link");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(State(reply), "COMPLETE");
  EXPECT_EQ(Percent(reply), 0.0);
  EXPECT_TRUE(ArrayIn(reply, "progressList").empty());
  EXPECT_NE(reply.body.Find("progressList"), nullptr);
}

TEST_F(ProgressSummaryServiceTest, ListsProgressWithItsOperationProgress) {
  auto reply = Summary(globex_, "L");
  auto list = ArrayIn(reply, "progressList");
  ASSERT_EQ(list.size(), 1u);
  const Json* ops = list[0].Find("operationProgress");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->AsArray().size(), 2u);
}

TEST_F(ProgressSummaryServiceTest, BlankLinkIdIs422) {
  for (const char* body : {"", "null", "{}", R"({"linkId":""})", R"({"linkId":"  "})"}) {
    SCOPED_TRACE(body);
    auto reply = Service("/progress/agenda/service", body, acme_);
    EXPECT_EQ(reply.status, 422);
    EXPECT_EQ(ErrorTitle(reply), "ValidationException");
    EXPECT_EQ(reply.ErrorDescription(), "LinkId is required to call getProgressSummary.");
  }
}

}  // namespace
}  // namespace pop::testing
