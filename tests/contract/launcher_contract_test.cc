// The behaviour every Launcher that runs external handlers must have (src/ports/launcher.h and
// the handler contract of docs/handlers.md), checked only through the port. Instantiated once per
// factory of launcher_factories_support.cc. Handlers are small /bin/sh scripts; they report on
// $POP_REPORT. Waiting for a handler to reach a point polls the port (LatestProgress,
// TakeNewLog) with a deadline; nothing sleeps for a fixed time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/local_process/handler_registry.h"
#include "adapters/local_process/payload_env.h"
#include "adapters/local_process/process_launcher.h"
#include "contract/launcher_factories_support.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "ports/launcher.h"

namespace pop::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// How long a test waits for something that must happen before calling it a failure.
constexpr auto kPatience = seconds(30);
// The contract's bound on the log kept between two TakeNewLog() calls, plus the drop marker.
constexpr size_t kMaxLogBytes = (size_t{1} << 20) + 100;

// Every script starts with this: report LINE writes one report line.
constexpr char kPrelude[] = R"sh(
report() { printf '%s\n' "$1" >> "$POP_REPORT"; }
)sh";

constexpr char kSucceeded[] =
    R"({"processingState":"COMPLETE","processingStateMessage":"succeeded","percentComplete":100.0})";

TestHandler Script(std::string type, const std::string& body) {
  TestHandler handler;
  handler.type = std::move(type);
  handler.script = kPrelude + body;
  return handler;
}

Json ParseOrDie(const std::string& text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? std::move(json).value() : Json();
}

// Pseudo-random letters and digits: a payload that compresses about as badly as real data.
std::string RandomText(size_t length, uint32_t seed) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937 random(seed);
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string text(length, ' ');
  for (char& c : text) {
    c = kAlphabet[pick(random)];
  }
  return text;
}

// `{"chunks":["...", ...]}` of about `bytes` bytes.
std::string RandomPayload(size_t bytes, uint32_t seed) {
  JsonArray chunks;
  for (size_t made = 0; made < bytes; made += 1000) {
    chunks.emplace_back(RandomText(1000, seed++));
  }
  return ToJsonText(Json(JsonObject{{"chunks", Json(std::move(chunks))}}));
}

// NAME=value lines of `env` output.
std::map<std::string, std::string> EnvLines(const std::string& log) {
  std::map<std::string, std::string> vars;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    size_t equals = line.find('=');
    if (equals != std::string::npos && equals > 0) {
      vars[line.substr(0, equals)] = line.substr(equals + 1);
    }
  }
  return vars;
}

const DiagnosticEvent& OnlyDiagnostic(const LaunchOutcome& outcome) {
  static const DiagnosticEvent kNone;
  if (!outcome.progress.has_value() || !outcome.progress->diagnostic_events.has_value() ||
      outcome.progress->diagnostic_events->size() != 1) {
    ADD_FAILURE() << "expected exactly one diagnostic event";
    return kNone;
  }
  return outcome.progress->diagnostic_events->front();
}

std::vector<std::string> DiagnosticLines(const LaunchOutcome& outcome) {
  std::vector<std::string> lines;
  const DiagnosticEvent& event = OnlyDiagnostic(outcome);
  if (!event.payload.has_value() || !event.payload->is_array()) {
    ADD_FAILURE() << "the diagnostic's payload is not an array of log lines";
    return lines;
  }
  for (const Json& line : event.payload->AsArray()) {
    lines.push_back(line.is_string() ? line.AsString() : ToJsonText(line));
  }
  return lines;
}

// Asserts the launcher's own failure outcome: COMPLETE/failed, one diagnostic with `message`,
// a time, and LaunchOutcome::failure naming the same.
void ExpectFailure(const LaunchOutcome& outcome, const std::string& message) {
  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->processing_state, ProcessingState::kComplete);
  EXPECT_EQ(outcome.progress->processing_state_message, "failed");
  EXPECT_EQ(OnlyDiagnostic(outcome).message, message);
  EXPECT_TRUE(OnlyDiagnostic(outcome).time.has_value());
  EXPECT_EQ(outcome.failure, message);
}

void ExpectSucceeded(const LaunchOutcome& outcome) {
  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->processing_state, ProcessingState::kComplete);
  EXPECT_EQ(outcome.progress->processing_state_message, "succeeded");
  EXPECT_FALSE(outcome.failure.has_value()) << *outcome.failure;
}

// No child process of this test process is left, running or unreaped.
void ExpectNoChildren() {
  int status = 0;
  pid_t pid = waitpid(-1, &status, WNOHANG);
  int error = errno;
  EXPECT_EQ(pid, -1) << (pid == 0 ? "a child is still running" : "a child was left unreaped");
  EXPECT_EQ(error, ECHILD);
}

class LauncherContractTest : public ::testing::TestWithParam<LauncherFactory> {
 protected:
  void Start(std::vector<TestHandler> handlers, milliseconds complete_grace = seconds(10)) {
    LauncherSetup setup;
    setup.scratch_dir = dir_.path();
    setup.work_dir_root = WorkRoot();
    setup.handlers = std::move(handlers);
    setup.complete_grace = complete_grace;
    Result<std::unique_ptr<Launcher>> created = GetParam().create(setup);
    ASSERT_TRUE(created.ok()) << created.error().message;
    launcher_ = std::move(created).value();
  }

  static LaunchSpec Spec(const std::string& type, const std::string& name = "b") {
    LaunchSpec spec;
    spec.operation_name = name;
    spec.operation_type = type;
    spec.agenda_id = "agenda-1";
    spec.customer_id = "acme";
    spec.cid = "cid-1";
    spec.payload = R"({"k":"v"})";
    return spec;
  }

  std::unique_ptr<LaunchedOperation> Launch(const LaunchSpec& spec) {
    Result<std::unique_ptr<LaunchedOperation>> launched = launcher_->Launch(spec);
    EXPECT_TRUE(launched.ok()) << launched.error().message;
    return launched.ok() ? std::move(launched).value() : nullptr;
  }

  LaunchOutcome Run(const LaunchSpec& spec, std::string* log = nullptr) {
    std::unique_ptr<LaunchedOperation> operation = Launch(spec);
    if (operation == nullptr) {
      return {};
    }
    LaunchOutcome outcome = operation->Wait();
    if (log != nullptr) {
      *log = operation->TakeNewLog();
    }
    return outcome;
  }

