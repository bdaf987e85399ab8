#include "e2e/server_process_support.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/base/check.h"

namespace pop::testing {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

TempDir::TempDir() {
  char pattern[] = "/tmp/pop-e2e-XXXXXX";
  POP_CHECK(mkdtemp(pattern) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ServerProcess::ServerProcess(std::filesystem::path dir, std::vector<std::string> extra_args)
    : dir_(std::move(dir)), extra_args_(std::move(extra_args)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill9();
}

std::string ServerProcess::admin_token() const { return ReadAll(dir_ / "admin-token"); }

std::string ServerProcess::Start() {
  POP_CHECK(pid_ <= 0);
  std::filesystem::path ready = dir_ / "ready";
  std::filesystem::remove(ready);
  std::vector<std::string> args = {std::string(POP_BINARY_DIR) + "/pop",
                                   "server",
                                   "--store",
                                   "sqlite:" + (dir_ / "pop.db").string(),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--ready-file",
                                   ready.string(),
                                   "--bootstrap-token-file",
                                   (dir_ / "admin-token").string(),
                                   "--log-level",
                                   "warning"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = fork();
  POP_CHECK(pid_ >= 0);
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // The test runner may block signals; the server must start with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // Waiting for another process to become ready has no signal to wait on but its ready file.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(ready)) return ReadAll(ready);
    int status = 0;
    POP_CHECK(waitpid(pid_, &status, WNOHANG) == 0) << "pop server exited during start-up";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  POP_CHECK(false) << "pop server did not become ready within 20 s";
  return "";
}

void ServerProcess::Kill9() {
  POP_CHECK(pid_ > 0);
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::Terminate() {
  POP_CHECK(pid_ > 0);
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace pop::testing
