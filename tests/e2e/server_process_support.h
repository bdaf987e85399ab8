// ServerProcess: runs the built `pop server` binary as a child process for end-to-end tests,
// waits until it serves, and stops it gracefully (SIGTERM) or brutally (SIGKILL).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace pop::testing {

class ServerProcess {
 public:
  // `dir` holds the database (pop.db), the admin token and the ready file.
  explicit ServerProcess(std::filesystem::path dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGKILLs a process still running

  // Starts the server and waits (up to 20 s) until it writes its ready file. Returns the URL.
  std::string Start();
  void Kill9();
  // SIGTERM, then waits; returns the exit status (or -1 when it died of a signal).
  int Terminate();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string admin_token() const;

 private:
  std::filesystem::path dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace pop::testing
