// `pop server --store postgresql://...` end to end, with the built binary on a database of the
// throw-away test cluster (ctest's `postgres` fixture): it serves from PostgreSQL, and the
// password of the URI shows neither in its log, nor in `ps`, nor in its error at start.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"
#include "support/postgres_test_cluster.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Starts `pop args...` with stdout and stderr going to `log`.
pid_t Spawn(std::vector<std::string> args, const std::filesystem::path& log) {
  args.insert(args.begin(), std::string(POP_BINARY_DIR) + "/pop");
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
  return pid;
}

int WaitForExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class PostgresServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dbname_ = PostgresDatabaseNameFor(dir_.path().string());
    Result<bool> created = EnsurePostgresDatabase(dbname_);
    ASSERT_TRUE(created.ok()) << created.error().message;
    Result<std::string> admin_uri = PostgresTestUri();
    ASSERT_TRUE(admin_uri.ok()) << admin_uri.error().message;
    // The cluster's URI is postgresql://postgres:<password>@127.0.0.1:<port>/postgres.
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*admin_uri, match, std::regex(":([^:@/]+)@")));
    password_ = match[1];
    uri_ = std::regex_replace(*admin_uri, std::regex("/postgres$"), "/" + dbname_);
  }
  void TearDown() override { EXPECT_TRUE(DropPostgresDatabase(dbname_).ok()); }

  TempDir dir_;
  std::string dbname_;
  std::string password_;
  std::string uri_;
};

TEST_F(PostgresServerTest, ServesFromPostgresAndKeepsThePasswordOutOfItsLogAndPs) {
  const auto ready = dir_.path() / "ready";
  const auto token = dir_.path() / "admin-token";
  const auto log = dir_.path() / "server.log";
  pid_t pid = Spawn({"server", "--store", uri_, "--listen", "127.0.0.1:0", "--ready-file",
                     ready.string(), "--bootstrap-token-file", token.string()},
                    log);
  ASSERT_GT(pid, 0);
  // Another process becoming ready has nothing to wait on but its ready file.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(ready) && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "pop server exited: " << ReadFile(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(std::filesystem::exists(ready)) << ReadFile(log);
  std::string url = ReadFile(ready);
  while (!url.empty() && url.back() == '\n') url.pop_back();
  std::string secret = ReadFile(token);
  while (!secret.empty() && secret.back() == '\n') secret.pop_back();

  // The admin token was written to PostgreSQL at start; listing tokens reads it back.
  PopRun listed = RunPop({"token", "list", "--server", url, "--token", secret});
  std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  kill(pid, SIGTERM);
  EXPECT_EQ(WaitForExit(pid), 0);

  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("admin"));
  EXPECT_THAT(ReadFile(log), HasSubstr("(store postgresql://postgres:***@127.0.0.1:"));
  EXPECT_THAT(ReadFile(log), Not(HasSubstr(password_)));
  EXPECT_THAT(cmdline, HasSubstr("postgresql://postgres:*"));
  EXPECT_THAT(cmdline, Not(HasSubstr(password_)));
}

TEST_F(PostgresServerTest, UnreachableServerFailsAtStartNamingHostAndPortButNotThePassword) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);  // nothing listens there now
  const std::string port = std::to_string(ntohs(address.sin_port));

  PopRun run =
      RunPop({"server", "--store", "postgresql://pop:" + password_ + "@127.0.0.1:" + port + "/pop",
              "--listen", "127.0.0.1:0"});

  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err, HasSubstr("the PostgreSQL server is unreachable: cannot connect to "
                                 "127.0.0.1:" +
                                 port));
  EXPECT_THAT(run.err + run.out, Not(HasSubstr(password_)));
}

}  // namespace
}  // namespace pop::testing
