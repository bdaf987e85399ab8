// The client commands of the built `pop` binary against a real `pop dev` (whose in-process
// puller runs `noop` and `logMessages` operations for customer and insight `dev`): output,
// --json, and the exit codes scripts rely on (0 ok, 1 refused or failed, 2 bad input,
// 3 unreachable, 4 wait timed out).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include <fstream>

#include "core/codec/json_text.h"
#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// a's output feeds b's log lines through a reference.
constexpr char kGoodAgenda[] = R"({
  "linkId": "L-good",
  "operations": [
    {"name": "a", "type": "noop", "payload": {"greeting": "hello from a"}},
    {"name": "b", "type": "logMessages",
     "payload": {"logMessages": ["first line", "@<a.out::/greeting>"]}}
  ]
})";

// `logMessages` wants an array: operation "bad" fails, and "after" (which needs it) never runs.
constexpr char kFailingAgenda[] = R"({
  "operations": [
    {"name": "a", "type": "noop", "payload": {}},
    {"name": "bad", "type": "logMessages", "payload": {"logMessages": 5}},
    {"name": "after", "type": "noop", "payload": "@<bad.out>"}
  ]
})";

// params.doNotRun keeps it out of every queue: it waits forever.
constexpr char kNeverRunAgenda[] = R"({
  "params": {"doNotRun": true},
  "operations": [{"name": "a", "type": "noop", "payload": {}}]
})";

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string ScalarOrEmpty(const Json* value) {
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dev_.Start().empty()); }

  // `pop args... --server URL --data-dir DIR`: the admin token comes from the data dir.
  PopRun Pop(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--server", dev_.url(), "--data-dir", dev_.data_dir().string()});
    return RunPop(args, stdin_text);
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::filesystem::path path = dir_.path() / name;
    std::ofstream(path) << content;
    return path.string();
  }

  // Submits and waits; returns the agenda id.
  std::string SubmitAndWait(const std::string& agenda, int expected_exit = 0) {
    PopRun run = Pop({"agenda", "submit", "-q", "--wait", "-f", WriteFile("agenda.json", agenda)});
    EXPECT_EQ(run.exit_code, expected_exit) << run.out << run.err;
    return FirstLine(run.out);
  }

  static Json ParsedJson(const PopRun& run) {
    Result<Json> json = ParseJson(run.out);
    EXPECT_TRUE(json.ok()) << run.out;
    return json.ok() ? *json : Json();
  }

  TempDir dir_;
  DevProcess dev_{dir_.path()};
};

TEST_F(CliTest, SubmitWaitRunsEveryOperationAndExitsZero) {
  PopRun run = Pop({"agenda", "submit", "--wait", "-f", WriteFile("good.json", kGoodAgenda)});

  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("submitted (progress "));
  EXPECT_THAT(run.out, HasSubstr("operation a: SUCCEEDED"));
  EXPECT_THAT(run.out, HasSubstr("operation b: SUCCEEDED"));
  EXPECT_THAT(run.out, HasSubstr("succeeded in"));
  EXPECT_THAT(run.out, Not(HasSubstr("\x1b[")));  // not a terminal: plain lines
}

TEST(DevFlagsTest, MaxAgendasAndMaxOperationsAreAcceptedAndAgendasRunWithinThem) {
  TempDir dir;
  DevProcess dev(dir.path(), {"--max-agendas", "1", "--max-operations", "1"});
  ASSERT_FALSE(dev.Start().empty());
  std::filesystem::path agenda = dir.path() / "good.json";
  std::ofstream(agenda) << kGoodAgenda;

  PopRun run = RunPop({"agenda", "submit", "--wait", "-f", agenda.string(), "--server", dev.url(),
                       "--data-dir", dev.data_dir().string()});

  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("operation b: SUCCEEDED"));
  EXPECT_EQ(dev.Stop(), 0);
}

TEST(DevFlagsTest, MaxAgendasOfZeroIsRefused) {
  TempDir dir;

  PopRun run = RunPop({"dev", "--max-agendas", "0", "--data-dir", (dir.path() / "d").string()});

  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err, HasSubstr("--max-agendas"));
}

