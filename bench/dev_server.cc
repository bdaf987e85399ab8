#include "dev_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace pop::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "pop_workflow_bench: %s\n", message.c_str());
  std::exit(1);
}

// A port the kernel just handed out on 127.0.0.1 (free at that moment).
uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Die("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    Die("cannot pick a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// One `GET /healthz` on a new connection; true when the answer starts with "HTTP/1.1 200".
bool HealthzAnswers200(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    static constexpr char kRequest[] =
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, kRequest, sizeof kRequest - 1, MSG_NOSIGNAL) ==
        static_cast<ssize_t>(sizeof kRequest - 1)) {
      char buffer[64] = {};
      size_t got = 0;
      while (got < 12) {
        ssize_t n = ::recv(fd, buffer + got, sizeof buffer - 1 - got, 0);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      ok = std::string(buffer, got).rfind("HTTP/1.1 200", 0) == 0;
    }
  }
  ::close(fd);
  return ok;
}

std::string ReadTrimmed(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

ProcessCpu ReadProcessCpu(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ProcessCpu cpu;
  size_t close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return cpu;
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> values;
  for (std::string value; fields >> value;) values.push_back(value);
  // After the name: state(3) ... utime(14) stime(15) cutime(16) cstime(17), 1-based.
  if (values.size() < 15) return cpu;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  cpu.self_s = (std::stod(values[11]) + std::stod(values[12])) / tick;
  cpu.children_s = (std::stod(values[13]) + std::stod(values[14])) / tick;
  return cpu;
}

HostCpu ReadHostCpu() {
  std::ifstream in("/proc/stat");
  std::string label;
  in >> label;  // "cpu": the sum over all CPUs
  std::vector<double> ticks;
  for (double value = 0; ticks.size() < 8 && in >> value;) ticks.push_back(value);
  HostCpu cpu;
  if (ticks.size() < 5) return cpu;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double total = 0;
  for (double value : ticks) total += value;
  const double idle = ticks[3] + ticks[4];  // idle + iowait
  cpu.total_s = total / tick;
  cpu.busy_s = (total - idle) / tick;
  return cpu;
}

pid_t SpawnProgram(std::vector<std::string> args, const std::filesystem::path& log) {
  const std::string log_path = log.string();
  const pid_t pid = ::fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    std::perror("execv");
    ::_exit(127);
  }
  return pid;
}

int StopProgram(pid_t pid) {
  if (pid <= 0) return -1;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

DevServer::DevServer(std::string binary, std::filesystem::path data_dir,
                     std::vector<std::string> extra_args, std::string postgres_uri)
    : binary_(std::move(binary)),
      data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)),
      postgres_uri_(std::move(postgres_uri)) {}

DevServer::~DevServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

double DevServer::Start() {
  const uint16_t port = FreePort();
  std::vector<std::string> args = {binary_,       "dev",
                                   "--listen",    "127.0.0.1:" + std::to_string(port),
                                   "--data-dir",  data_dir_.string(),
                                   "--log-level", "warning"};
  if (!postgres_uri_.empty()) {
    args = {binary_,
            "server",
            "--store",
            postgres_uri_,
            "--listen",
            "127.0.0.1:" + std::to_string(port),
            "--bootstrap-token-file",
            (data_dir_ / "admin-token").string(),
            "--log-level",
            "warning"};
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  const std::string log = (data_dir_ / "dev.log").string();
  const auto started = SteadyClock::now();
  pid_ = ::fork();
  if (pid_ < 0) Die("fork failed");
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    std::perror("execv");
    ::_exit(127);
  }
  const auto deadline = started + std::chrono::seconds(30);
  while (SteadyClock::now() < deadline) {
    if (HealthzAnswers200(port)) {
      url_ = "http://127.0.0.1:" + std::to_string(port);
      return std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      Die("pop dev exited during start-up; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  Die("pop dev did not answer /healthz within 30 s; see " + log);
}

int DevServer::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string DevServer::admin_token() const { return ReadTrimmed(data_dir_ / "admin-token"); }

}  // namespace pop::bench
