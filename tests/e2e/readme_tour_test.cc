// README.md's tour, run as written: every shell block between `<!-- tour:begin -->` and
// `<!-- tour:end -->` ("A five-minute tour" against `pop dev`, and "Running the server and a
// puller separately", which starts its own `pop server` and `pop puller`), each command in order
// in one bash from the repository root, each checked against its `# → ...` lines. The test moves
// the tour to free ports and temporary data dirs by rewriting only its `export POP_ADDR=...
// POP_DATA_DIR=...` lines (and the port a `pop server --listen` takes), so a tour that reaches a
// server or a data dir any other way fails here; `pop` is the built binary.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <regex>
#include <sstream>

#include "core/base/check.h"
#include "e2e/dev_process_support.h"
#include "e2e/readme_tour_support.h"
#include "e2e/server_process_support.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

std::filesystem::path RepositoryRoot() {
  return std::filesystem::canonical(std::filesystem::path(POP_TEST_DATA_DIR) / ".." / "..");
}

// A port nothing listens on now (the kernel's choice for an ephemeral bind).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  POP_CHECK(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  POP_CHECK(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t size = sizeof(address);
  POP_CHECK(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

struct Placement {
  int dev_port = 0;                    // the first export's POP_ADDR: the server already running
  std::filesystem::path dev_data_dir;  // ... and its data dir
  std::filesystem::path scratch;       // later exports' data dirs go under it
  std::filesystem::path binary_dir;    // replaces $PWD/build/bin in the PATH export
  std::function<int()> next_port;      // ports for the servers the tour starts itself
};

// Points the tour's exports at `placement`. Returns what is wrong with the tour, or "".
std::string PlaceTour(std::vector<TourStep>& steps, const Placement& placement) {
  static const std::regex kExport(R"(^export .*POP_ADDR=http://127\.0\.0\.1:([0-9]+))");
  static const std::regex kDataDir(R"(POP_DATA_DIR=([^ ;&|]+))");
  std::map<std::string, int> ports;  // the tour's port -> the port here
  const TourStep* dev_export = nullptr;
  std::string dev_port;
  bool path_set = false;
  for (TourStep& step : steps) {
    if (step.command.rfind("export PATH=\"$PWD/build/bin:", 0) == 0) {
      ReplaceAll(step.command, "$PWD/build/bin", placement.binary_dir.string());
      path_set = true;
    }
    std::smatch addr;
    if (!std::regex_search(step.command, addr, kExport)) continue;
    const std::string tour_port = addr[1];
    std::smatch dir;
    if (!std::regex_search(step.command, dir, kDataDir)) {
      return "line " + std::to_string(step.line) + ": export POP_ADDR without POP_DATA_DIR";
    }
    const std::string tour_dir = dir[1];
    const auto dir_at = static_cast<size_t>(dir.position(1));
    const bool dev = dev_export == nullptr;
    if (dev) {
      dev_export = &step;
      dev_port = tour_port;
    }
    ports.emplace(tour_port, dev ? placement.dev_port : placement.next_port());
    const std::filesystem::path here = dev ? placement.dev_data_dir : placement.scratch / tour_dir;
    step.command.replace(dir_at, tour_dir.size(), here.string());
    for (const TourStep& other : steps) {
      if (&other != &step && other.command.find(tour_dir) != std::string::npos) {
        return "line " + std::to_string(other.line) + " names " + tour_dir +
               "; the tour reaches its data dir as $POP_DATA_DIR only";
      }
    }
  }
  if (dev_export == nullptr) {
    return "no `export POP_ADDR=http://127.0.0.1:PORT POP_DATA_DIR=DIR` line";
  }
  if (!path_set) return "no `export PATH=\"$PWD/build/bin:$PATH\"` line";
  for (const TourStep& step : steps) {
    if (&step != dev_export && step.command.find("127.0.0.1:" + dev_port) != std::string::npos) {
      return "line " + std::to_string(step.line) + " names 127.0.0.1:" + dev_port +
             "; the tour reaches pop dev as $POP_ADDR only";
    }
  }
  for (TourStep& step : steps) {
    for (const auto& [tour_port, port] : ports) {
      ReplaceAll(step.command, "127.0.0.1:" + tour_port, "127.0.0.1:" + std::to_string(port));
    }
  }
  return "";
}

// Everything but the servers: a client reads POP_* from the tour only.
std::map<std::string, std::optional<std::string>> TourEnvironment() {
  std::map<std::string, std::optional<std::string>> env;
  for (const char* name :
       {"POP_ADDR", "POP_TOKEN", "POP_DATA_DIR", "POP_CUSTOMER", "POP_BASE_PATH", "POP_CA_FILE"}) {
    env[name] = std::nullopt;
  }
  const char* path = std::getenv("PATH");
  env["PATH"] = std::string(POP_BINARY_DIR) + ":" + (path != nullptr ? path : "/usr/bin:/bin");
  return env;
}

std::string Joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& problem : problems) text += problem + "\n\n";
  return text;
}

TEST(ReadmeTourTest, RunsAsWrittenAndEveryStepPrintsWhatTheReadmeSays) {
  Tour tour = ParseTour(ReadFile(RepositoryRoot() / "README.md"));
  ASSERT_EQ(tour.error, "");
  TempDir dir;
  DevProcess dev(dir.path());
  const std::string url = dev.Start();
  Placement placement;
  placement.dev_port = std::stoi(url.substr(url.rfind(':') + 1));
  placement.dev_data_dir = dev.data_dir();
  placement.scratch = dir.path();
  placement.binary_dir = POP_BINARY_DIR;
  placement.next_port = [] { return FreePort(); };
  ASSERT_EQ(PlaceTour(tour.steps, placement), "");

  TourRun run = RunTour(tour.steps, RepositoryRoot(), TourEnvironment(), std::chrono::seconds(120));

  for (const std::string& problem : Mismatches(tour.steps, run)) ADD_FAILURE() << problem;
  std::cout << "the tour's " << tour.steps.size() << " commands took " << run.took.count()
            << " ms\n";
  EXPECT_EQ(dev.Stop(), 0);
}