TEST_F(CliTest, SubmitWaitOfAFailingAgendaExitsOneNamingTheOperationAndItsDiagnostic) {
  PopRun run = Pop({"agenda", "submit", "--wait", "-f", WriteFile("fail.json", kFailingAgenda)});

  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out,
              HasSubstr("operation bad failed: Failed to translate payload to LogMessagesInput."));
  EXPECT_THAT(run.out, HasSubstr("did not finish: after"));
}

TEST_F(CliTest, SubmitOfAFileThatIsNotJsonExitsTwoNamingTheFileAndThePlace) {
  std::string path = WriteFile("broken.json", "{\"operations\": [\n  {\"name\": \"a\",}\n]}");

  PopRun run = Pop({"agenda", "submit", "-f", path});

  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr(path + " is not valid JSON"));
  EXPECT_THAT(run.err, HasSubstr("line 2"));
  EXPECT_THAT(run.err, Not(HasSubstr("terminate")));
}

TEST_F(CliTest, SubmitOfAMissingFileOrANonObjectExitsTwo) {
  PopRun missing = Pop({"agenda", "submit", "-f", (dir_.path() / "absent.json").string()});
  PopRun array = Pop({"agenda", "submit", "-f", WriteFile("array.json", "[1]")});

  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("absent.json"));
  EXPECT_EQ(array.exit_code, 2);
  EXPECT_THAT(array.err, HasSubstr("expected a JSON object"));
}

TEST_F(CliTest, SubmitOfAnArrayFileSubmitsEveryAgendaInOrderAndWaitWaitsForAll) {
  const std::string batch =
      std::string("[") + kGoodAgenda + "," + kGoodAgenda + "," + kGoodAgenda + "]";

  PopRun run = Pop({"agenda", "submit", "--wait", "-f", WriteFile("batch.json", batch)});

  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(CountOf(run.out, "submitted (progress "), 3u) << run.out;
  EXPECT_EQ(CountOf(run.out, "succeeded in"), 3u) << run.out;
}

TEST_F(CliTest, SubmitOfJsonLinesWaitsForAllAndExitsOneWhenOneFailed) {
  auto line = [](const char* agenda) {
    std::string text = agenda;
    std::erase(text, '\n');
    return text + "\n";
  };
  // One attempt only: the automatic retries would keep the failing agenda going for seconds.
  std::string failing = line(kFailingAgenda);
  failing.insert(1, R"("params":{"maximumAttempts":1},)");
  const std::string lines = line(kGoodAgenda) + "\n" + failing + line(kGoodAgenda);

  PopRun run = Pop({"agenda", "submit", "-q", "--wait", "-f", WriteFile("batch.jsonl", lines)});

  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(CountOf(run.out, "\n"), 3u) << run.out;  // -q: the three ids
  EXPECT_THAT(run.err, HasSubstr("bad"));            // the failed one's outcome
  std::string third = run.out.substr(run.out.rfind('\n', run.out.size() - 2) + 1);
  third.pop_back();
  PopRun get = Pop({"agenda", "get", third});
  EXPECT_THAT(get.out, HasSubstr("SUCCEEDED (100%)")) << get.out;  // waited for past the failure
}

TEST_F(CliTest, SubmitOfABatchWithABadElementExitsOneNamingItAndSubmitsNothing) {
  const std::string batch = std::string("[") + kGoodAgenda + R"(,{"operations":[]}])";

  PopRun run = Pop({"agenda", "submit", "-f", WriteFile("batch.json", batch)});
  PopRun list = Pop({"agenda", "list", "--json"});

  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("[1]: No operations specified in Agenda."));
  EXPECT_EQ(list.out, "[]\n");
}

TEST_F(CliTest, SubmitReadsTheAgendaFromStdin) {
  PopRun run = Pop({"agenda", "submit", "-q", "--wait", "-f", "-"}, kGoodAgenda);

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(FirstLine(run.out).empty());
}

TEST_F(CliTest, SubmitWithARepeatedIdempotencyKeyReturnsTheFirstAgenda) {
  std::string path = WriteFile("good.json", kGoodAgenda);

  PopRun first = Pop({"agenda", "submit", "-q", "--idempotency-key", "k-1", "-f", path});
  PopRun second = Pop({"agenda", "submit", "-q", "--idempotency-key", "k-1", "-f", path});

  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
}

