// DevServer: the built `pop dev` as a child process of a benchmark, on a port picked before it
// starts, with its own data dir; it measures cold start (fork -> the first `GET /healthz` that
// answers 200) and reads the process's memory and CPU time from /proc. Thread-compatible.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pop::bench {

// CPU seconds of a process from /proc/<pid>/stat: its own threads, and its waited-for children
// (the handlers it ran). Tick resolution (usually 10 ms).
struct ProcessCpu {
  double self_s = 0;
  double children_s = 0;
};
ProcessCpu ReadProcessCpu(const std::string& pid);

// Busy and total CPU seconds of the whole machine (all CPUs) from /proc/stat.
struct HostCpu {
  double busy_s = 0;
  double total_s = 0;
};
HostCpu ReadHostCpu();

// Starts `argv` with stdout and stderr appended to `log`; its pid. Ends the program on failure.
pid_t SpawnProgram(std::vector<std::string> argv, const std::filesystem::path& log);
// SIGTERM and wait; the exit status, or -1 (killed by a signal).
int StopProgram(pid_t pid);

class DevServer {
 public:
  // `data_dir` must exist; the server's stdout and stderr go to data_dir/dev.log. With a
  // `postgres_uri` it runs `pop server --store <uri>` (admin token: data_dir/admin-token) instead
  // of `pop dev`.
  DevServer(std::string binary, std::filesystem::path data_dir,
            std::vector<std::string> extra_args = {}, std::string postgres_uri = "");
  ~DevServer();  // SIGKILL and reap when still running
  DevServer(const DevServer&) = delete;
  DevServer& operator=(const DevServer&) = delete;

  // Starts `pop dev --listen 127.0.0.1:<free port> --data-dir <data_dir> <extra_args>` and polls
  // `GET /healthz` (a new connection every 0.2 ms or so) until it answers 200. Returns the
  // milliseconds from just before fork() to that answer. Ends the program on failure.
  double Start();
  // SIGTERM and wait; the exit status, or -1 (killed by a signal, not running).
  int Stop();

  std::string pid() const { return std::to_string(pid_); }
  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  std::string admin_token() const;

 private:
  std::string binary_;
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  std::string postgres_uri_;
  std::string url_;
  pid_t pid_ = -1;
};

}  // namespace pop::bench
