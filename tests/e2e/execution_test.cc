// Agendas run end to end by `pop dev` with real handler processes (spec §21 and issue scope):
// the sample handler, references between operations, automatic retry that skips what
// succeeded, a 65-operation DAG, generators, and handlers that hang, crash or flood their log.
#include <gtest/gtest.h>

#include <fstream>

#include "core/codec/json_text.h"
#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

Json ParseOrFail(const std::string& text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? std::move(parsed).value() : Json();
}

class ExecutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dev_.data_dir());
    // The test's handler registry: pop dev keeps a handlers.json that already exists.
    const std::string pop = std::string(POP_BINARY_DIR) + "/pop";
    auto shell = [](const std::string& script) {
      return Json(JsonObject{{"command", Json("/bin/sh")},
                             {"args", Json(JsonArray{Json("-c"), Json(script)})}});
    };
    Json hang = shell("echo waiting forever; sleep 30");
    hang.AsObject().Set("timeoutSeconds", Json(1));
    hang.AsObject().Set("cancelGraceSeconds", Json(1));
    JsonObject registry{
        {"sample", Json(JsonObject{{"command", Json(pop)},
                                   {"args", Json(JsonArray{Json("handler"), Json("sample")})}})},
        {"hang", hang},
        {"crash", shell("echo about to crash; kill -SEGV $$")},
        {"loud", shell("head -c 6000000 /dev/zero | tr '\\0' x | fold -w 100; echo last line; "
                       "printf '%s\\n' '{\"processingState\":\"COMPLETE\","
                       "\"processingStateMessage\":\"succeeded\",\"result\":{\"ok\":true}}' "
                       ">> \"$POP_REPORT\"")},
    };
    std::ofstream(dev_.data_dir() / "handlers.json") << ToJsonText(Json(std::move(registry)));
    url_ = dev_.Start();
  }

  std::vector<std::string> Client(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", url_, "--data-dir", dev_.data_dir().string()});
    return args;
  }
  // Submits and waits; returns the CLI run and the agenda id it printed.
  PopRun SubmitAndWait(const std::string& agenda_json) {
    return RunPop(Client({"agenda", "submit", "-f", "-", "--wait", "--timeout", "90s"}),
                  agenda_json);
  }
  // The newest agenda of `link`'s progress, with its operation progress, via the JSON CLI.
  Json ProgressOf(const std::string& link) {
    PopRun run = RunPop(Client({"progress", "summary", "--link-id", link, "--json"}));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    Json summary = ParseOrFail(run.out);
    const Json* list = summary.Find("progressList");
    if (list == nullptr || !list->is_array() || list->AsArray().empty()) return Json();
    return list->AsArray().back();
  }
  static const Json* Op(const Json& progress, const std::string& name) {
    const Json* ops = progress.Find("operationProgress");
    if (ops == nullptr) return nullptr;
    for (const Json& op : ops->AsArray()) {
      if (op.Find("operation") && op.Find("operation")->AsString() == name) return &op;
    }
    return nullptr;
  }
  std::string Logs(const std::string& agenda_id, const std::string& operation) {
    PopRun run = RunPop(Client({"agenda", "logs", agenda_id, "--operation", operation}));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.out;
  }
  static std::string AgendaIdIn(const std::string& cli_output) {
    // "agenda <id> submitted (progress <id>)"
    size_t start = cli_output.find("agenda ");
    if (start == std::string::npos) return "";
    start += 7;
    return cli_output.substr(start, cli_output.find(' ', start) - start);
  }

  TempDir dir_;
  DevProcess dev_{dir_.path(), {"--retry-backoff-seconds", "0"}};
  std::string url_;
};

const char kScenario[] = R"({"customerId":"dev","linkId":"L1","params":{"maximumAttempts":2},
  "operations":[
    {"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
    {"name":"b","type":"sample","payload":{"actions":[{"action":"log","paramsMap":{"logMessage":"@<a.out::/v>"}}],"resultPayload":{}}}]})";

TEST_F(ExecutionTest, SpecScenarioSucceedsAndTheSecondOperationGetsTheFirstsOutput) {
  PopRun run = SubmitAndWait(kScenario);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  Json progress = ProgressOf("L1");
  EXPECT_EQ(progress.Find("processingState")->AsString(), "COMPLETE");
  EXPECT_EQ(progress.Find("processingStateMessage")->AsString(), "succeeded");
  EXPECT_EQ(progress.Find("percentComplete")->AsDouble(), 100.0);
  EXPECT_EQ(progress.Find("attemptsCompleted")->AsInt(), 1);
  ASSERT_NE(Op(progress, "a"), nullptr);
  EXPECT_EQ(Op(progress, "a")->Find("resultPayload")->AsString(), R"({"v":"x"})");
  EXPECT_NE(Logs(AgendaIdIn(run.out), "b").find("\nx\n"), std::string::npos);
}

TEST_F(ExecutionTest, AFailureIsRetriedAutomaticallyWithoutRerunningWhatSucceeded) {
  std::string failing = kScenario;
  failing.replace(failing.find(R"("action":"log")"), 14, R"("action":"exception")");
  PopRun run = SubmitAndWait(failing);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  Json progress = ProgressOf("L1");
  EXPECT_EQ(progress.Find("processingStateMessage")->AsString(), "failed");
  EXPECT_EQ(progress.Find("attemptsCompleted")->AsInt(), 2);
  const Json* b = Op(progress, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->Find("diagnosticEvents")->AsArray()[0].Find("message")->AsString(),
            "An unknown error has occurred with operation: b");
  // a ran once; b ran in both attempts.
  std::string id = AgendaIdIn(run.out);
  EXPECT_EQ(CountOf(Logs(id, "a"), "HandlerComplete"), 1u);
  EXPECT_EQ(CountOf(Logs(id, "b"), "HandlerComplete"), 2u);
}