TEST_F(CliTest, WaitGivesUpAfterTheTimeoutWithExitFour) {
  PopRun run = Pop({"agenda", "submit", "--wait", "--timeout", "300ms", "-f",
                    WriteFile("never.json", kNeverRunAgenda)});

  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("timed out after"));
  EXPECT_THAT(run.err, HasSubstr("pop agenda why"));
}

TEST_F(CliTest, AMalformedTimeoutExitsTwoBeforeSubmitting) {
  PopRun run = Pop({"agenda", "submit", "--wait", "--timeout", "soon", "-f",
                    WriteFile("good.json", kGoodAgenda)});

  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("invalid --timeout 'soon'"));
  EXPECT_EQ(Pop({"agenda", "list", "--json"}).out, "[]\n");
}

TEST_F(CliTest, EveryCommandExitsThreeWhenTheServerIsUnreachable) {
  std::string path = WriteFile("good.json", kGoodAgenda);
  std::vector<std::string> offline = {"--server", "http://127.0.0.1:1", "--token", "t"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), offline.begin(), offline.end());
    return RunPop(args);
  };

  EXPECT_EQ(with({"agenda", "submit", "--wait", "-f", path}).exit_code, 3);
  EXPECT_EQ(with({"agenda", "list"}).exit_code, 3);
  EXPECT_EQ(with({"agenda", "cancel", "a-1"}).exit_code, 3);
  EXPECT_EQ(with({"pool", "get", "rp"}).exit_code, 3);
  EXPECT_EQ(with({"progress", "summary", "--link-id", "L"}).exit_code, 3);
}

TEST_F(CliTest, AgendaGetShowsEachOperationsStateAndJsonIsTheAgenda) {
  std::string id = SubmitAndWait(kGoodAgenda);

  PopRun human = Pop({"agenda", "get", id});
  PopRun json = Pop({"agenda", "get", id, "--json"});

  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("SUCCEEDED (100%)"));
  EXPECT_THAT(human.out, HasSubstr("logMessages"));
  EXPECT_EQ(CountOf(human.out, "SUCCEEDED"), 3u) << human.out;  // the agenda and a and b
  EXPECT_THAT(human.out, HasSubstr("OUTPUT"));
  EXPECT_THAT(human.out, HasSubstr(R"({"greeting":"hello from a"})"));  // a's output
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(ScalarOrEmpty(ParsedJson(json).Find("id")), id);
}

TEST_F(CliTest, AgendaGetCutsALongOutputToOneShortLine) {
  const std::string long_text(100, 'x');
  const std::string id = SubmitAndWait(R"({"operations": [{"name": "a", "type": "noop",
      "payload": {"text": ")" + long_text +
                                       R"("}}]})");

  PopRun human = Pop({"agenda", "get", id});

  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr(R"({"text":")" + std::string(48, 'x') + "...\n"));
  EXPECT_THAT(human.out, Not(HasSubstr(std::string(49, 'x'))));
  // Never inside a UTF-8 character: {"t":" is 6 bytes, so byte 57 falls inside the 26th "é".
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\u00e9";
  const std::string accented = SubmitAndWait(
      R"({"operations": [{"name": "a", "type": "noop", "payload": {"t": ")" + accents + R"("}}]})");
  EXPECT_THAT(Pop({"agenda", "get", accented}).out,
              HasSubstr(R"({"t":")" + accents.substr(0, 50) + "...\n"));
}

TEST_F(CliTest, AgendaGetOfAnUnknownIdExitsOne) {
  PopRun run = Pop({"agenda", "get", "no-such-agenda"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("agenda no-such-agenda not found"));
}

TEST_F(CliTest, AgendaListShowsStateAndPercentAndJsonRowsParse) {
  std::string good = SubmitAndWait(kGoodAgenda);
  std::string failed = SubmitAndWait(
      R"({"linkId": "L-good", "operations": [{"name": "x", "type": "logMessages", "payload": 1}]})",
      1);

  PopRun table = Pop({"agenda", "list", "--link-id", "L-good"});
  PopRun json = Pop({"agenda", "list", "--link-id", "L-good", "--json"});

  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("ID"));
  EXPECT_THAT(table.out, HasSubstr("ADDED"));
  EXPECT_THAT(table.out, HasSubstr(good));
  EXPECT_THAT(table.out, HasSubstr(failed));
  EXPECT_THAT(table.out, HasSubstr("SUCCEEDED"));
  EXPECT_THAT(table.out, HasSubstr("FAILED"));
  Json rows = ParsedJson(json);
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.AsArray().size(), 2u);
  EXPECT_EQ(ScalarOrEmpty(rows.AsArray()[0].Find("processingState")), "COMPLETE");
}

