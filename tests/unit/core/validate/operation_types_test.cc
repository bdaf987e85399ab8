#include "core/validate/operation_types.h"

#include <gtest/gtest.h>

namespace pop {
namespace {

Agenda AgendaOf(const std::vector<std::pair<std::string, std::string>>& name_and_type) {
  Agenda agenda;
  agenda.operations.emplace();
  for (const auto& [name, type] : name_and_type) {
    Operation op;
    op.name = name;
    op.type = type;
    agenda.operations->push_back(op);
  }
  return agenda;
}

ResourcePool PoolOf(std::optional<std::vector<std::string>> types) {
  ResourcePool pool;
  pool.id = "dev-pool";
  pool.handler_types = std::move(types);
  return pool;
}

TEST(OperationTypesTest, APoolThatAnnouncesNothingAcceptsEveryType) {
  EXPECT_TRUE(CheckOperationTypes(AgendaOf({{"a", "anything"}}), PoolOf(std::nullopt)).ok());
}

TEST(OperationTypesTest, AnnouncedAndResidentTypesAreAccepted) {
  Agenda agenda =
      AgendaOf({{"a", "echo"}, {"b", "noop"}, {"c", "logMessages"}, {"d", "updateAgenda"}});
  EXPECT_TRUE(CheckOperationTypes(agenda, PoolOf(std::vector<std::string>{"echo"})).ok());
}

TEST(OperationTypesTest, AnUnknownTypeIsRefusedNamingTheOperationTheTypeAndThePool) {
  Status status = CheckOperationTypes(AgendaOf({{"first", "echo"}, {"second", "ech"}}),
                                      PoolOf(std::vector<std::string>{"echo", "sample"}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kValidation);
  EXPECT_EQ(status.error().message,
            "Operation 'second' has type 'ech' that no handler of resource pool 'dev-pool' runs "
            "(did you mean 'echo'?); it runs: echo, sample (and the resident noop, logMessages, "
            "updateAgenda)");
}

TEST(OperationTypesTest, AnEmptyAnnouncementRunsOnlyResidentTypes) {
  Status status =
      CheckOperationTypes(AgendaOf({{"a", "zzzzzz"}}), PoolOf(std::vector<std::string>{}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "Operation 'a' has type 'zzzzzz' that no handler of resource pool 'dev-pool' runs; it "
            "runs: no registered types (and the resident noop, logMessages, updateAgenda)");
}

TEST(OperationTypesTest, ATypeAnInsightOfThePoolMapsIsAccepted) {
  // An insight configured for "encode" says a puller of its own runs it, whatever the pool's
  // announced registry holds (pop dev's pool with an insight for remote pullers).
  Insight encoders;
  encoders.mappers = InsightMappers{{{"operationName", {"x"}}, {"operationType", {"Encode"}}}};
  EXPECT_TRUE(CheckOperationTypes(AgendaOf({{"a", "encode"}}),
                                  PoolOf(std::vector<std::string>{"echo"}), {encoders})
                  .ok());
  EXPECT_FALSE(CheckOperationTypes(AgendaOf({{"a", "x"}}), PoolOf(std::vector<std::string>{"echo"}),
                                   {encoders})
                   .ok());  // an operationName mapper says nothing of types
}

TEST(OperationTypesTest, TypesAreCaseSensitiveAsTheLaunchersAre) {
  EXPECT_FALSE(
      CheckOperationTypes(AgendaOf({{"a", "Echo"}}), PoolOf(std::vector<std::string>{"echo"}))
          .ok());
}

}  // namespace
}  // namespace pop
