// One SQLite database, one server: `pop server --store sqlite:PATH` holds a lock beside the
// database while it runs, and a second server on the same file refuses to start with a clear
// error (its scheduler would decide claims without the first one's knowledge). The lock goes
// with the process, however it ends.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/server_process_support.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;

struct Exit {
  bool exited = false;  // false: still running after the wait (then killed)
  int code = -1;
  std::string output;
};

// Runs `pop server` on `database` and waits up to 20 s for it to exit by itself.
Exit RunSecondServer(const std::filesystem::path& database, const std::filesystem::path& log) {
  std::vector<std::string> args = {std::string(POP_BINARY_DIR) + "/pop", "server",   "--store",
                                   "sqlite:" + database.string(),        "--listen", "127.0.0.1:0"};
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  Exit result;
  // Another process ending has nothing to wait on but polling (waitpid has no timeout).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      result.exited = true;
      result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!result.exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  result.output = ReadFile(log);
  return result;
}

TEST(SqliteSingleServerTest, ASecondServerOnTheSameDatabaseIsRefusedWithAClearError) {
  TempDir dir;
  ServerProcess first(dir.path());
  first.Start();
  Exit second = RunSecondServer(dir.path() / "pop.db", dir.path() / "second.log");
  ASSERT_TRUE(second.exited) << "a second server started on the same SQLite database";
  EXPECT_NE(second.code, 0);
  EXPECT_THAT(second.output, HasSubstr("another pop server is already running on the SQLite "
                                       "database " +
                                       (dir.path() / "pop.db").string() + " (process " +
                                       std::to_string(first.pid()) + ")"));
  EXPECT_THAT(second.output, HasSubstr("use PostgreSQL"));
  EXPECT_EQ(first.Terminate(), 0);
}

TEST(SqliteSingleServerTest, TheLockGoesWithTheServerHoweverItEnds) {
  TempDir dir;
  {
    ServerProcess stopped(dir.path());
    stopped.Start();
    EXPECT_EQ(stopped.Terminate(), 0);
  }
  ServerProcess killed(dir.path());
  killed.Start();  // the cleanly stopped one left no lock behind
  killed.Kill9();
  ServerProcess next(dir.path());
  next.Start();  // nor did the killed one
  EXPECT_TRUE(next.running());
  EXPECT_EQ(next.Terminate(), 0);
}

}  // namespace
}  // namespace pop::testing