TEST_F(CliTest, AgendaListIsNewestFirstAndFiltersByStateCustomerAndSince) {
  std::string good = SubmitAndWait(kGoodAgenda);
  std::string failed = SubmitAndWait(
      R"({"params": {"maximumAttempts": 1},
          "operations": [{"name": "x", "type": "logMessages", "payload": 1}]})",
      1);
  auto ids = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"agenda", "list", "--json"});
    std::vector<std::string> out;
    Json rows = ParsedJson(Pop(args));
    for (const Json& row : rows.is_array() ? rows.AsArray() : JsonArray()) {
      out.push_back(ScalarOrEmpty(row.Find("id")));
    }
    return out;
  };
  using V = std::vector<std::string>;

  EXPECT_EQ(ids({}), (V{failed, good}));  // newest first
  EXPECT_EQ(ids({"--limit", "1"}), (V{failed}));
  EXPECT_EQ(ids({"--state", "failed"}), (V{failed}));
  EXPECT_EQ(ids({"--state", "SUCCEEDED"}), (V{good}));
  EXPECT_EQ(ids({"--state", "waiting"}), V{});
  EXPECT_EQ(ids({"--customer", "dev", "--since", "1h"}), (V{failed, good}));
  EXPECT_EQ(ids({"--customer", "acme"}), V{});
  EXPECT_EQ(ids({"--since", "4000000000000"}), V{});  // a time to come
  PopRun bad = Pop({"agenda", "list", "--state", "done"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--state must be waiting, executing, complete, succeeded, "
                                 "failed or cancelled, got 'done'"));
}

TEST_F(CliTest, AgendaGetShowsTheReasonBehindAnAgendaDiagnostic) {
  // The reference names a field a's output lacks: the executor's "Error running operations",
  // with the reason, and no automatic retry.
  std::string id = SubmitAndWait(R"({"operations": [
    {"name": "a", "type": "noop", "payload": {"v": 1}},
    {"name": "b", "type": "noop", "payload": {"w": "@<a.out::/missing>"}}]})",
                                 1);

  PopRun human = Pop({"agenda", "get", id});

  EXPECT_THAT(human.out, HasSubstr("Diagnostic: Error running operations: Operation b has invalid "
                                   "references: @<a.out::/missing>"));
  EXPECT_THAT(human.out, HasSubstr("(not retried automatically"));
}

TEST_F(CliTest, WhySaysAnAgendaThatMayNotRunIsNotScheduled) {
  PopRun submitted =
      Pop({"agenda", "submit", "-q", "-f", WriteFile("never.json", kNeverRunAgenda)});
  std::string id = FirstLine(submitted.out);

  PopRun human = Pop({"agenda", "why", id});
  PopRun json = Pop({"agenda", "why", id, "--json"});

  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("NOT_SCHEDULED"));
  EXPECT_THAT(human.out, HasSubstr("doNotRun"));
  EXPECT_EQ(ScalarOrEmpty(ParsedJson(json).Find("state")), "NOT_SCHEDULED");
}

// Insight "idle" takes `encode` operations, which pop dev's puller does not poll for.
TEST_F(CliTest, WhyAndWaitSayWhenNoPullerPollsTheAgendasInsight) {
  ASSERT_EQ(Pop({"insight", "create", "--id", "idle", "--title", "Idle", "--pool", "dev-pool",
                 "--types", "encode", "--queue-size", "5"})
                .exit_code,
            0);
  const std::string id = FirstLine(
      Pop({"agenda", "submit", "-q", "-f",
           WriteFile("encode.json",
                     R"({"operations": [{"name": "e", "type": "encode", "payload": {}}]})")})
          .out);
  ASSERT_FALSE(id.empty());

  PopRun why = Pop({"agenda", "why", id});
  PopRun json = Pop({"agenda", "why", id, "--json"});
  PopRun watch = Pop({"agenda", "watch", id, "--timeout", "1500ms"});

  EXPECT_EQ(why.exit_code, 0) << why.err;
  EXPECT_THAT(why.out, HasSubstr("State:      QUEUED"));
  EXPECT_THAT(why.out, HasSubstr("Last poll:  none since the server started"));
  EXPECT_THAT(why.out, HasSubstr("no puller has polled insight idle since this server started: "
                                 "start one (pop puller --insight idle)"));
  EXPECT_EQ(ScalarOrEmpty(ParsedJson(json).Find("pullers")), "NONE");
  EXPECT_EQ(watch.exit_code, 4) << watch.out << watch.err;
  EXPECT_THAT(watch.err, HasSubstr("pop: agenda " + id + " is QUEUED: "));
  EXPECT_THAT(watch.err, HasSubstr("no puller has polled insight idle"));
  EXPECT_EQ(CountOf(watch.err, "no puller"), 1u) << watch.err;  // said once
}