// The checks themselves: a step that exits otherwise or prints something else is reported.
TEST(ReadmeTourCheckTest, AWrongExitStatusOrAMissingTextIsReportedWithItsLine) {
  const Tour tour = ParseTour(
      "intro\n<!-- tour:begin -->\n```sh\n"
      "GREETING=hello\n"
      "echo \"$GREETING world\"   # \u2192 hello\u2026world\n"
      "false\n"
      "echo x\n"
      "# \u2192 y\n"
      "```\n<!-- tour:end -->\n");
  ASSERT_EQ(tour.error, "");
  ASSERT_EQ(tour.steps.size(), 4u);

  const TourRun run = RunTour(tour.steps, std::filesystem::current_path(), TourEnvironment(),
                              std::chrono::seconds(20));
  const std::vector<std::string> problems = Mismatches(tour.steps, run);

  ASSERT_EQ(problems.size(), 2u) << Joined(problems);
  EXPECT_NE(problems[0].find("README line 6: false\n  exited 1, expected 0"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("README line 7: echo x\n  does not print: y"), std::string::npos)
      << problems[1];
  EXPECT_EQ(run.steps[1].output, "hello world\n");
}

TEST(ReadmeTourCheckTest, ParsingTakesMarkedShellBlocksJoinsContinuedLinesAndReadsExitLines) {
  const Tour tour = ParseTour(
      "```sh\nnot-in-the-tour\n```\n<!-- tour:begin -->\n```json\n{}\n```\n```sh\n"
      "# prose\n"
      "printf a |\n"
      "  tr a b \\\n"
      "  | cat   # \u2192 b\n"
      "exit-three-times() { return 3; }; exit-three-times\n"
      "# \u2192 exit 3\n"
      "```\n<!-- tour:end -->\n");

  ASSERT_EQ(tour.error, "");
  ASSERT_EQ(tour.steps.size(), 2u);
  EXPECT_EQ(tour.steps[0].line, 10);
  EXPECT_EQ(tour.steps[0].command, "printf a |\n  tr a b \\\n  | cat");
  EXPECT_EQ(tour.steps[0].expected, std::vector<std::string>{"b"});
  EXPECT_EQ(tour.steps[1].exit_code, 3);
  EXPECT_TRUE(tour.steps[1].expected.empty());
  EXPECT_NE(ParseTour("no markers").error, "");
  EXPECT_NE(ParseTour("<!-- tour:begin -->\n```sh\necho\n```\n").error, "");
  EXPECT_NE(
      ParseTour("<!-- tour:begin -->\n```sh\necho \\\n# \u2192 x\n```\n<!-- tour:end -->").error,
      "");
}

TEST(ReadmeTourCheckTest, PlacingRefusesATourThatReachesItsServerOrDataDirAnotherWay) {
  const std::string head =
      "<!-- tour:begin -->\n```sh\nexport POP_ADDR=http://127.0.0.1:9090 POP_DATA_DIR=pop-data\n"
      "export PATH=\"$PWD/build/bin:$PATH\"\n";
  Placement placement;
  placement.dev_port = 4242;
  placement.dev_data_dir = "/data/dev";
  placement.scratch = "/scratch";
  placement.binary_dir = "/bin/here";
  placement.next_port = [] { return 4343; };
  std::vector<TourStep> steps;
  auto place = [&](const std::string& body) {
    Tour tour = ParseTour(head + body + "```\n<!-- tour:end -->\n");
    EXPECT_EQ(tour.error, "");
    std::string error = PlaceTour(tour.steps, placement);
    steps = tour.steps;
    return error;
  };

  EXPECT_EQ(place("curl $POP_ADDR/healthz\n"
                  "export POP_ADDR=http://127.0.0.1:9091 POP_DATA_DIR=srv POP_CUSTOMER=acme\n"
                  "pop server --listen 127.0.0.1:9091 --store sqlite:$POP_DATA_DIR/pop.db\n"),
            "");
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(steps[0].command, "export POP_ADDR=http://127.0.0.1:4242 POP_DATA_DIR=/data/dev");
  EXPECT_EQ(steps[1].command, "export PATH=\"/bin/here:$PATH\"");
  EXPECT_EQ(steps[3].command,
            "export POP_ADDR=http://127.0.0.1:4343 POP_DATA_DIR=/scratch/srv POP_CUSTOMER=acme");
  EXPECT_EQ(steps[4].command,
            "pop server --listen 127.0.0.1:4343 --store sqlite:$POP_DATA_DIR/pop.db");
  const std::string by_port = place("curl http://127.0.0.1:9090/healthz\n");
  EXPECT_NE(by_port.find("reaches pop dev as $POP_ADDR only"), std::string::npos) << by_port;
  const std::string by_dir = place("cat pop-data/admin-token\n");
  EXPECT_NE(by_dir.find("as $POP_DATA_DIR only"), std::string::npos) << by_dir;
  Tour without_path = ParseTour(
      "<!-- tour:begin -->\n```sh\nexport POP_ADDR=http://127.0.0.1:1 POP_DATA_DIR=d\n```\n"
      "<!-- tour:end -->\n");
  EXPECT_NE(PlaceTour(without_path.steps, placement).find("export PATH"), std::string::npos);
}

}  // namespace
}  // namespace pop::testing
