// docs/handlers.md "Your first handler" as a user follows it: the shell, Python and C++ (SDK)
// handlers of examples/handlers registered with `pop dev --registry FILE`, listed at start and by
// `pop handler list`; a type missing from the registry refused at submit; the registry edited
// while pop dev runs and the new type run without a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kExamples =
    std::filesystem::path(POP_TEST_DATA_DIR).parent_path().parent_path() / "examples" / "handlers";

std::string Registry(bool with_cpp) {
  std::string text = "{\n  \"greet-sh\": {\"command\": \"" + (kExamples / "greet.sh").string() +
                     "\"},\n  \"greet-py\": {\"command\": \"" + (kExamples / "greet.py").string() +
                     "\"}";
  if (with_cpp) {
    text += ",\n  \"greet-cpp\": {\"command\": \"" + std::string(POP_BINARY_DIR) +
            "/pop_greet_handler\"}";
  }
  return text + "\n}\n";
}

constexpr char kGreetAll[] = R"({"operations": [
  {"name": "sh", "type": "greet-sh", "payload": {"name": "Ada"}},
  {"name": "py", "type": "greet-py", "payload": {"name": "Ada"}},
  {"name": "cpp", "type": "greet-cpp", "payload": {"name": "@<py.out::/greeting>"}}]})";

class FirstHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = dir_.path() / "handlers.json";
    std::ofstream(registry_) << Registry(/*with_cpp=*/false);
    ASSERT_FALSE(dev_.Start().empty());
  }

  PopRun Pop(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", dev_.url(), "--data-dir", dev_.data_dir().string()});
    return RunPop(args);
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::filesystem::path path = dir_.path() / name;
    std::ofstream(path) << content;
    return path.string();
  }

  TempDir dir_;
  std::filesystem::path registry_;
  DevProcess dev_{dir_.path(), {"--registry", (dir_.path() / "handlers.json").string()}};
};

TEST_F(FirstHandlerTest, RegisteredHandlersAreListedAndRunAndAnEditAppliesWithoutARestart) {
  // The banner lists the registry's types and where the registry is.
  std::ifstream log(dir_.path() / "dev.log");
  std::stringstream banner;
  banner << log.rdbuf();
  EXPECT_THAT(banner.str(),
              HasSubstr("handlers:    greet-py, greet-sh (registry " + registry_.string()));
  PopRun listed = Pop({"handler", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("TYPE          POOL      SOURCE\n"
                                    "greet-py      dev-pool  registry\n"
                                    "greet-sh      dev-pool  registry\n"
                                    "noop          *         resident\n"));

  // greet-cpp is not registered yet: refused at submit, naming the operation and the type.
  const std::string agenda = WriteFile("greet.json", kGreetAll);
  PopRun refused = Pop({"agenda", "submit", "-f", agenda});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("Operation 'cpp' has type 'greet-cpp' that no handler of "
                                     "resource pool 'dev-pool' runs"));

  // Registered while pop dev runs: the watch applies it within about a second (poll up to 20 s).
  std::ofstream(registry_) << Registry(/*with_cpp=*/true);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Pop({"handler", "list"}).out.find("greet-cpp") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  PopRun ran = Pop({"agenda", "submit", "-q", "--wait", "-f", agenda});
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  const std::string id = ran.out.substr(0, ran.out.find('\n'));

  PopRun got = Pop({"agenda", "get", id});
  EXPECT_THAT(got.out, HasSubstr(R"({"greeting":"hello","to":{"name":"Ada"}})"));  // shell
  EXPECT_THAT(got.out, HasSubstr(R"({"greeting":"hello, Ada"})"));                 // Python
  EXPECT_THAT(got.out, HasSubstr(R"({"greeting":"hello, hello, Ada"})"));          // C++
}

TEST_F(FirstHandlerTest, ABrokenRegistryEditIsReportedNamingTheFieldAndTheOldOneStays) {
  std::ofstream(registry_) << R"({"greet-sh": {"comand": "x"}})";
  // The warning goes to the server's log (dev.log: its stdout and stderr); the registry in use
  // still runs greet-sh.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string server_log;
  while (server_log.find("not reloaded") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(dir_.path() / "dev.log");
    std::stringstream text;
    text << in.rdbuf();
    server_log = text.str();
  }
  EXPECT_THAT(server_log, HasSubstr("Unknown field 'greet-sh.comand'"));
  PopRun ran = Pop({"agenda", "submit", "--wait", "-f",
                    WriteFile("sh.json", R"({"operations": [{"name": "sh", "type": "greet-sh",
                                             "payload": {"name": "Ada"}}]})")});
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
}

TEST(DevRegistryFlagTest, AnInvalidRegistryStopsTheStartNamingTheFileAndTheField) {
  TempDir dir;
  const std::filesystem::path registry = dir.path() / "bad.json";
  std::ofstream(registry) << R"({"x": {"command": "/bin/true", "timeoutSeconds": -1}})";

  PopRun run = RunPop({"dev", "--listen", "127.0.0.1:0", "--data-dir",
                       (dir.path() / "data").string(), "--registry", registry.string()});

  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err,
              HasSubstr(registry.string() + ": Invalid value for field 'x.timeoutSeconds'"));
  EXPECT_THAT(run.err, Not(HasSubstr("pop dev is running")));
}

}  // namespace
}  // namespace pop::testing