TEST_F(ExecutionTest, SixtyFiveOperationDagWithFanOutAndChainedReferences) {
  // root → 32 parallel fan-out operations → a chain of 31 → a join referencing all 32.
  std::string ops = R"({"name":"root","type":"sample","payload":{"resultPayload":{"n":7}}})";
  std::string join = "[";
  for (int i = 0; i < 32; ++i) {
    ops += R"(,{"name":"fan-)" + std::to_string(i) + R"(","type":"noop","payload":{"i":)" +
           std::to_string(i) + R"(,"root":"@<root.out::/n>"}})";
    join += std::string(i ? "," : "") + R"("@<fan-)" + std::to_string(i) + R"(.out::/i>")";
  }
  join += "]";
  for (int j = 0; j < 31; ++j) {
    std::string previous = j == 0 ? "fan-0" : "chain-" + std::to_string(j - 1);
    ops += R"(,{"name":"chain-)" + std::to_string(j) + R"(","type":"noop","payload":{"prev":"@<)" +
           previous + R"(.out>"}})";
  }
  ops += R"(,{"name":"join","type":"noop","payload":)" + join + "}";
  PopRun run = SubmitAndWait(R"({"customerId":"dev","linkId":"DAG","operations":[)" + ops + "]}");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  Json progress = ProgressOf("DAG");
  EXPECT_EQ(progress.Find("operationProgress")->AsArray().size(), 65u);
  std::string expected = "[";
  for (int i = 0; i < 32; ++i) expected += std::string(i ? "," : "") + std::to_string(i);
  EXPECT_EQ(Op(progress, "join")->Find("resultPayload")->AsString(), expected + "]");
  EXPECT_EQ(Op(progress, "fan-3")->Find("resultPayload")->AsString(), R"({"i":3,"root":7})");
  Json last = ParseOrFail(Op(progress, "chain-30")->Find("resultPayload")->AsString());
  EXPECT_NE(ToJsonText(last).find(R"("i":0)"), std::string::npos);
}

TEST_F(ExecutionTest, AGeneratorAddsOperationsThatRunAndArePersisted) {
  PopRun run = SubmitAndWait(R"({"customerId":"dev","linkId":"GEN","operations":[
    {"name":"list","type":"noop","payload":{"operations":[
      {"name":"made-1","type":"sample","payload":{"resultPayload":{"k":1}}},
      {"name":"made-2","type":"noop","payload":{"k":2},"params":{"dependsOn":"made-1"}}]}},
    {"name":"gen","type":"updateAgenda","payload":{"operations":"@<list.out::/operations>"},
     "params":{"agenda.operation.generator":{"operationsJsonPointer":"/operations"}}}]})");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  Json progress = ProgressOf("GEN");
  ASSERT_NE(Op(progress, "made-2"), nullptr);
  EXPECT_EQ(Op(progress, "made-2")->Find("processingStateMessage")->AsString(), "succeeded");
  PopRun agenda = RunPop(Client({"agenda", "get", AgendaIdIn(run.out), "--json"}));
  Json stored = ParseOrFail(agenda.out);
  EXPECT_EQ(stored.Find("operations")->AsArray().size(), 4u);
}

TEST_F(ExecutionTest, AHangingHandlerTimesOutAndFailsItsOperation) {
  PopRun run = SubmitAndWait(
      R"({"customerId":"dev","linkId":"HANG","params":{"maximumAttempts":1},"operations":[{"name":"h","type":"hang"}]})");
  EXPECT_EQ(run.exit_code, 1);
  Json progress = ProgressOf("HANG");
  const Json& events = *Op(progress, "h")->Find("diagnosticEvents");
  EXPECT_EQ(events.AsArray()[0].Find("message")->AsString(),
            "Handler for operation h timed out after 1 s");
  EXPECT_EQ(ToJsonText(*events.AsArray()[0].Find("payload")), R"(["waiting forever"])");
  EXPECT_EQ(progress.Find("diagnosticEvents")->AsArray()[0].Find("message")->AsString(),
            "Failed to execute operation: h");
}

TEST_F(ExecutionTest, ACrashingHandlerFailsWithItsSignalAndLastLines) {
  PopRun run = SubmitAndWait(
      R"({"customerId":"dev","linkId":"CRASH","params":{"maximumAttempts":1},"operations":[{"name":"c","type":"crash"}]})");
  EXPECT_EQ(run.exit_code, 1);
  Json progress = ProgressOf("CRASH");
  EXPECT_NE(ToJsonText(*Op(progress, "c")->Find("diagnosticEvents")).find("killed by signal 11"),
            std::string::npos);
  EXPECT_NE(Logs(AgendaIdIn(run.out), "c").find("about to crash"), std::string::npos);
}

TEST_F(ExecutionTest, AHandlerPrintingMegabytesKeepsABoundedLogWithItsEnd) {
  PopRun run = SubmitAndWait(
      R"({"customerId":"dev","linkId":"LOUD","operations":[{"name":"l","type":"loud"}]})");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::string log = Logs(AgendaIdIn(run.out), "l");
  EXPECT_LT(log.size(), size_t{5} * 1024 * 1024);
  EXPECT_NE(log.find("bytes dropped"), std::string::npos);
  EXPECT_NE(log.find("last line"), std::string::npos);
  EXPECT_EQ(Op(ProgressOf("LOUD"), "l")->Find("resultPayload")->AsString(), R"({"ok":true})");
}

}  // namespace
}  // namespace pop::testing
