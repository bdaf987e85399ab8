// `pop handler sample` (spec §16.1) run as the launcher runs it: a child process with the payload
// and identity in its environment, reporting on the file named by POP_REPORT.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "core/base/base64.h"
#include "core/codec/json_text.h"
#include "e2e/server_process_support.h"

namespace pop::testing {
namespace {

struct SampleRun {
  int exit_code = -1;
  std::vector<std::string> stdout_lines;  // stdout and stderr
  std::vector<Json> reports;              // the report channel, one JSON object per line
};

std::vector<std::string> Lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// Runs `pop handler sample <args>` with the launcher's variables (those in `variables` win)
// and waits for it to end.
SampleRun RunSample(const TempDir& dir, const std::map<std::string, std::string>& variables,
                    std::vector<std::string> args = {}) {
  const std::string report = (dir.path() / "report").string();
  const std::string output = (dir.path() / "stdout").string();
  std::map<std::string, std::string> env{
      {"PATH", "/usr/bin:/bin"},    {"POP_PAYLOAD_TYPE", "envVar"},
      {"POP_REPORT", report},       {"CID", "cid-1"},
      {"OPERATION_NAME", "b"},      {"OPERATION_ID", "op-1"},
      {"OPERATION_TYPE", "sample"}, {"AGENDA_ID", "agenda-1"},
      {"CUSTOMER_ID", "acme"}};
  for (const auto& [name, value] : variables) {
    env[name] = value;
  }
  std::vector<std::string> env_entries;
  env_entries.reserve(env.size());
  for (const auto& [name, value] : env) {
    env_entries.push_back(name);
    env_entries.back().append("=").append(value);
  }
  std::vector<std::string> argv_strings{std::string(POP_BINARY_DIR) + "/pop", "handler", "sample"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env_entries.size() + 1);
  for (std::string& entry : env_entries) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  SampleRun run;
  EXPECT_EQ(rc, 0) << "cannot run " << argv_strings[0];
  if (rc != 0) return run;
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.stdout_lines = Lines(output);
  for (const std::string& line : Lines(report)) {
    Result<Json> json = ParseJson(line);
    EXPECT_TRUE(json.ok()) << line;
    if (json.ok()) run.reports.push_back(*json);
  }
  return run;
}

std::string Field(const Json& report, const char* name) {
  const Json* value = report.Find(name);
  return value == nullptr     ? "<absent>"
         : value->is_string() ? value->AsString()
                              : ToJsonText(*value);
}

// The contract every run keeps: exit 0, HandlerComplete last, exactly one COMPLETE report, last.
void ExpectHandlerContract(const SampleRun& run) {
  EXPECT_EQ(run.exit_code, 0);
  ASSERT_FALSE(run.stdout_lines.empty());
  EXPECT_EQ(run.stdout_lines.back(), "HandlerComplete");
  ASSERT_FALSE(run.reports.empty());
  int complete = 0;
  for (const Json& report : run.reports) complete += Field(report, "processingState") == "COMPLETE";
  EXPECT_EQ(complete, 1);
  EXPECT_EQ(Field(run.reports.back(), "processingState"), "COMPLETE");
}

bool HasLine(const SampleRun& run, const std::string& line) {
  return std::find(run.stdout_lines.begin(), run.stdout_lines.end(), line) !=
         run.stdout_lines.end();
}

// The diagnostic of a failed run's COMPLETE report.
const Json& OnlyDiagnostic(const SampleRun& run) {
  static const Json kNone;
  const Json* events = run.reports.back().Find("diagnosticEvents");
  EXPECT_TRUE(events != nullptr && events->is_array() && events->AsArray().size() == 1);
  return events != nullptr && events->is_array() && !events->AsArray().empty()
             ? events->AsArray()[0]
             : kNone;
}

// A zlib stream (RFC 1950) of stored deflate blocks: an encoder independent of the handler's.
std::string ZlibStored(const std::string& data) {
  std::string out = "\x78\x01";
  size_t pos = 0;
  do {
    const size_t n = std::min<size_t>(65535, data.size() - pos);
    out.push_back(pos + n == data.size() ? '\x01' : '\x00');
    out.push_back(static_cast<char>(n & 0xFF));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(~n & 0xFF));
    out.push_back(static_cast<char>((~n >> 8) & 0xFF));
    out.append(data, pos, n);
    pos += n;
  } while (pos < data.size());
  uint32_t a = 1;
  uint32_t b = 0;
  for (unsigned char byte : data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const uint32_t adler = (b << 16) | a;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(adler >> shift));
  return out;
}

TEST(SampleHandlerTest, SucceedsWithTheResultPayload) {
  TempDir dir;

  SampleRun run = RunSample(dir, {{"PAYLOAD", R"({"resultPayload":{"v":"x"}})"}});

  ExpectHandlerContract(run);
  ASSERT_EQ(run.reports.size(), 1U);
  EXPECT_EQ(Field(run.reports[0], "processingStateMessage"), "succeeded");
  EXPECT_EQ(Field(run.reports[0], "percentComplete"), "100.0");
  EXPECT_EQ(Field(run.reports[0], "result"), R"({"v":"x"})");
  ASSERT_GE(run.stdout_lines.size(), 2U);
  EXPECT_EQ(run.stdout_lines[run.stdout_lines.size() - 2].rfind(
                "cid=cid-1 operationId=op-1 owner=acme conclusionStatus=succeeded elapsedTime=", 0),
            0U)
      << run.stdout_lines[run.stdout_lines.size() - 2];
}

TEST(SampleHandlerTest, LogActionLogsTheMessageAndSucceedsWithAnEmptyResult) {
  TempDir dir;

  SampleRun run = RunSample(
      dir, {{"PAYLOAD", R"({"actions":[{"action":"log","paramsMap":{"logMessage":"x"}}]})"}});

  ExpectHandlerContract(run);
  EXPECT_TRUE(HasLine(run, "x"));
  EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "succeeded");
  EXPECT_EQ(Field(run.reports.back(), "result"), "{}");
}