TEST_F(CliTest, TemplateCreateGivesAnAgendaWithoutACustomerTheTemplatesOne) {
  ASSERT_EQ(Pop({"template", "create", "-f",
                 WriteFile("t.json", R"({"id": "t1", "title": "T", "agenda": {"operations": [
                   {"name": "a", "type": "noop", "payload": "@<pop.payload::/x>"}]}})")})
                .exit_code,
            0);

  Json stored = ParsedJson(Pop({"template", "get", "t1", "--json"}));
  PopRun run = Pop({"template", "run", "t1", "--payload", R"({"x": 1})", "--wait"});

  ASSERT_NE(stored.Find("agenda"), nullptr) << ToJsonText(stored);
  EXPECT_EQ(ScalarOrEmpty(stored.Find("agenda")->Find("customerId")), "dev");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST_F(CliTest, LogsPrintEveryOperationUnderAHeaderOrOneOperationAlone) {
  std::string id = SubmitAndWait(kGoodAgenda);

  PopRun all = Pop({"agenda", "logs", id});
  PopRun one = Pop({"agenda", "logs", id, "--operation", "b"});
  PopRun unknown = Pop({"agenda", "logs", id, "--operation", "zz"});

  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("==> a <=="));
  EXPECT_THAT(all.out, HasSubstr("==> b <==\nfirst line\nhello from a\n"));
  EXPECT_EQ(one.out, "first line\nhello from a\n");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("has no operation 'zz' (it has: a, b)"));
}

TEST_F(CliTest, LogsFollowPrintsEachLineOnceAndEndsWhenTheAgendaCompletes) {
  PopRun submitted = Pop({"agenda", "submit", "-q", "-f", WriteFile("good.json", kGoodAgenda)});
  std::string id = FirstLine(submitted.out);

  PopRun run = Pop({"agenda", "logs", id, "--follow"});

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(CountOf(run.out, "first line"), 1u) << run.out;
  EXPECT_EQ(CountOf(run.out, "hello from a"), 1u) << run.out;
}

TEST_F(CliTest, RerunOfSomeOperationsRunsThemAgainAndWatchFollowsTheAgenda) {
  std::string id = SubmitAndWait(kGoodAgenda);

  PopRun rerun = Pop({"agenda", "rerun", id, "--operations", "b", "--wait"});
  PopRun watch = Pop({"agenda", "watch", id});
  // The log route returns both attempts' output, the second under its attempt header.
  PopRun logs = Pop({"agenda", "logs", id, "--operation", "b"});

  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_THAT(rerun.out, HasSubstr("reset (operations b"));
  EXPECT_THAT(rerun.out, HasSubstr("succeeded in"));
  EXPECT_EQ(watch.exit_code, 0) << watch.err;
  EXPECT_THAT(watch.out, HasSubstr("operation b: SUCCEEDED"));
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_THAT(logs.out,
              ::testing::StartsWith("first line\nhello from a\n\n--- attempt 2 of b, started "));
  EXPECT_THAT(logs.out, ::testing::EndsWith(" ---\nfirst line\nhello from a\n"));
}

TEST_F(CliTest, RerunWithSkipExecutionResetsWithoutScheduling) {
  std::string id = SubmitAndWait(kGoodAgenda);

  PopRun rerun = Pop({"agenda", "rerun", id, "--reset-all", "--skip-execution"});
  PopRun why = Pop({"agenda", "why", id, "--json"});

  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_THAT(rerun.out, HasSubstr("not scheduled"));
  EXPECT_EQ(ScalarOrEmpty(ParsedJson(why).Find("state")), "NOT_SCHEDULED");
}