  // Polls until `done` holds; false after kPatience.
  static bool Eventually(const std::function<bool()>& done) {
    auto deadline = Clock::now() + kPatience;
    while (!done()) {
      if (Clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
  }

  static bool ReportedState(LaunchedOperation& operation, ProcessingState state) {
    return Eventually([&] {
      std::optional<OperationProgress> progress = operation.LatestProgress();
      return progress.has_value() && progress->processing_state == state;
    });
  }

  void Touch(const std::string& name) const { std::ofstream(dir_.path() + "/" + name) << "go\n"; }
  std::string PathOf(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string WorkRoot() const { return dir_.path() + "/work"; }
  // The working directories handlers have now (kept or not yet removed).
  // Whether `dir` is a handler's working directory: <work root>/<shard 0-7>/op-XXXXXX.
  bool IsAWorkDir(const std::string& dir) const {
    const std::filesystem::path path(dir);
    const std::string shard = path.parent_path().filename().string();
    return path.parent_path().parent_path() == std::filesystem::path(WorkRoot()) &&
           shard.size() == 1 && shard[0] >= '0' && shard[0] <= '7' &&
           path.filename().string().rfind("op-", 0) == 0;
  }

  // The handlers' working directories: <work root>/<shard>/op-XXXXXX.
  std::vector<std::string> WorkDirs() const {
    std::vector<std::string> dirs;
    std::error_code ec;
    for (std::filesystem::directory_iterator shard(WorkRoot(), ec), end; !ec && shard != end;
         shard.increment(ec)) {
      std::error_code inner;
      for (std::filesystem::directory_iterator it(shard->path(), inner); !inner && it != end;
           it.increment(inner)) {
        dirs.push_back(it->path().string());
      }
    }
    return dirs;
  }

  ScratchDir dir_;
  std::unique_ptr<Launcher> launcher_;
};

TEST_P(LauncherContractTest, SucceedsWithProgressAndResult) {
  Start({Script("work", R"sh(
echo "to stdout"
echo "to stderr" >&2
report '{"processingState":"EXECUTING","processingStateMessage":"working","percentComplete":40.0,"params":{"JobId":"j-1"}}'
report '{"processingState":"COMPLETE","processingStateMessage":"succeeded","percentComplete":100.0,"params":{"JobId":"j-1"},"result":{"answer":42}}'
report '{"processingState":"EXECUTING","processingStateMessage":"after the end"}'
)sh")});

  std::string log;
  LaunchOutcome outcome = Run(Spec("work"), &log);

  ExpectSucceeded(outcome);
  EXPECT_EQ(outcome.progress->operation, "b");
  EXPECT_EQ(outcome.progress->percent_complete, 100.0);
  EXPECT_EQ(outcome.progress->params, ParseOrDie(R"({"JobId":"j-1"})"));
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseOrDie(*outcome.output), ParseOrDie(R"({"answer":42})"));
  EXPECT_THAT(log, AllOf(HasSubstr("to stdout\n"), HasSubstr("to stderr\n")));
}

TEST_P(LauncherContractTest, OutputComesFromAnEarlierLineWhenCompleteCarriesNone) {
  Start({Script("work", R"sh(
report '{"processingState":"EXECUTING","result":{"partial":true}}'
report '{"processingState":"EXECUTING","result":{"partial":false}}'
report '{"processingState":"COMPLETE","processingStateMessage":"succeeded"}'
)sh")});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectSucceeded(outcome);
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseOrDie(*outcome.output), ParseOrDie(R"({"partial":false})"));
}

TEST_P(LauncherContractTest, HandlerReportedFailureStandsAsReported) {
  Start({Script("work", R"sh(
report '{"processingState":"COMPLETE","processingStateMessage":"failed","diagnosticEvents":[{"message":"bad input"}]}'
)sh")});

  LaunchOutcome outcome = Run(Spec("work"));

  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->processing_state, ProcessingState::kComplete);
  EXPECT_EQ(outcome.progress->processing_state_message, "failed");
  EXPECT_EQ(OnlyDiagnostic(outcome).message, "bad input");
  EXPECT_FALSE(outcome.failure.has_value());
}

TEST_P(LauncherContractTest, NonZeroExitFailsWithStatusAndTheLastTenLogLines) {
  Start({Script("work", R"sh(
report '{"processingState":"EXECUTING","percentComplete":30.0,"params":{"JobId":"j-2"}}'
i=1
while [ $i -le 15 ]; do echo "line $i"; i=$((i+1)); done
exit 3
)sh")});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b exited with status 3");
  EXPECT_THAT(DiagnosticLines(outcome),
              ElementsAre("line 6", "line 7", "line 8", "line 9", "line 10", "line 11", "line 12",
                          "line 13", "line 14", "line 15"));
  // The handler's own progress fields survive.
  EXPECT_EQ(outcome.progress->percent_complete, 30.0);
  EXPECT_EQ(outcome.progress->params, ParseOrDie(R"({"JobId":"j-2"})"));
  EXPECT_TRUE(outcome.progress->completed_time.has_value());
}

TEST_P(LauncherContractTest, CrashFailsNamingTheSignal) {
  Start({Script("work", R"sh(
ulimit -c 0
echo "about to crash"
kill -SEGV $$
)sh")});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b was killed by signal 11 (Segmentation fault)");
  EXPECT_THAT(DiagnosticLines(outcome), ElementsAre("about to crash"));
}

TEST_P(LauncherContractTest, HangTimesOut) {
  TestHandler handler = Script("work", "echo waiting\nsleep 600\n");
  handler.timeout = seconds(1);
  Start({handler});

  auto started = Clock::now();
  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b timed out after 1 s");
  EXPECT_THAT(DiagnosticLines(outcome), ElementsAre("waiting"));
  EXPECT_GE(Clock::now() - started, milliseconds(900));
  EXPECT_LT(Clock::now() - started, seconds(5));  // SIGTERM ended it, not the 5 s grace
}

TEST_P(LauncherContractTest, HangIgnoringSigtermIsKilledAfterTheGrace) {
  TestHandler handler = Script("work", "trap '' TERM\necho stubborn\nsleep 600\n");
  handler.timeout = seconds(1);
  handler.cancel_grace = milliseconds(500);
  Start({handler});

  auto started = Clock::now();
  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b timed out after 1 s");
  EXPECT_GE(Clock::now() - started, milliseconds(1400));
}

TEST_P(LauncherContractTest, CompleteThenHangSucceedsAfterTheGrace) {
  TestHandler handler = Script("work", R"sh(
report '{"processingState":"COMPLETE","processingStateMessage":"succeeded","result":{"done":true}}'
sleep 600
)sh");
  Start({handler}, /*complete_grace=*/milliseconds(300));

  auto started = Clock::now();
  LaunchOutcome outcome = Run(Spec("work"));

  ExpectSucceeded(outcome);
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseOrDie(*outcome.output), ParseOrDie(R"({"done":true})"));
  EXPECT_LT(Clock::now() - started, seconds(5));
}

TEST_P(LauncherContractTest, ExitWithoutCompleteFails) {
  Start({Script("work", R"sh(
report '{"processingState":"EXECUTING","percentComplete":30.0,"params":{"JobId":"j-3"}}'
echo "forgot to finish"
)sh")});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b exited without reporting COMPLETE");
  EXPECT_EQ(outcome.progress->percent_complete, 30.0);
  EXPECT_EQ(outcome.progress->params, ParseOrDie(R"({"JobId":"j-3"})"));
  EXPECT_THAT(DiagnosticLines(outcome), ElementsAre("forgot to finish"));
}

TEST_P(LauncherContractTest, ExitWithoutAnyReportFails) {
  Start({Script("work", "exit 0\n")});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b exited without reporting COMPLETE");
  EXPECT_THAT(DiagnosticLines(outcome), IsEmpty());
  EXPECT_FALSE(outcome.output.has_value());
}

// exitZeroIsSuccess: for programs that know nothing of the report channel.
TestHandler ExitZeroIsSuccess(TestHandler handler) {
  handler.exit_zero_is_success = true;
  return handler;
}

TEST_P(LauncherContractTest, ExitZeroSucceedsWithoutAReportWhenTheTypeSaysSo) {
  TestHandler handler;
  handler.type = "true";
  handler.command = "/bin/true";
  Start({ExitZeroIsSuccess(handler)});

  LaunchOutcome outcome = Run(Spec("true"));

  ExpectSucceeded(outcome);
  EXPECT_EQ(outcome.progress->operation, "b");
  EXPECT_EQ(outcome.progress->percent_complete, 100.0);
  EXPECT_TRUE(outcome.progress->completed_time.has_value());
  EXPECT_FALSE(outcome.progress->diagnostic_events.has_value());
  EXPECT_FALSE(outcome.output.has_value());
}

TEST_P(LauncherContractTest, ExitZeroSuccessKeepsTheLastReportedProgressAndResult) {
  Start({ExitZeroIsSuccess(Script("work", R"sh(
report '{"processingState":"EXECUTING","percentComplete":30.0,"params":{"JobId":"j-4"},"result":{"n":7}}'
)sh"))});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectSucceeded(outcome);
  EXPECT_EQ(outcome.progress->percent_complete, 100.0);
  EXPECT_EQ(outcome.progress->params, ParseOrDie(R"({"JobId":"j-4"})"));
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseOrDie(*outcome.output), ParseOrDie(R"({"n":7})"));
}

TEST_P(LauncherContractTest, ExitZeroIsSuccessStillFailsOnANonZeroStatus) {
  Start({ExitZeroIsSuccess(Script("work", "echo bad\nexit 3\n"))});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b exited with status 3");
}

TEST_P(LauncherContractTest, ExitZeroIsSuccessStillFailsOnASignal) {
  Start({ExitZeroIsSuccess(Script("work", "ulimit -c 0\nkill -SEGV $$\n"))});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome, "Handler for operation b was killed by signal 11 (Segmentation fault)");
}

TEST_P(LauncherContractTest, ExitZeroIsSuccessKeepsAReportedFailure) {
  Start({ExitZeroIsSuccess(Script("work", R"sh(
report '{"processingState":"COMPLETE","processingStateMessage":"failed","percentComplete":10.0}'
exit 0
)sh"))});

  LaunchOutcome outcome = Run(Spec("work"));

  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->processing_state, ProcessingState::kComplete);
  EXPECT_EQ(outcome.progress->processing_state_message, "failed");
  EXPECT_EQ(outcome.progress->percent_complete, 10.0);
}

TEST_P(LauncherContractTest, MegabytesOfOutputStayBoundedAndTheLastLinesSurvive) {
  Start({Script("work", R"sh(
yes 'a line of filler that the handler prints over and over' | head -n 500000
echo "last line 1"
echo "last line 2"
report '{"processingState":"EXECUTING"}'
exit 4
)sh")});

  std::string log;
  LaunchOutcome outcome = Run(Spec("work"), &log);

  ExpectFailure(outcome, "Handler for operation b exited with status 4");
  std::vector<std::string> lines = DiagnosticLines(outcome);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[lines.size() - 2], "last line 1");
  EXPECT_EQ(lines.back(), "last line 2");
  EXPECT_LE(log.size(), kMaxLogBytes);
  EXPECT_THAT(log, StartsWith("[... "));
  EXPECT_THAT(log, HasSubstr(" bytes dropped ...]\n"));
  EXPECT_THAT(log, EndsWith("last line 1\nlast line 2\n"));
}

TEST_P(LauncherContractTest, TakeNewLogReturnsOnlyWhatArrivedSinceTheLastCall) {
  TestHandler handler = Script("work", R"sh(
echo first
while [ ! -e "$GO" ]; do sleep 0.01; done
echo second
report ')sh" + std::string(kSucceeded) + "'\n");
  handler.env = {{"GO", PathOf("go")}};
  Start({handler});

  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);
  std::string early;
  ASSERT_TRUE(Eventually([&] {
    early += operation->TakeNewLog();
    return early.find("first\n") != std::string::npos;
  }));
  Touch("go");
  LaunchOutcome outcome = operation->Wait();

  ExpectSucceeded(outcome);
  EXPECT_EQ(early, "first\n");
  EXPECT_EQ(operation->TakeNewLog(), "second\n");
  EXPECT_EQ(operation->TakeNewLog(), "");
}

TEST_P(LauncherContractTest, EnvironmentCarriesTheHandlerContract) {
  ASSERT_EQ(setenv("POP_CONTRACT_NOT_INHERITED", "secret", 1), 0);
  TestHandler handler = Script("work", "env\nreport '" + std::string(kSucceeded) + "'\n");
  handler.env = {{"HANDLER_SETTING", "from the registry"}};
  Start({handler});
  unsetenv("POP_CONTRACT_NOT_INHERITED");
  LaunchSpec spec = Spec("work");
  spec.operation_id = "op-id-1";
  spec.payload = R"({"k":"v","n":[1,2]})";
  spec.last_progress = R"({"processingState":"EXECUTING","params":{"jobInfo":{"jobId":"j-9"}}})";

  std::string log;
  LaunchOutcome outcome = Run(spec, &log);

  ExpectSucceeded(outcome);
  std::map<std::string, std::string> env = EnvLines(log);
  EXPECT_EQ(env["PAYLOAD"], spec.payload);
  EXPECT_EQ(env["POP_PAYLOAD_TYPE"], "envVar");
  EXPECT_EQ(env["LAST_PROGRESS"], *spec.last_progress);
  EXPECT_EQ(env["CID"], "cid-1");
  EXPECT_EQ(env["OPERATION_NAME"], "b");
  EXPECT_EQ(env["OPERATION_ID"], "op-id-1");
  EXPECT_EQ(env["AGENDA_ID"], "agenda-1");
  EXPECT_EQ(env["CUSTOMER_ID"], "acme");
  EXPECT_EQ(env["OPERATION_TYPE"], "work");
  EXPECT_EQ(env["HANDLER_SETTING"], "from the registry");
  EXPECT_THAT(env["POP_REPORT"], Not(IsEmpty()));
  if (const char* path = getenv("PATH"); path != nullptr) {
    EXPECT_EQ(env["PATH"], path);
  }
  // Nothing else of this process's environment, only what the contract names (and what the
  // shell itself adds).
  const std::set<std::string> allowed = {"PAYLOAD",
                                         "POP_PAYLOAD_TYPE",
                                         "LAST_PROGRESS",
                                         "CID",
                                         "OPERATION_NAME",
                                         "OPERATION_ID",
                                         "AGENDA_ID",
                                         "CUSTOMER_ID",
                                         "OPERATION_TYPE",
                                         "POP_REPORT",
                                         "HANDLER_SETTING",
                                         "PATH",
                                         "HOME",
                                         "LANG",
                                         "TZ",
                                         "PWD",
                                         "OLDPWD",
                                         "SHLVL",
                                         "_"};
  for (const auto& [name, value] : env) {
    EXPECT_TRUE(allowed.count(name) != 0) << "unexpected variable " << name << "=" << value;
  }
}

// Sets variables of this process for one scope, restoring what was there before.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::map<std::string, std::string> values) {
    for (const auto& [name, value] : values) {
      const char* old = getenv(name.c_str());
      saved_.emplace(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
      setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value.has_value()) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST_P(LauncherContractTest, HandlerDoesNotSeeTheServersTokenSecretsHomeOrTmpdir) {
  {
    ScopedEnv server_env({{"POP_TOKEN", "pop_server_token"},
                          {"SERVER_SECRET", "hunter2"},
                          {"HOME", "/home/the-server"},
                          {"TMPDIR", "/tmp/the-server"}});
    Start({Script("work", "env\nreport '" + std::string(kSucceeded) + "'\n")});
  }

  std::string log;
  LaunchOutcome outcome = Run(Spec("work"), &log);

  ExpectSucceeded(outcome);
  std::map<std::string, std::string> env = EnvLines(log);
  EXPECT_EQ(env.count("POP_TOKEN"), 0u);
  EXPECT_EQ(env.count("SERVER_SECRET"), 0u);
  EXPECT_EQ(env.count("TMPDIR"), 0u);
  EXPECT_EQ(env.count("POP_ALLOW_PAYLOAD_COMMANDS"), 0u);
  EXPECT_TRUE(IsAWorkDir(env["HOME"])) << env["HOME"];
  EXPECT_THAT(log, Not(HasSubstr("pop_server_token")));
  EXPECT_THAT(log, Not(HasSubstr("hunter2")));
}

TEST_P(LauncherContractTest, EachOperationRunsInItsOwnWorkingDirectoryRemovedAfterwards) {
  Start({Script("work", R"sh(
if [ "$(pwd -P)" = "$(cd "$HOME" && pwd -P)" ]; then echo "cwd is HOME"; fi
echo "home=$HOME"
echo scratch > left-behind.txt
)sh" + std::string("report '") +
                            kSucceeded + "'\n")});

  std::string first_log;
  std::string second_log;
  ExpectSucceeded(Run(Spec("work", "first"), &first_log));
  ExpectSucceeded(Run(Spec("work", "second"), &second_log));

  EXPECT_THAT(first_log, HasSubstr("cwd is HOME\n"));
  EXPECT_THAT(second_log, HasSubstr("cwd is HOME\n"));
  std::string first_home = EnvLines(first_log)["home"];
  std::string second_home = EnvLines(second_log)["home"];
  EXPECT_TRUE(IsAWorkDir(first_home)) << first_home;
  EXPECT_TRUE(IsAWorkDir(second_home)) << second_home;
  EXPECT_NE(first_home, second_home);
  EXPECT_TRUE(Eventually([&] { return WorkDirs().empty(); }))
      << "left: " << ::testing::PrintToString(WorkDirs());
}

TEST_P(LauncherContractTest, AnEmptyWorkingDirectoryIsRemovedAfterwardsToo) {
  Start({Script("quiet", std::string("report '") + kSucceeded + "'\n")});

  ExpectSucceeded(Run(Spec("quiet", "only")));

  EXPECT_TRUE(Eventually([&] { return WorkDirs().empty(); }))
      << "left: " << ::testing::PrintToString(WorkDirs());
}

TEST_P(LauncherContractTest, TheWorkRootsSubdirectoriesAreMadeAgainIfSomeoneRemovedThem) {
  Start({Script("quiet", std::string("report '") + kSucceeded + "'\n")});
  for (int shard = 0; shard < 8; ++shard) {
    ASSERT_TRUE(std::filesystem::remove(WorkRoot() + "/" + std::to_string(shard)));
  }

  ExpectSucceeded(Run(Spec("quiet", "first")));
  ExpectSucceeded(Run(Spec("quiet", "second")));

  EXPECT_TRUE(Eventually([&] { return WorkDirs().empty(); }))
      << "left: " << ::testing::PrintToString(WorkDirs());
}

TEST_P(LauncherContractTest, KeepWorkDirKeepsTheDirectoryAndWhatTheHandlerLeftThere) {
  TestHandler handler =
      Script("work", "echo kept > out.txt\nreport '" + std::string(kSucceeded) + "'\n");
  handler.keep_work_dir = true;
  Start({handler});

  ExpectSucceeded(Run(Spec("work")));

  std::vector<std::string> dirs = WorkDirs();
  ASSERT_EQ(dirs.size(), 1u);
  std::ifstream kept(dirs[0] + "/out.txt");
  std::string line;
  std::getline(kept, line);
  EXPECT_EQ(line, "kept");
}

TEST_P(LauncherContractTest, OperationTextNeverBecomesAPathOnTheHost) {
  TestHandler handler = Script("work", "report '" + std::string(kSucceeded) + "'\n");
  handler.keep_work_dir = true;
  Start({handler});
  LaunchSpec spec = Spec("work", "../../escaped");
  spec.operation_id = "../../escaped-id";
  spec.cid = "../../escaped-cid";

  ExpectSucceeded(Run(spec));

  std::vector<std::string> dirs = WorkDirs();
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_TRUE(IsAWorkDir(dirs[0])) << dirs[0];
  EXPECT_FALSE(std::filesystem::exists(PathOf("escaped")));
  EXPECT_FALSE(
      std::filesystem::exists(std::filesystem::path(dir_.path()).parent_path() / "escaped"));
}

// "Max open files  64  64  files" -> {"64", "64"} from /proc/<pid>/limits output.
std::pair<std::string, std::string> LimitLine(const std::string& log, const std::string& name) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name, 0) == 0) {
      std::istringstream fields(line.substr(name.size()));
      std::string soft;
      std::string hard;
      fields >> soft >> hard;
      return {soft, hard};
    }
  }
  return {"(missing)", "(missing)"};
}

TEST_P(LauncherContractTest, OpenFilesLimitDefaultsTo1024) {
  Start({Script("work", "cat /proc/$$/limits\nreport '" + std::string(kSucceeded) + "'\n")});

  std::string log;
  ExpectSucceeded(Run(Spec("work"), &log));

  EXPECT_EQ(LimitLine(log, "Max open files").first, "1024") << log;
}

TEST_P(LauncherContractTest, RegistryLimitsApplyToTheHandler) {
  TestHandler handler =
      Script("work", "cat /proc/$$/limits\nreport '" + std::string(kSucceeded) + "'\n");
  handler.limits.open_files = 64;
  handler.limits.memory_bytes = uint64_t{1} << 30;
  handler.limits.cpu_seconds = 100;
  handler.limits.processes = 5000;
  Start({handler});

  std::string log;
  ExpectSucceeded(Run(Spec("work"), &log));

  EXPECT_EQ(LimitLine(log, "Max open files"), std::make_pair(std::string("64"), std::string("64")))
      << log;
  EXPECT_EQ(LimitLine(log, "Max address space"),
            std::make_pair(std::string("1073741824"), std::string("1073741824")));
  EXPECT_EQ(LimitLine(log, "Max cpu time"), std::make_pair(std::string("100"), std::string("101")));
  EXPECT_EQ(LimitLine(log, "Max processes"),
            std::make_pair(std::string("5000"), std::string("5000")));
}

TEST_P(LauncherContractTest, HandlerExceedingCpuSecondsIsKilled) {
  TestHandler handler = Script("work", "ulimit -c 0\necho spinning\nwhile :; do :; done\n");
  handler.limits.cpu_seconds = 1;
  Start({handler});

  LaunchOutcome outcome = Run(Spec("work"));

  ExpectFailure(outcome,
                "Handler for operation b was killed by signal 24 (CPU time limit exceeded)");
  EXPECT_THAT(DiagnosticLines(outcome), ElementsAre("spinning"));
}

TEST_P(LauncherContractTest, LimitAboveTheLaunchersHardLimitIsRefusedNamingTheField) {
  struct rlimit open_files {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &open_files), 0);
  ASSERT_NE(open_files.rlim_max, RLIM_INFINITY);
  TestHandler handler = Script("work", "report '" + std::string(kSucceeded) + "'\n");
  handler.limits.open_files = static_cast<uint64_t>(open_files.rlim_max) + 1;
  LauncherSetup setup;
  setup.scratch_dir = dir_.path();
  setup.work_dir_root = WorkRoot();
  setup.handlers = {handler};

  Result<std::unique_ptr<Launcher>> created = GetParam().create(setup);

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(created.error().message, "Invalid value for field 'work.limits.openFiles': " +
                                         std::to_string(open_files.rlim_max + 1) +
                                         " is above this process's hard limit " +
                                         std::to_string(open_files.rlim_max));
}

TEST_P(LauncherContractTest, PayloadCommandsAreAllowedOnlyForTypesTheRegistryFlags) {
  TestHandler plain = Script("plain", "env\nreport '" + std::string(kSucceeded) + "'\n");
  TestHandler trusted = Script("trusted", "env\nreport '" + std::string(kSucceeded) + "'\n");
  trusted.allow_payload_commands = true;
  // The server's own variable of that name is not passed on.
  ScopedEnv server_env(std::map<std::string, std::string>{{"POP_ALLOW_PAYLOAD_COMMANDS", "1"}});
  Start({plain, trusted});

  std::string plain_log;
  std::string trusted_log;
  ExpectSucceeded(Run(Spec("plain"), &plain_log));
  ExpectSucceeded(Run(Spec("trusted"), &trusted_log));

  EXPECT_EQ(EnvLines(plain_log).count("POP_ALLOW_PAYLOAD_COMMANDS"), 0u);
  EXPECT_EQ(EnvLines(trusted_log)["POP_ALLOW_PAYLOAD_COMMANDS"], "1");
}

TEST_P(LauncherContractTest, OptionalVariablesAreAbsentWhenNotGiven) {
  Start({Script("work", "env\nreport '" + std::string(kSucceeded) + "'\n")});

  std::string log;
  LaunchOutcome outcome = Run(Spec("work"), &log);

  ExpectSucceeded(outcome);
  std::map<std::string, std::string> env = EnvLines(log);
  EXPECT_EQ(env.count("OPERATION_ID"), 0u);
  EXPECT_EQ(env.count("LAST_PROGRESS"), 0u);
  EXPECT_EQ(env["PAYLOAD"], R"({"k":"v"})");
}

TEST_P(LauncherContractTest, LastProgressReachesTheHandler) {
  Start({Script("work", R"sh(
report "{\"processingState\":\"COMPLETE\",\"processingStateMessage\":\"succeeded\",\"result\":$LAST_PROGRESS}"
)sh")});
  LaunchSpec spec = Spec("work");
  spec.last_progress = R"({"processingState":"COMPLETE","params":{"jobInfo":{"jobId":"j-7"}}})";

  LaunchOutcome outcome = Run(spec);

  ExpectSucceeded(outcome);
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseOrDie(*outcome.output), ParseOrDie(*spec.last_progress));
}

TEST_P(LauncherContractTest, LargePayloadArrivesIntactThroughCompressedSegments) {
  // The handler sends back what it found: the type, the segments and (where Python is there to
  // inflate zlib in a shell) the payload it reassembled.
  Start({Script("work", R"sh(
i=0; all=""; segments=""
while :; do
  eval "segment=\${POP_COMPRESSED_PAYLOAD_$i-}"
  [ -n "$segment" ] || break
  all="$all$segment"
  segments="$segments${segments:+,}\"$segment\""
  i=$((i+1))
done
decoded=null
if [ -x /usr/bin/python3 ]; then
  decoded=$(printf '%s' "$all" | base64 -d | /usr/bin/python3 -c 'import sys, zlib; sys.stdout.write(zlib.decompress(sys.stdin.buffer.read()).decode())')
fi
has_plain=false; [ -n "${PAYLOAD+set}" ] && has_plain=true
printf '{"processingState":"COMPLETE","processingStateMessage":"succeeded","result":{"type":"%s","hasPlain":%s,"segments":[%s],"decoded":%s}}\n' \
  "$POP_PAYLOAD_TYPE" "$has_plain" "$segments" "$decoded" >> "$POP_REPORT"
)sh")});
  LaunchSpec spec = Spec("work");
  spec.payload = RandomPayload(300'000, 7);

  LaunchOutcome outcome = Run(spec);

  ExpectSucceeded(outcome);
  ASSERT_TRUE(outcome.output.has_value());
  Json result = ParseOrDie(*outcome.output);
  ASSERT_TRUE(result.is_object()) << outcome.output->substr(0, 200);
  EXPECT_EQ(*result.Find("type"), Json("compressedEnvVar"));
  EXPECT_EQ(*result.Find("hasPlain"), Json(false));
  const JsonArray& segments = result.Find("segments")->AsArray();
  ASSERT_GE(segments.size(), 2u);
  std::string all;
  for (size_t index = 0; index < segments.size(); ++index) {
    const std::string& segment = segments[index].AsString();
    if (index + 1 < segments.size()) {
      EXPECT_EQ(segment.size(), 100'000u) << "segment " << index;
    } else {
      EXPECT_LE(segment.size(), 100'000u);
    }
    all += segment;
  }
  Result<std::string> decoded = local_process::DecodeCompressedPayload(all);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, spec.payload);
  if (!result.Find("decoded")->is_null()) {
    EXPECT_EQ(*result.Find("decoded"), ParseOrDie(spec.payload));
  }
}

TEST_P(LauncherContractTest, PayloadTooLargeForTheEnvironmentIsRefused) {
  Start({Script("work", "report '" + std::string(kSucceeded) + "'\n")});
  LaunchSpec spec = Spec("work");
  spec.payload = RandomPayload(3'000'000, 11);

  Result<std::unique_ptr<LaunchedOperation>> launched = launcher_->Launch(spec);

  ASSERT_FALSE(launched.ok());
  EXPECT_EQ(launched.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(launched.error().message, "payload of operation b is " +
                                          std::to_string(spec.payload.size()) +
                                          " bytes; too large to pass in the environment");
}

TEST_P(LauncherContractTest, CancelStopsTheHandler) {
  Start({Script("work", R"sh(
report '{"processingState":"EXECUTING","percentComplete":10.0}'
sleep 600
)sh")});
  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);
  ASSERT_TRUE(ReportedState(*operation, ProcessingState::kExecuting));

  auto started = Clock::now();
  operation->Cancel(seconds(5));
  operation->Cancel(seconds(5));  // idempotent
  LaunchOutcome outcome = operation->Wait();

  ExpectFailure(outcome, "Handler for operation b was cancelled");
  EXPECT_EQ(outcome.progress->percent_complete, 10.0);
  EXPECT_LT(Clock::now() - started, seconds(4));  // SIGTERM was enough
  operation->Cancel(seconds(5));                  // after the end: nothing happens
  EXPECT_EQ(operation->LatestProgress()->processing_state_message, "failed");
}

TEST_P(LauncherContractTest, CancelEscalatesToKillAfterTheGrace) {
  Start({Script("work", R"sh(
trap '' TERM
report '{"processingState":"EXECUTING"}'
sleep 600
)sh")});
  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);
  ASSERT_TRUE(ReportedState(*operation, ProcessingState::kExecuting));

  operation->Cancel(milliseconds(200));
  LaunchOutcome outcome = operation->Wait();

  ExpectFailure(outcome, "Handler for operation b was cancelled");
}

TEST_P(LauncherContractTest, CancelUsesTheHandlersGraceWhenShorterAndKeepsItsOutput) {
  TestHandler handler = Script("work", R"sh(
trap 'echo got TERM' TERM
echo stubborn
report '{"processingState":"EXECUTING"}'
while :; do sleep 0.05; done
)sh");
  handler.cancel_grace = milliseconds(300);
  Start({handler});
  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);
  ASSERT_TRUE(ReportedState(*operation, ProcessingState::kExecuting));

  auto started = Clock::now();
  operation->Cancel(seconds(60));  // the executor's grace; the handler's 300 ms wins
  LaunchOutcome outcome = operation->Wait();

  ExpectFailure(outcome, "Handler for operation b was cancelled");
  EXPECT_LT(Clock::now() - started, seconds(20));  // SIGKILL came long before 60 s
  const std::string log = operation->TakeNewLog();
  EXPECT_THAT(log, HasSubstr("stubborn\n"));
  EXPECT_THAT(log, HasSubstr("got TERM\n"));  // what it printed after SIGTERM is kept
}

TEST_P(LauncherContractTest, CancelAfterCompleteKeepsTheReportedOutcome) {
  Start({Script("work", R"sh(
report '{"processingState":"COMPLETE","processingStateMessage":"succeeded","result":1}'
sleep 600
)sh")});
  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);
  ASSERT_TRUE(ReportedState(*operation, ProcessingState::kComplete));

  operation->Cancel(milliseconds(200));
  LaunchOutcome outcome = operation->Wait();

  ExpectSucceeded(outcome);
  EXPECT_EQ(outcome.output, "1");
}

TEST_P(LauncherContractTest, UnknownTypeIsNotFound) {
  Start({Script("work", "report '" + std::string(kSucceeded) + "'\n")});

  EXPECT_TRUE(launcher_->Handles("work"));
  EXPECT_FALSE(launcher_->Handles("other"));
  Result<std::unique_ptr<LaunchedOperation>> launched = launcher_->Launch(Spec("other", "op-x"));

  ASSERT_FALSE(launched.ok());
  EXPECT_EQ(launched.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(launched.error().message, "Unknown operation type found: other on operation: op-x");
}

TEST_P(LauncherContractTest, MissingCommandFailsToStart) {
  TestHandler handler;
  handler.type = "missing";
  handler.command = "/nonexistent/pop-handler";
  Start({handler});

  LaunchOutcome outcome = Run(Spec("missing"));

  ExpectFailure(outcome,
                "Handler for operation b could not be started: /nonexistent/pop-handler: No such "
                "file or directory");
}

TEST_P(LauncherContractTest, CommandThatIsNotExecutableFailsToStart) {
  std::string path = PathOf("not-executable");
  std::ofstream(path) << "#!/bin/sh\nexit 0\n";
  TestHandler handler;
  handler.type = "plain";
  handler.command = path;
  Start({handler});

  LaunchOutcome outcome = Run(Spec("plain"));

  ExpectFailure(outcome,
                "Handler for operation b could not be started: " + path + ": Permission denied");
}

TEST_P(LauncherContractTest, InvalidReportLinesAreSkippedWithANote) {
  Start({Script("work", R"sh(
report 'not json'
report '[1,2]'
report '{"processingState":"BOGUS"}'
report '{"processingState":"COMPLETE","processingStateMessage":"succeeded"}'
)sh")});

  std::string log;
  LaunchOutcome outcome = Run(Spec("work"), &log);

  ExpectSucceeded(outcome);
  EXPECT_THAT(log, AllOf(HasSubstr("report line 1 ignored"), HasSubstr("report line 2 ignored"),
                         HasSubstr("report line 3 ignored")));
}

TEST_P(LauncherContractTest, LatestProgressSeesIntermediateProgressBeforeTheEnd) {
  TestHandler handler = Script("work", R"sh(
report '{"processingState":"EXECUTING","processingStateMessage":"halfway","percentComplete":40.0}'
while [ ! -e "$GO" ]; do sleep 0.01; done
report '{"processingState":"COMPLETE","processingStateMessage":"succeeded","result":"done"}'
)sh");
  handler.env = {{"GO", PathOf("go")}};
  Start({handler});
  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);

  ASSERT_TRUE(ReportedState(*operation, ProcessingState::kExecuting));
  std::optional<OperationProgress> progress = operation->LatestProgress();
  Touch("go");
  LaunchOutcome outcome = operation->Wait();

  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->operation, "b");
  EXPECT_EQ(progress->processing_state_message, "halfway");
  EXPECT_EQ(progress->percent_complete, 40.0);
  ExpectSucceeded(outcome);
  EXPECT_EQ(operation->LatestProgress()->processing_state_message, "succeeded");
}

TEST_P(LauncherContractTest, ManyShortHandlersInParallelAreAllReaped) {
  Start({Script("work", R"sh(
report "{\"processingState\":\"COMPLETE\",\"processingStateMessage\":\"succeeded\",\"result\":\"$OPERATION_NAME\"}"
)sh")});
  constexpr int kHandlers = 200;
  std::vector<std::unique_ptr<LaunchedOperation>> operations;
  for (int index = 0; index < kHandlers; ++index) {
    operations.push_back(Launch(Spec("work", "op-" + std::to_string(index))));
    ASSERT_NE(operations.back(), nullptr);
  }

  for (int index = 0; index < kHandlers; ++index) {
    LaunchOutcome outcome = operations[index]->Wait();
    ExpectSucceeded(outcome);
    EXPECT_EQ(outcome.output, "\"op-" + std::to_string(index) + "\"");
  }
  ExpectNoChildren();
}

TEST_P(LauncherContractTest, DestroyingTheLauncherStopsAndReapsRunningHandlers) {
  Start({Script("work", R"sh(
report '{"processingState":"EXECUTING"}'
sleep 600 &
sleep 600
)sh")});
  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);
  ASSERT_TRUE(ReportedState(*operation, ProcessingState::kExecuting));

  auto started = Clock::now();
  launcher_.reset();

  EXPECT_LT(Clock::now() - started, seconds(4));
  ExpectFailure(operation->Wait(), "Handler for operation b was cancelled");
  ExpectNoChildren();
  operation->Cancel(milliseconds(1));  // the launcher is gone: nothing happens
}

TEST_P(LauncherContractTest, DroppingAHandleStopsItsHandler) {
  Start({Script("work", R"sh(
report '{"processingState":"EXECUTING"}'
sleep 600
)sh")});
  std::unique_ptr<LaunchedOperation> operation = Launch(Spec("work"));
  ASSERT_NE(operation, nullptr);
  ASSERT_TRUE(ReportedState(*operation, ProcessingState::kExecuting));

  operation.reset();
  launcher_.reset();  // would wait for the shutdown grace if the handler still ran

  ExpectNoChildren();
}

TEST_P(LauncherContractTest, DocumentedEchoHandlerReturnsItsPayload) {
  TestHandler handler;
  handler.type = "echo";
  handler.command = std::string(POP_TEST_DATA_DIR) + "/../../examples/handlers/echo.sh";
  Start({handler});
  LaunchSpec spec = Spec("echo");
  spec.payload = R"({"greeting":"hello","n":[1,2,3]})";

  std::string log;
  LaunchOutcome outcome = Run(spec, &log);

  ExpectSucceeded(outcome);
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseOrDie(*outcome.output), ParseOrDie(spec.payload));
  EXPECT_THAT(log, HasSubstr("echo: operation b of agenda agenda-1\n"));
}

INSTANTIATE_TEST_SUITE_P(AllLaunchers, LauncherContractTest,
                         ::testing::ValuesIn(AllLauncherFactories()),
                         [](const ::testing::TestParamInfo<LauncherFactory>& param_info) {
                           return param_info.param.name;
                         });

// The registry file of the process launcher (docs/handlers.md, "Registering a type").
TEST(ProcessLauncherRegistryTest, ParsesEveryField) {
  Result<std::map<std::string, HandlerCommand>> registry = ParseHandlerRegistry(R"({
    "echo": {"command": "examples/handlers/echo.sh"},
    "sample": {"command": "/opt/handlers/sample", "args": ["--verbose", "-x"],
               "env": {"LOG_LEVEL": "debug"}, "timeoutSeconds": 1.5, "cancelGraceSeconds": 0,
               "exitZeroIsSuccess": true, "allowPayloadCommands": true, "keepWorkDir": true,
               "limits": {"cpuSeconds": 60, "memoryBytes": 1073741824, "openFiles": null,
                          "processes": 100}}
  })");

  ASSERT_TRUE(registry.ok()) << registry.error().message;
  ASSERT_EQ(registry->size(), 2u);
  const HandlerCommand& echo = registry->at("echo");
  EXPECT_EQ(echo.command, "examples/handlers/echo.sh");
  EXPECT_THAT(echo.args, IsEmpty());
  EXPECT_EQ(echo.timeout, seconds(3600));
  EXPECT_EQ(echo.cancel_grace, seconds(10));
  EXPECT_FALSE(echo.exit_zero_is_success);
  const HandlerCommand& sample = registry->at("sample");
  EXPECT_EQ(sample.command, "/opt/handlers/sample");
  EXPECT_THAT(sample.args, ElementsAre("--verbose", "-x"));
  EXPECT_EQ(sample.env.at("LOG_LEVEL"), "debug");
  EXPECT_EQ(sample.timeout, milliseconds(1500));
  EXPECT_EQ(sample.cancel_grace, milliseconds(0));
  EXPECT_TRUE(sample.exit_zero_is_success);
  EXPECT_TRUE(sample.allow_payload_commands);
  EXPECT_TRUE(sample.keep_work_dir);
  EXPECT_EQ(sample.limits.cpu_seconds, std::optional<uint64_t>(60));
  EXPECT_EQ(sample.limits.memory_bytes, std::optional<uint64_t>(1073741824));
  EXPECT_EQ(sample.limits.open_files, std::nullopt);
  EXPECT_EQ(sample.limits.processes, std::optional<uint64_t>(100));
}

TEST(ProcessLauncherRegistryTest, DefaultsRunNoPayloadCommandsRemoveTheWorkDirAndLimitOpenFiles) {
  Result<std::map<std::string, HandlerCommand>> registry =
      ParseHandlerRegistry(R"({"sample": {"command": "/opt/handlers/sample"}})");

  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const HandlerCommand& sample = registry->at("sample");
  EXPECT_FALSE(sample.allow_payload_commands);
  EXPECT_FALSE(sample.keep_work_dir);
  EXPECT_EQ(sample.limits.open_files, std::optional<uint64_t>(1024));
  EXPECT_EQ(sample.limits.cpu_seconds, std::nullopt);
  EXPECT_EQ(sample.limits.memory_bytes, std::nullopt);
  EXPECT_EQ(sample.limits.processes, std::nullopt);
}

TEST(ProcessLauncherRegistryTest, ErrorsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([1])",
       "Invalid handler registry: expected an object of operation type to handler, got "
       "an array"},
      {R"({"a": {"command": "/x",)", "Invalid handler registry: "},
      {R"({"a": 3})",
       "Invalid value for field 'a': expected an object with a \"command\", got "
       "a number"},
      {R"({"a": {"args": []}})", "Missing field 'a.command'"},
      {R"({"a": {"command": ""}})",
       "Invalid value for field 'a.command': expected the path of a program"},
      {R"({"a": {"command": 5}})",
       "Invalid value for field 'a.command': expected a string, got a number"},
      {R"({"a": {"command": "/x", "comand": "/y"}})", "Unknown field 'a.comand'"},
      {R"({"a": {"command": "/x", "args": ["ok", 2]}})",
       "Invalid value for field 'a.args[1]': expected a string, got a number"},
      {R"({"a": {"command": "/x", "env": {"K": 1}}})",
       "Invalid value for field 'a.env.K': expected a string, got a number"},
      {R"({"a": {"command": "/x", "env": {"PAYLOAD": "x"}}})",
       "Invalid value for field 'a.env.PAYLOAD': PAYLOAD is set by the launcher"},
      {R"({"a": {"command": "/x", "timeoutSeconds": 0}})",
       "Invalid value for field 'a.timeoutSeconds': expected a positive number of seconds"},
      {R"({"a": {"command": "/x", "timeoutSeconds": "10"}})",
       "Invalid value for field 'a.timeoutSeconds': expected a positive number of seconds, got a "
       "string"},
      {R"({"a": {"command": "/x", "cancelGraceSeconds": -1}})",
       "Invalid value for field 'a.cancelGraceSeconds': expected a number of seconds >= 0"},
      {R"({"a": {"command": "/x", "exitZeroIsSuccess": 1}})",
       "Invalid value for field 'a.exitZeroIsSuccess': expected true or false, got a number"},
      {R"({"a": {"command": "/x", "allowPayloadCommands": "yes"}})",
       "Invalid value for field 'a.allowPayloadCommands': expected true or false, got a string"},
      {R"({"a": {"command": "/x", "keepWorkDir": 0}})",
       "Invalid value for field 'a.keepWorkDir': expected true or false, got a number"},
      {R"({"a": {"command": "/x", "env": {"POP_ALLOW_PAYLOAD_COMMANDS": "1"}}})",
       "Invalid value for field 'a.env.POP_ALLOW_PAYLOAD_COMMANDS': POP_ALLOW_PAYLOAD_COMMANDS is "
       "set by the launcher"},
      {R"({"a": {"command": "/x", "env": {"HOME": "/root"}}})",
       "Invalid value for field 'a.env.HOME': HOME is set by the launcher"},
      {R"({"a": {"command": "/x", "limits": 5}})",
       "Invalid value for field 'a.limits': expected an object, got a number"},
      {R"({"a": {"command": "/x", "limits": {"cpuSecs": 5}}})", "Unknown field 'a.limits.cpuSecs'"},
      {R"({"a": {"command": "/x", "limits": {"cpuSeconds": 0}}})",
       "Invalid value for field 'a.limits.cpuSeconds': expected a positive integer or null"},
      {R"({"a": {"command": "/x", "limits": {"cpuSeconds": 1.5}}})",
       "Invalid value for field 'a.limits.cpuSeconds': expected a positive integer or null, got "
       "a number"},
      {R"({"a": {"command": "/x", "limits": {"memoryBytes": -1}}})",
       "Invalid value for field 'a.limits.memoryBytes': expected a positive integer or null"},
      {R"({"a": {"command": "/x", "limits": {"openFiles": "many"}}})",
       "Invalid value for field 'a.limits.openFiles': expected a positive integer or null, got a "
       "string"},
      {R"({"a": {"command": "/x", "limits": {"processes": 9223372036854775807}}})",
       "Invalid value for field 'a.limits.processes': expected a positive integer or null"},
  };
  for (const auto& [text, message] : cases) {
    Result<std::map<std::string, HandlerCommand>> registry = ParseHandlerRegistry(text);
    ASSERT_FALSE(registry.ok()) << text;
    EXPECT_EQ(registry.error().code, ErrorCode::kInvalidArgument) << text;
    EXPECT_THAT(registry.error().message, StartsWith(message)) << text;
  }
}

HandlerCommand Command(std::string program) {
  HandlerCommand command;
  command.command = std::move(program);
  return command;
}

TEST(ProcessLauncherRegistryTest, ReplaceTypesAppliesAValidRegistryAndKeepsTheOldOneOnAnError) {
  ScratchDir dir;
  ProcessLauncherOptions options;
  options.work_dir_root = dir.path() + "/work";
  options.types["old"] = Command("/bin/true");
  Result<std::unique_ptr<ProcessLauncher>> created = ProcessLauncher::Create(std::move(options));
  ASSERT_TRUE(created.ok()) << created.error().message;
  ProcessLauncher& launcher = **created;

  std::map<std::string, HandlerCommand> bad;
  bad["new"] = Command("");
  Status refused = launcher.ReplaceTypes(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            "Invalid value for field 'new.command': expected the path of a program");
  EXPECT_TRUE(launcher.Handles("old"));
  EXPECT_FALSE(launcher.Handles("new"));

  std::map<std::string, HandlerCommand> good;
  good["new"] = Command("/bin/true");
  good["other"] = Command("/bin/true");
  ASSERT_TRUE(launcher.ReplaceTypes(good).ok());
  EXPECT_FALSE(launcher.Handles("old"));
  EXPECT_TRUE(launcher.Handles("new"));
  EXPECT_EQ(launcher.Types(), (std::vector<std::string>{"new", "other"}));
}

}  // namespace
}  // namespace pop::testing