TEST(SampleHandlerTest, ExceptionActionFailsWithTheUnknownErrorDiagnostic) {
  TempDir dir;

  SampleRun run = RunSample(
      dir,
      {{"PAYLOAD",
        R"({"actions":[{"action":"exception","paramsMap":{"exceptionMessage":"planned failure"}},)"
        R"({"action":"log","paramsMap":{"logMessage":"never"}}],"resultPayload":{}})"}});

  ExpectHandlerContract(run);
  EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "failed");
  EXPECT_EQ(Field(OnlyDiagnostic(run), "message"),
            "An unknown error has occurred with operation: b");
  EXPECT_EQ(Field(OnlyDiagnostic(run), "stackTrace"), "planned failure");
  EXPECT_FALSE(HasLine(run, "never"));
}

TEST(SampleHandlerTest, SleepReportsExecutingEverySecondWithAFixedJobId) {
  TempDir dir;

  SampleRun run = RunSample(
      dir, {{"PAYLOAD", R"({"actions":[{"action":"log","paramsMap":{"sleepMilliseconds":2000,)"
                        R"("logMessage":"slept"}}],"resultPayload":{"done":true}})"}});

  ExpectHandlerContract(run);
  ASSERT_EQ(run.reports.size(), 3U);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const std::string job_id = Field(*run.reports[0].Find("params"), "JobId");
  EXPECT_TRUE(std::regex_match(job_id, uuid)) << job_id;
  EXPECT_EQ(Field(run.reports[0], "processingState"), "EXECUTING");
  EXPECT_EQ(Field(run.reports[0], "percentComplete"), "0.0");
  EXPECT_EQ(Field(run.reports[1], "processingState"), "EXECUTING");
  EXPECT_EQ(Field(run.reports[1], "percentComplete"), "50.0");
  EXPECT_EQ(Field(*run.reports[1].Find("params"), "JobId"), job_id);
  EXPECT_EQ(Field(run.reports[2], "result"), R"({"done":true})");
  EXPECT_TRUE(HasLine(run, "slept"));
}

TEST(SampleHandlerTest, SleepShorterThanASecondSleepsOnlyThatLong) {
  TempDir dir;

  SampleRun run = RunSample(
      dir,
      {{"PAYLOAD", R"({"actions":[{"action":"log","paramsMap":{"sleepMilliseconds":200}}]})"}});

  ExpectHandlerContract(run);
  ASSERT_EQ(run.reports.size(), 2U);
  EXPECT_EQ(Field(run.reports[0], "percentComplete"), "0.0");
  // The handler measures its own elapsed time in the conclusion line.
  const std::string& conclusion = run.stdout_lines[run.stdout_lines.size() - 2];
  std::smatch match;
  ASSERT_TRUE(std::regex_search(conclusion, match, std::regex("elapsedTime=([0-9]+) ")))
      << conclusion;
  const int elapsed = std::stoi(match[1]);
  EXPECT_GE(elapsed, 200);
  EXPECT_LT(elapsed, 1000);
}

TEST(SampleHandlerTest, UnknownActionFails) {
  TempDir dir;

  SampleRun run = RunSample(dir, {{"PAYLOAD", R"({"actions":[{"action":"dance"}]})"}});

  ExpectHandlerContract(run);
  EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "failed");
  EXPECT_EQ(Field(OnlyDiagnostic(run), "message"), "Invalid action specified: dance");
}

TEST(SampleHandlerTest, ExternalExecuteRunsALocalCommandSharingStdout) {
  TempDir dir;

  SampleRun run =
      RunSample(dir, {{"PAYLOAD", R"({"actions":[{"action":"externalExecute",)"
                                  R"("paramsMap":{"externalArgs":["/bin/echo","hi"]}}]})"},
                      {"POP_ALLOW_PAYLOAD_COMMANDS", "1"}});

  ExpectHandlerContract(run);
  EXPECT_TRUE(HasLine(run, "hi"));
  EXPECT_TRUE(HasLine(run, "externalExecute: /bin/echo exited with status 0"));
  EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "succeeded");
}