TEST_F(CliTest, RerunRefusesUnknownOperationsAndConflictingModes) {
  std::string id = SubmitAndWait(kGoodAgenda);

  PopRun unknown = Pop({"agenda", "rerun", id, "--operations", "zz"});
  PopRun both = Pop({"agenda", "rerun", id, "--continue", "--reset-all"});

  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("invalid operation names: zz"));
  EXPECT_EQ(both.exit_code, 2);
}

TEST_F(CliTest, TemplateRunSubmitsAnAgendaFromTheTemplateAndWaits) {
  std::string path = WriteFile("template.json", R"({
    "id": "greeter", "customerId": "dev", "title": "Greeter",
    "agenda": {"customerId": "dev", "linkId": "@<pop.payload::/link>",
               "operations": [{"name": "greet", "type": "logMessages",
                               "payload": {"logMessages": ["@<pop.payload::/greeting>"]}}]}})");
  ASSERT_EQ(Pop({"template", "create", "-f", path}).exit_code, 0);

  PopRun run = Pop({"template", "run", "greeter", "--payload",
                    R"({"greeting": "hi there", "link": "L-template"})", "--wait"});
  PopRun bad = Pop({"template", "run", "greeter", "--payload", "{oops"});
  PopRun listed = Pop({"template", "list"});

  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("submitted from template greeter"));
  EXPECT_THAT(run.out, HasSubstr("operation greet: SUCCEEDED"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--payload is not valid JSON"));
  EXPECT_THAT(listed.out, HasSubstr("Greeter"));
  PopRun logs =
      Pop({"agenda", "logs",
           ScalarOrEmpty(ParsedJson(Pop({"agenda", "list", "--link-id", "L-template", "--json"}))
                             .AsArray()
                             .at(0)
                             .Find("id")),
           "--operation", "greet"});
  EXPECT_EQ(logs.out, "hi there\n");
}

TEST_F(CliTest, ProgressSummaryRollsUpEveryAgendaOfALink) {
  SubmitAndWait(kGoodAgenda);
  SubmitAndWait(kGoodAgenda);

  PopRun human = Pop({"progress", "summary", "--link-id", "L-good"});
  PopRun json = Pop({"progress", "summary", "--link-id", "L-good", "--json"});

  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("link L-good: COMPLETE 100% (2 agendas)"));
  EXPECT_EQ(CountOf(human.out, "2/2 succeeded"), 2u) << human.out;
  Json summary = ParsedJson(json);
  EXPECT_EQ(ScalarOrEmpty(summary.Find("processingState")), "COMPLETE");
  ASSERT_NE(summary.Find("progressList"), nullptr);
  EXPECT_EQ(summary.Find("progressList")->AsArray().size(), 2u);
  PopRun unknown = Pop({"progress", "summary", "--link-id", "L-none"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no agendas with linkId L-none were found"));
}

TEST_F(CliTest, PoolInsightAndCustomerAreCreatedFromFlagsReadAndListed) {
  PopRun pool = Pop({"pool", "create", "--id", "rp-cli", "--title", "CLI pool"});
  PopRun insight = Pop({"insight", "create", "--id", "i-cli", "--title", "CLI insight", "--pool",
                        "rp-cli", "--types", "sample,encode", "--queue-size", "10", "--algorithm",
                        "RoundRobin", "--global"});
  PopRun customer = Pop({"customer", "create", "--id", "acme", "--pool", "rp-cli", "--title",
                         "Acme", "--weight", "2"});

  EXPECT_EQ(pool.exit_code, 0) << pool.err;
  EXPECT_EQ(pool.out, "resource pool rp-cli created\n");
  EXPECT_EQ(insight.exit_code, 0) << insight.err;
  EXPECT_EQ(customer.exit_code, 0) << customer.err;
  PopRun pool_get = Pop({"pool", "get", "rp-cli"});
  EXPECT_THAT(pool_get.out, HasSubstr("insightIds:"));
  EXPECT_THAT(pool_get.out, HasSubstr("i-cli"));
  Json got = ParsedJson(Pop({"insight", "get", "i-cli", "--json"}));
  EXPECT_EQ(ScalarOrEmpty(got.Find("schedulingAlgorithm")), "RoundRobin");
  EXPECT_EQ(ScalarOrEmpty(got.Find("customerId")), "dev");
  EXPECT_EQ(ToJsonText(*got.Find("mappers")), R"({"operationType":["sample","encode"]})");
  Json acme = ParsedJson(Pop({"customer", "get", "acme", "--json"}));
  EXPECT_EQ(ScalarOrEmpty(acme.Find("customerId")), "acme");
  EXPECT_EQ(ToJsonText(*acme.Find("weight")), "2.0");
  PopRun insights = Pop({"insight", "list"});
  EXPECT_THAT(insights.out, HasSubstr("sample,encode"));
  Json pools = ParsedJson(Pop({"pool", "list", "--json"}));
  ASSERT_TRUE(pools.is_array());
  EXPECT_EQ(pools.AsArray().size(), 2u);  // dev-pool and rp-cli
  Json customers = ParsedJson(Pop({"customer", "list", "--json"}));
  EXPECT_EQ(customers.AsArray().size(), 2u);  // dev and acme
}

TEST_F(CliTest, TyposGetTheClosestCommandOrOptionAndVersionIsPrinted) {
  PopRun command = RunPop({"agenda", "sumbit"});
  PopRun group = RunPop({"agnda", "list"});
  PopRun option = RunPop({"agenda", "list", "--limt", "3"});
  PopRun nothing_close = RunPop({"xyzzy"});
  PopRun version = RunPop({"--version"});

  EXPECT_EQ(command.exit_code, 2);
  EXPECT_THAT(command.err,
              HasSubstr("unknown command 'sumbit' for 'pop agenda'; did you mean 'submit'?"));
  EXPECT_THAT(group.err, HasSubstr("unknown command 'agnda' for 'pop'; did you mean 'agenda'?"));
  EXPECT_THAT(option.err, HasSubstr("unknown option '--limt' for 'pop agenda list'; did you mean "
                                    "'--limit'?"));
  EXPECT_EQ(nothing_close.exit_code, 2);
  EXPECT_THAT(nothing_close.err, HasSubstr("unknown command 'xyzzy' for 'pop'\n"));
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, ::testing::MatchesRegex("pop [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

// Every client command that waits ends at once on Ctrl-C (SIGINT, exit 130) and on SIGTERM (143).
TEST_F(CliTest, LongRunningCommandsEndWithinOneSecondOfCtrlCOrSigterm) {
  const std::string never = WriteFile("never.json", kNeverRunAgenda);
  const std::string id = FirstLine(Pop({"agenda", "submit", "-q", "-f", never}).out);
  ASSERT_FALSE(id.empty());
  const std::vector<std::vector<std::string>> commands = {
      {"agenda", "submit", "-f", never, "--wait"},
      {"agenda", "watch", id},
      {"agenda", "logs", id, "--follow"},
  };
  for (const auto& command : commands) {
    for (int signal_number : {SIGINT, SIGTERM}) {
      std::vector<std::string> args = command;
      args.insert(args.end(), {"--server", dev_.url(), "--data-dir", dev_.data_dir().string()});
      SignalledPopRun signalled =
          RunPopAndSignal(args, signal_number, std::chrono::milliseconds(1000));

      const std::string what = command[1] + " with signal " + std::to_string(signal_number);
      EXPECT_TRUE(signalled.had_output) << what;
      EXPECT_TRUE(signalled.ended_in_time) << what << ": " << signalled.run.out;
      EXPECT_EQ(signalled.run.exit_code, 128 + signal_number) << what << ": " << signalled.run.out;
    }
  }
}

TEST_F(CliTest, CustomerSetWeightChangesOnlyTheWeight) {
  ASSERT_EQ(Pop({"customer", "create", "--id", "acme", "--title", "Acme"}).exit_code, 0);

  PopRun set = Pop({"customer", "set-weight", "acme", "4.5"});
  PopRun refused = Pop({"customer", "set-weight", "acme", "5000"});

  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "customer acme now has weight 4.5\n");
  Json acme = ParsedJson(Pop({"customer", "get", "acme", "--json"}));
  EXPECT_EQ(ToJsonText(*acme.Find("weight")), "4.5");
  EXPECT_EQ(ScalarOrEmpty(acme.Find("title")), "Acme");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("between 0.001 and 1000"));
}

TEST_F(CliTest, CreateFromAFileAppliesFlagsOverItAndSaysWhenItUpdated) {
  std::string path =
      WriteFile("pool.json", R"({"id": "rp-file", "customerId": "ops", "title": "From file"})");

  PopRun created = Pop({"pool", "create", "-f", path});
  PopRun updated = Pop({"pool", "create", "-f", path, "--title", "Renamed"});
  PopRun broken = Pop({"customer", "create", "-f", WriteFile("c.json", "{\"id\": ")});

  EXPECT_EQ(created.out, "resource pool rp-file created\n");
  EXPECT_EQ(updated.out, "resource pool rp-file updated\n");
  Json pool = ParsedJson(Pop({"pool", "get", "rp-file", "--json"}));
  EXPECT_EQ(ScalarOrEmpty(pool.Find("title")), "Renamed");
  EXPECT_EQ(ScalarOrEmpty(pool.Find("customerId")), "ops");
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("c.json is not valid JSON"));
}

TEST_F(CliTest, GetOfAMissingObjectExitsOneAndAServerRefusalExitsOne) {
  PopRun missing = Pop({"insight", "get", "nope"});
  PopRun refused = Pop({"customer", "create", "--id", "untitled"});  // title is required

  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("insight nope not found"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("title"));
}

TEST_F(CliTest, WatchOnATerminalDrawsALiveBarPerOperation) {
  std::string id = SubmitAndWait(kGoodAgenda);

  PopRun run = RunPopOnTerminal(
      {"agenda", "watch", id, "--server", dev_.url(), "--data-dir", dev_.data_dir().string()});

  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\x1b[2K"));
  EXPECT_EQ(CountOf(run.out, "[##############################] 100%"), 2u) << run.out;
  EXPECT_THAT(run.out, HasSubstr("  a "));
  EXPECT_THAT(run.out, HasSubstr("  b "));
  EXPECT_THAT(run.out, HasSubstr("succeeded in"));
}

TEST_F(CliTest, WatchOnATerminalRedrawsInPlaceUntilTheTimeout) {
  PopRun submitted =
      Pop({"agenda", "submit", "-q", "-f", WriteFile("never.json", kNeverRunAgenda)});
  std::string id = FirstLine(submitted.out);

  PopRun run = RunPopOnTerminal({"agenda", "watch", id, "--timeout", "500ms", "--server",
                                 dev_.url(), "--data-dir", dev_.data_dir().string()});

  EXPECT_EQ(run.exit_code, 4) << run.out;
  // The header and one operation: each frame after the first moves up two lines first.
  EXPECT_THAT(run.out, HasSubstr("\x1b[2A\x1b[2Kagenda " + id));
  EXPECT_THAT(run.out, HasSubstr("[------------------------------]   0%"));
  EXPECT_THAT(run.out, HasSubstr("timed out after"));
}

TEST_F(CliTest, AuditListShowsStateChangesToSuperUsersOnly) {
  const std::string id = SubmitAndWait(kGoodAgenda);

  PopRun listed = Pop({"audit", "list", "--json", "--limit", "50"});
  ASSERT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  bool found = false;
  const Json records = ParsedJson(listed);
  ASSERT_TRUE(records.is_array()) << listed.out;
  for (const Json& record : records.AsArray()) {
    const Json* ids = record.Find("objectIds");
    if (ScalarOrEmpty(record.Find("route")) == "/pop/agenda" && ids != nullptr && ids->is_array() &&
        !ids->AsArray().empty() && ScalarOrEmpty(&ids->AsArray()[0]) == id) {
      found = true;
      EXPECT_EQ(record.Find("status")->AsInt(), 200);
    }
  }
  EXPECT_TRUE(found) << id << "\n" << listed.out;
  PopRun table = Pop({"audit", "list", "--since", "1h", "--by-user", "dev"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("ROUTE"));

  PopRun tenant = Pop({"token", "create", "--account", "dev"});
  ASSERT_EQ(tenant.exit_code, 0) << tenant.err;
  PopRun refused =
      RunPop({"audit", "list", "--server", dev_.url(), "--token", FirstLine(tenant.out)});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("Not found"));
}

}  // namespace
}  // namespace pop::testing
