// The metrics of the built `pop dev` as operators read them: GET /metrics, after an Agenda ran,
// holds the operation, latency, store, HTTP and queue metrics and passes `promtool check
// metrics` (package prometheus); with --graphite, a real carbon-cache (ctest fixture `carbon`,
// scripts/carbon-test-cache.sh) receives them and whisper-fetch reads them back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kAgenda[] = R"({
  "operations": [
    {"name": "a", "type": "noop", "payload": {}},
    {"name": "bad", "type": "logMessages", "payload": {"logMessages": 5}}
  ]
})";

std::string Shell(const std::string& command, int* exit_code) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pipe != nullptr ? pclose(pipe) : -1;
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Submits kAgenda and waits for its end (the CLI's --wait).
void RunOneAgenda(const TempDir& dir, const DevProcess& dev) {
  const auto file = dir.path() / "agenda.json";
  std::ofstream(file) << kAgenda;
  PopRun run = RunPop({"agenda", "submit", "-q", "--wait", "-f", file.string(), "--server",
                       dev.url(), "--data-dir", dev.data_dir().string()});
  ASSERT_NE(run.exit_code, -1) << run.err;
}

TEST(MetricsTest, PopDevsPrometheusPageHoldsEveryKindOfMetricAndPassesPromtool) {
  TempDir dir;
  DevProcess dev(dir.path(), {"--retry-backoff-seconds", "-1"});  // one attempt: counts are 1
  ASSERT_FALSE(dev.Start().empty());
  RunOneAgenda(dir, dev);
  int code = 0;
  Shell("curl -s -o /dev/null " + dev.url() + "/pop/agenda/nope/why", &code);  // 401: no token
  const std::string page = Shell("curl -s " + dev.url() + "/metrics", &code);
  ASSERT_EQ(code, 0);
  std::ofstream(dir.path() / "metrics.txt") << page;

  EXPECT_THAT(page, HasSubstr("pop_operations_total{type=\"noop\",outcome=\"succeeded\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("pop_operations_total{type=\"logMessages\",outcome=\"failed\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("pop_operation_duration_seconds_count{type=\"noop\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("pop_agenda_duration_seconds_count{outcome=\"failed\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("pop_agenda_submit_to_claim_seconds_count{insight="));
  EXPECT_THAT(page, HasSubstr("pop_agenda_claim_to_complete_seconds_count{insight="));
  EXPECT_THAT(page, HasSubstr("pop_store_commit_seconds_bucket{store=\"sqlite\",le=\"+Inf\"}"));
  EXPECT_THAT(page, HasSubstr("pop_insight_queue_depth{insight="));
  EXPECT_THAT(page, HasSubstr("pop_insight_oldest_wait_seconds{insight="));
  // The route pattern, never the raw path ("nope" is nowhere).
  EXPECT_THAT(page, HasSubstr("pop_http_requests_total{route=\"/pop/agenda/{id}/why\","
                              "method=\"GET\",status=\"401\"} 1\n"));
  EXPECT_EQ(page.find("nope"), std::string::npos);

  const std::string check =
      Shell("promtool check metrics < " + (dir.path() / "metrics.txt").string() + " 2>&1", &code);
  EXPECT_EQ(code, 0) << check;
}

TEST(MetricsTest, MetricsAccessTokenRefusesAnonymousScrapes) {
  TempDir dir;
  DevProcess dev(dir.path(), {"--metrics-access", "token"});
  ASSERT_FALSE(dev.Start().empty());
  int code = 0;
  EXPECT_EQ(Shell("curl -s -o /dev/null -w '%{http_code}' " + dev.url() + "/metrics", &code),
            "401");
  const std::string token = FirstLine(ReadFile(dev.data_dir() / "admin-token"));
  const std::string page =
      Shell("curl -s -H 'Authorization: Bearer " + token + "' " + dev.url() + "/metrics", &code);
  EXPECT_THAT(page, HasSubstr("# TYPE pop_store_commit_seconds histogram\n"));
}

TEST(MetricsTest, BadMetricsFlagsAreRefusedNamingTheFlag) {
  TempDir dir;
  PopRun access =
      RunPop({"dev", "--data-dir", (dir.path() / "a").string(), "--metrics-access", "maybe"});
  EXPECT_NE(access.exit_code, 0);
  EXPECT_THAT(access.err, HasSubstr("--metrics-access"));
  PopRun target =
      RunPop({"dev", "--data-dir", (dir.path() / "b").string(), "--graphite", "nowhere"});
  EXPECT_NE(target.exit_code, 0);
  EXPECT_THAT(target.err, HasSubstr("--graphite"));
  PopRun interval = RunPop({"dev", "--data-dir", (dir.path() / "c").string(), "--graphite",
                            "127.0.0.1:2003", "--graphite-interval-seconds", "0"});
  EXPECT_NE(interval.exit_code, 0);
  EXPECT_THAT(interval.err, HasSubstr("--graphite-interval-seconds"));
}

// The newest non-empty value of a whisper file, or "" (whisper-fetch prints "time value" lines,
// "None" where nothing was written).
std::string NewestValue(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return "";
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int code = 0;
  std::istringstream lines(Shell(
      "/usr/bin/whisper-fetch --from=" + std::to_string(now - 120) + " " + file.string() + " 2>&1",
      &code));
  std::string newest;
  std::string time;
  std::string value;
  while (lines >> time >> value) {
    if (value != "None") newest = value;
  }
  return newest;
}

TEST(MetricsCarbonTest, PopDevPushesItsMetricsToCarbonUnderThePrefix) {
  const char* carbon_dir = std::getenv("POP_TEST_CARBON_DIR");
  ASSERT_NE(carbon_dir, nullptr) << "run through ctest (fixture carbon)";
  const std::string address = FirstLine(ReadFile(std::filesystem::path(carbon_dir) / "address"));
  const std::filesystem::path whisper =
      FirstLine(ReadFile(std::filesystem::path(carbon_dir) / "whisper"));
  ASSERT_FALSE(address.empty());
  TempDir dir;
  // A prefix of its own: the cache is shared by every test of the run.
  const std::string prefix = "e2e" + std::to_string(::getpid());
  DevProcess dev(dir.path(), {"--graphite", address, "--graphite-prefix", prefix,
                              "--graphite-interval-seconds", "1", "--retry-backoff-seconds", "-1"});
  ASSERT_FALSE(dev.Start().empty());
  RunOneAgenda(dir, dev);
  // Carbon writes what it receives a moment later; the push itself is once a second. Polling a
  // separate process is all there is to wait on.
  const std::filesystem::path root = whisper / prefix;
  const auto failed = root / "op" / "logMessages" / "failed.wsp";
  const auto waiting = root / "waiting" / "dev.wsp";
  const auto duration_count = root / "duration" / "count.wsp";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((NewestValue(failed).empty() || NewestValue(duration_count).empty()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(NewestValue(failed), "1.000000");
  EXPECT_EQ(NewestValue(duration_count), "1.000000");
  EXPECT_TRUE(std::filesystem::exists(root / "store" / "sqlite" / "commit" / "count.wsp"));
  EXPECT_TRUE(std::filesystem::is_directory(root / "http")) << "http metrics by route";
  EXPECT_EQ(NewestValue(waiting), "0.000000");  // spec §12.5's name: waiting.<insight title>
  EXPECT_EQ(dev.Stop(), 0);
}

}  // namespace
}  // namespace pop::testing