TEST(SampleHandlerTest, ExternalExecuteFailuresAreLoggedAndIgnored) {
  TempDir dir;

  SampleRun run = RunSample(
      dir, {{"PAYLOAD", R"({"actions":[{"action":"externalExecute",)"
                        R"("paramsMap":{"externalArgs":["/nonexistent/program"]}},)"
                        R"({"action":"externalExecute","paramsMap":{"externalArgs":["false"]}}]})"},
            {"POP_ALLOW_PAYLOAD_COMMANDS", "1"}});

  ExpectHandlerContract(run);
  EXPECT_TRUE(HasLine(
      run, "externalExecute: cannot run /nonexistent/program: No such file or directory; ignored"));
  EXPECT_TRUE(HasLine(run, "externalExecute: false exited with status 1; ignored"));
  EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "succeeded");
}

TEST(SampleHandlerTest, ExternalExecuteIsRefusedBeforeAnyActionUnlessTheOperatorEnabledIt) {
  for (const char* allowed : {"", "0", "true"}) {
    TempDir dir;
    const std::string marker = (dir.path() / "marker").string();
    std::map<std::string, std::string> variables{
        {"PAYLOAD", R"({"actions":[{"action":"log","paramsMap":{"logMessage":"first action"}},)"
                    R"({"action":"externalExecute","paramsMap":{"externalArgs":["touch",")" +
                        marker + R"("]}}]})"}};
    if (*allowed != '\0') variables["POP_ALLOW_PAYLOAD_COMMANDS"] = allowed;

    SampleRun run = RunSample(dir, variables);

    ExpectHandlerContract(run);
    EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "failed") << allowed;
    EXPECT_EQ(Field(OnlyDiagnostic(run), "message"),
              "externalExecute is disabled for operation type 'sample'; an operator enables it "
              "with allowPayloadCommands in the handler registry");
    EXPECT_FALSE(HasLine(run, "first action")) << allowed;
    EXPECT_FALSE(std::filesystem::exists(marker)) << allowed;
  }
}

TEST(SampleHandlerTest, ReadsACompressedPayloadFromSegments) {
  TempDir dir;
  const std::string blob(120'000, 'z');
  const std::string payload = R"({"resultPayload":{"blob":")" + blob + R"("}})";
  const std::string base64 = Base64Encode(ZlibStored(payload));
  std::map<std::string, std::string> vars{{"POP_PAYLOAD_TYPE", "compressedEnvVar"}};
  for (size_t i = 0; i * 100'000 < base64.size(); ++i) {
    vars["POP_COMPRESSED_PAYLOAD_" + std::to_string(i)] = base64.substr(i * 100'000, 100'000);
  }
  ASSERT_EQ(vars.size(), 3U);  // the type and two segments

  SampleRun run = RunSample(dir, vars);

  ExpectHandlerContract(run);
  EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "succeeded");
  EXPECT_EQ(Field(run.reports.back(), "result"), R"({"blob":")" + blob + R"("})");
}

TEST(SampleHandlerTest, PayloadFileArgumentWinsOverTheEnvironment) {
  TempDir dir;
  std::ofstream(dir.path() / "payload.json") << R"({"resultPayload":{"from":"file"}})";

  SampleRun run = RunSample(dir, {{"PAYLOAD", R"({"resultPayload":{"from":"env"}})"}},
                            {"-payloadFile", (dir.path() / "payload.json").string()});

  ExpectHandlerContract(run);
  EXPECT_EQ(Field(run.reports.back(), "result"), R"({"from":"file"})");
}

TEST(SampleHandlerTest, PayloadOfTheWrongShapeFailsTranslation) {
  TempDir dir;

  SampleRun run = RunSample(dir, {{"PAYLOAD", R"({"actions":"log"})"}});

  ExpectHandlerContract(run);
  EXPECT_EQ(Field(run.reports.back(), "processingStateMessage"), "failed");
  EXPECT_EQ(Field(OnlyDiagnostic(run), "message"), "Failed to translate payload to SampleInput.");
  EXPECT_EQ(Field(OnlyDiagnostic(run), "stackTrace"), "'actions' must be an array");
}

TEST(SampleHandlerTest, LogsTheJobInfoOfThePriorAttempt) {
  TempDir dir;

  SampleRun run = RunSample(
      dir, {{"PAYLOAD", "{}"},
            {"LAST_PROGRESS", R"({"processingState":"COMPLETE","processingStateMessage":"failed",)"
                              R"("params":{"jobInfo":{"jobId":"job-7"}}})"}});

  ExpectHandlerContract(run);
  EXPECT_TRUE(HasLine(run, R"(Prior jobInfo: {"jobId":"job-7"})"));
}

}  // namespace
}  // namespace pop::testing
