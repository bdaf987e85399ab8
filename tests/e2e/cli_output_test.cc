// --output table|json|yaml on every read command of the built `pop` binary against a real
// `pop dev`: json parses, yaml reads back (yaml-cpp) as the same data, table is the command's
// own view, --json is --output json, and an unknown format is a usage error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/codec/json_text.h"
#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"
#include "support/yaml_json.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;

class CliOutputTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dev_.Start().empty()); }

  PopRun Pop(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", dev_.url(), "--data-dir", dev_.data_dir().string()});
    return RunPop(args);
  }

  TempDir dir_;
  DevProcess dev_{dir_.path()};
};

TEST_F(CliOutputTest, EveryReadCommandPrintsTableJsonAndYamlOfTheSameData) {
  const std::string file = (dir_.path() / "agenda.json").string();
  std::ofstream(file) << R"({"linkId": "L-out", "operations": [
    {"name": "a", "type": "noop", "payload": {"word": "yes", "n": "12", "none": null}}]})";
  PopRun submitted = Pop({"agenda", "submit", "-q", "--wait", "-f", file});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string id = submitted.out.substr(0, submitted.out.find('\n'));

  // Commands whose answer does not change between two calls: yaml must equal json exactly.
  const std::vector<std::vector<std::string>> stable = {
      {"agenda", "get", id}, {"agenda", "list"},   {"progress", "summary", "--link-id", "L-out"},
      {"handler", "list"},   {"pool", "list"},     {"pool", "get", "dev-pool"},
      {"insight", "list"},   {"customer", "list"}, {"template", "list"},
      {"alert", "list"},
  };
  // Commands with times that move (polls, token use): the same shape.
  const std::vector<std::vector<std::string>> moving = {
      {"agenda", "why", id}, {"token", "list"}, {"audit", "list"}};

  auto run = [&](std::vector<std::string> command, std::vector<std::string> flags) {
    command.insert(command.end(), flags.begin(), flags.end());
    return Pop(command);
  };
  auto check = [&](const std::vector<std::string>& command, bool exact) {
    const std::string what = command[0] + " " + command[1];
    PopRun table = run(command, {});
    PopRun named_table = run(command, {"--output", "table"});
    PopRun json = run(command, {"--output", "json"});
    PopRun json_flag = run(command, {"--json"});
    PopRun yaml = run(command, {"-o", "yaml"});
    for (const PopRun* each : {&table, &named_table, &json, &json_flag, &yaml}) {
      EXPECT_EQ(each->exit_code, 0) << what << ": " << each->err;
    }
    EXPECT_FALSE(ParseJson(table.out).ok()) << what << " table:\n" << table.out;
    EXPECT_FALSE(table.out.empty()) << what;
    Result<Json> parsed = ParseJson(json.out);
    ASSERT_TRUE(parsed.ok()) << what << " json:\n" << json.out;
    ASSERT_TRUE(ParseJson(json_flag.out).ok()) << what;
    Json from_yaml;
    try {
      from_yaml = YamlToJson(yaml.out);
    } catch (const std::exception& error) {
      ADD_FAILURE() << what << " yaml does not parse: " << error.what() << "\n" << yaml.out;
      return;
    }
    if (exact) {
      EXPECT_EQ(from_yaml, *parsed) << what << " yaml:\n" << yaml.out << "json:\n" << json.out;
      EXPECT_EQ(json_flag.out, json.out) << what;
    } else {
      EXPECT_EQ(from_yaml.type(), parsed->type()) << what << " yaml:\n" << yaml.out;
    }
  };
  for (const auto& command : stable) check(command, true);
  for (const auto& command : moving) check(command, false);
}

TEST_F(CliOutputTest, AnUnknownFormatIsAUsageErrorNamingTheFlag) {
  PopRun bad = Pop({"agenda", "list", "--output", "xml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--output"));
  EXPECT_THAT(bad.err, HasSubstr("xml"));
}

}  // namespace
}  // namespace pop::testing
