// `pop dev` as a user runs it: creates its data dir, database and a 0600 admin token file on
// first start, serves /healthz, and the CLI finds the token there without flags.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"

namespace pop::testing {
namespace {

std::string RunCommand(const std::string& command, int* exit_code) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  int status = pipe != nullptr ? pclose(pipe) : -1;
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

TEST(DevModeTest, FirstStartCreatesDataDirDatabaseAndPrivateAdminToken) {
  TempDir dir;
  DevProcess dev(dir.path());
  std::string url = dev.Start();
  ASSERT_FALSE(url.empty());
  auto data = dir.path() / "data";
  EXPECT_TRUE(std::filesystem::exists(data / "pop.db"));
  struct stat info {};
  ASSERT_EQ(stat((data / "admin-token").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  std::ifstream token_file(data / "admin-token");
  std::string token;
  std::getline(token_file, token);
  EXPECT_EQ(token.rfind("pop_", 0), 0u);

  // The banner names the API and where the token is.
  std::ifstream log(dir.path() / "dev.log");
  std::stringstream banner;
  banner << log.rdbuf();
  EXPECT_NE(banner.str().find(url + "/pop"), std::string::npos) << banner.str();
  EXPECT_NE(banner.str().find((data / "admin-token").string()), std::string::npos);

  int code = 0;
  std::string health = RunCommand("curl -s " + url + "/healthz", &code);
  EXPECT_EQ(health.rfind(R"({"status":"ok","version":")", 0), 0u) << health;
  // Metrics in Prometheus's format, without credentials; start-up recovery has counted.
  std::string metrics = RunCommand("curl -s " + url + "/metrics", &code);
  EXPECT_NE(metrics.find("# TYPE pop_maintenance_recovery_resumed_total counter\n"
                         "pop_maintenance_recovery_resumed_total 0\n"),
            std::string::npos)
      << metrics;

  // The CLI finds the admin token in the data dir by itself.
  std::string cli = std::string(POP_BINARY_DIR) + "/pop token create --account dev --server " +
                    url + " --data-dir " + data.string();
  std::string secret = RunCommand(cli, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(secret.rfind("pop_", 0), 0u);
  // A tenant token may not create tokens: the CLI says why and exits 1.
  std::string refused =
      RunCommand(std::string(POP_BINARY_DIR) + "/pop token create --account x --server " + url +
                     " --token " + secret.substr(0, secret.size() - 1) + " 2>&1",
                 &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(refused.find("Only an administrator"), std::string::npos) << refused;

  EXPECT_EQ(dev.Stop(), 0);  // SIGINT stops it cleanly

  // A second start keeps the token and says where it is.
  DevProcess again(dir.path());
  std::filesystem::remove(dir.path() / "ready");
  ASSERT_FALSE(again.Start().empty());
  std::ifstream token_again(data / "admin-token");
  std::string same;
  std::getline(token_again, same);
  EXPECT_EQ(same, token);
  EXPECT_EQ(again.Stop(), 0);
}

TEST(DevModeTest, BannerDoesNotPrintToken) {
  TempDir dir;
  DevProcess dev(dir.path());
  ASSERT_FALSE(dev.Start().empty());
  auto data = dir.path() / "data";
  std::ifstream token_file(data / "admin-token");
  std::string token;
  std::getline(token_file, token);
  ASSERT_EQ(token.rfind("pop_", 0), 0u);
  EXPECT_EQ(dev.Stop(), 0);
  std::ifstream log(dir.path() / "dev.log");
  std::stringstream banner;
  banner << log.rdbuf();
  EXPECT_NE(banner.str().find("admin token"), std::string::npos) << banner.str();
  EXPECT_NE(banner.str().find((data / "admin-token").string()), std::string::npos) << banner.str();
  EXPECT_EQ(banner.str().find(token), std::string::npos) << banner.str();
  // Not even a recognisable part of it.
  EXPECT_EQ(banner.str().find(token.substr(0, 12)), std::string::npos) << banner.str();
}

TEST(DevModeTest, DataDirAndDatabaseFilesAreOwnerOnly) {
  TempDir dir;
  auto data = dir.path() / "data";
  // An existing data dir open to everyone is tightened too.
  std::filesystem::create_directories(data);
  ASSERT_EQ(chmod(data.c_str(), 0777), 0);
  DevProcess dev(dir.path());
  ASSERT_FALSE(dev.Start().empty());
  struct stat info {};
  ASSERT_EQ(stat(data.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700);
  for (const char* name : {"pop.db", "pop.db-wal", "pop.db-shm", "admin-token"}) {
    ASSERT_EQ(stat((data / name).c_str(), &info), 0) << name;
    EXPECT_EQ(info.st_mode & 0777, 0600) << name;
  }
  EXPECT_EQ(dev.Stop(), 0);
}

TEST(DevModeTest, UnreachableServerExitsWithCode3) {
  int code = 0;
  RunCommand(std::string(POP_BINARY_DIR) +
                 "/pop token create --account a --token t --server http://127.0.0.1:1 2>/dev/null",
             &code);
  EXPECT_EQ(code, 3);
}

}  // namespace
}  // namespace pop::testing
