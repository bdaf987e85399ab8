#include "e2e/dev_process_support.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/base/check.h"

namespace pop::testing {
namespace {

constexpr std::chrono::seconds kStartTimeout{20};

std::string ReadFirstLine(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// In a forked child: a clean signal mask (the test runner may block signals), no POP_*
// settings from the runner's environment, then exec `pop args...`.
[[noreturn]] void ExecPop(const std::vector<std::string>& args) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (const char* name :
       {"POP_ADDR", "POP_TOKEN", "POP_DATA_DIR", "POP_CUSTOMER", "POP_BASE_PATH"}) {
    unsetenv(name);
  }
  std::string binary = std::string(POP_BINARY_DIR) + "/pop";
  std::vector<std::string> argv_storage = args;
  std::vector<char*> argv{binary.data()};
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

int ExitCodeOf(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

// Reads `fds` until every one reaches end of file (EIO on a terminal master counts as that).
void DrainUntilClosed(std::vector<std::pair<int, std::string*>> fds) {
  while (!fds.empty()) {
    std::vector<pollfd> polled;
    polled.reserve(fds.size());
    for (const auto& [fd, sink] : fds) polled.push_back({fd, POLLIN, 0});
    if (poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t i = polled.size(); i-- > 0;) {
      if (polled[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].first, buffer, sizeof(buffer));
      if (n > 0) {
        fds[i].second->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].first);
        fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
}

}  // namespace

DevProcess::DevProcess(std::filesystem::path dir, std::vector<std::string> extra_args)
    : dir_(std::move(dir)), extra_args_(std::move(extra_args)) {}

DevProcess::~DevProcess() { Stop(); }

std::string DevProcess::Start() {
  POP_CHECK(pid_ <= 0);
  const std::filesystem::path ready = dir_ / "ready";
  std::filesystem::remove(ready);
  // The server writes the ready file by renaming a temporary file into place; watch for it
  // before the child exists so that the event cannot be missed.
  int watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  POP_CHECK(watch >= 0);
  POP_CHECK(inotify_add_watch(watch, dir_.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) >= 0);
  std::vector<std::string> args = {"dev",         "--listen",          "127.0.0.1:0",
                                   "--data-dir",  data_dir().string(), "--ready-file",
                                   ready.string()};
  if (std::find(extra_args_.begin(), extra_args_.end(), "--log-level") == extra_args_.end()) {
    args.insert(args.end(), {"--log-level", "warning"});
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  const std::string log = (dir_ / "dev.log").string();
  pid_ = fork();
  POP_CHECK(pid_ >= 0);
  if (pid_ == 0) {
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    ExecPop(args);
  }
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!std::filesystem::exists(ready)) {
    int status = 0;
    POP_CHECK(waitpid(pid_, &status, WNOHANG) == 0) << "pop dev exited during start-up:\n"
                                                    << ReadAll(log);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    POP_CHECK(left.count() > 0) << "pop dev did not become ready within 20 s:\n" << ReadAll(log);
    // Wakes on a file event in the directory; the bound only lets a dead child be noticed.
    pollfd event{watch, POLLIN, 0};
    poll(&event, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
    char drain[4096];
    while (read(watch, drain, sizeof(drain)) > 0) {
    }
  }
  close(watch);
  url_ = ReadFirstLine(ready);
  return url_;
}

int DevProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGINT);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCodeOf(status);
}

PopRun RunPop(const std::vector<std::string>& args, const std::string& stdin_text) {
  // Standard input is an in-memory file: the child may exit without reading it.
  int in = memfd_create("pop-stdin", MFD_CLOEXEC);
  POP_CHECK(in >= 0);
  POP_CHECK(write(in, stdin_text.data(), stdin_text.size()) ==
            static_cast<ssize_t>(stdin_text.size()));
  POP_CHECK(lseek(in, 0, SEEK_SET) == 0);
  int out[2];
  int err[2];
  POP_CHECK(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0);
  pid_t pid = fork();
  POP_CHECK(pid >= 0);
  if (pid == 0) {
    dup2(in, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    ExecPop(args);
  }
  close(in);
  close(out[1]);
  close(err[1]);
  PopRun run;
  DrainUntilClosed({{out[0], &run.out}, {err[0], &run.err}});
  int status = 0;
  waitpid(pid, &status, 0);
  run.exit_code = ExitCodeOf(status);
  return run;
}

SignalledPopRun RunPopAndSignal(const std::vector<std::string>& args, int signal_number,
                                std::chrono::milliseconds limit) {
  int out[2];
  POP_CHECK(pipe2(out, O_CLOEXEC) == 0);
  pid_t pid = fork();
  POP_CHECK(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    ExecPop(args);
  }
  close(out[1]);
  SignalledPopRun result;
  // Reads what is there within `wait`; false at end of file.
  auto read_for = [&](std::chrono::milliseconds wait) {
    pollfd polled{out[0], POLLIN, 0};
    int ready = poll(&polled, 1, static_cast<int>(wait.count()));
    if (ready <= 0) return true;
    char buffer[4096];
    ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n > 0) result.run.out.append(buffer, static_cast<size_t>(n));
    return n > 0 || (n < 0 && errno == EINTR);
  };
  using Clock = std::chrono::steady_clock;
  bool open = true;
  for (auto until = Clock::now() + std::chrono::seconds(10);
       open && result.run.out.empty() && Clock::now() < until;) {
    open = read_for(std::chrono::milliseconds(100));
  }
  result.had_output = !result.run.out.empty();
  kill(pid, signal_number);
  const auto deadline = Clock::now() + limit;
  while (open && Clock::now() < deadline) {
    open = read_for(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) +
                    std::chrono::milliseconds(1));
  }
  result.ended_in_time = !open;
  if (open) kill(pid, SIGKILL);
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.run.exit_code = ExitCodeOf(status);
  return result;
}

PopRun RunPopOnTerminal(const std::vector<std::string>& args) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  POP_CHECK(pid >= 0);
  if (pid == 0) ExecPop(args);
  PopRun run;
  DrainUntilClosed({{master, &run.out}});
  int status = 0;
  waitpid(pid, &status, 0);
  run.exit_code = ExitCodeOf(status);
  return run;
}

}  // namespace pop::testing
