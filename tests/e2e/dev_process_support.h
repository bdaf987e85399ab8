// DevProcess: the built `pop dev` as a child process on a free port with its own data dir, for
// end-to-end tests of the CLI; and RunPop, which runs the built `pop` binary once and captures
// its exit code, stdout and stderr (or its terminal output, for commands that draw on a TTY).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace pop::testing {

class DevProcess {
 public:
  // `dir` holds the data dir (dir/data), the ready file and the server's output (dir/dev.log).
  // The log level is warning unless `extra_args` names --log-level.
  explicit DevProcess(std::filesystem::path dir, std::vector<std::string> extra_args = {});
  ~DevProcess();  // stops a process still running
  DevProcess(const DevProcess&) = delete;
  DevProcess& operator=(const DevProcess&) = delete;

  // Starts `pop dev --listen 127.0.0.1:0` and waits (up to 20 s, on inotify events) until it
  // writes its ready file. Returns the server URL ("http://127.0.0.1:PORT").
  std::string Start();
  // SIGINT, then waits; returns the exit status (-1 when it died of a signal or was not running).
  int Stop();
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::string url() const { return url_; }

 private:
  std::filesystem::path dir_;
  std::vector<std::string> extra_args_;
  std::string url_;
  pid_t pid_ = -1;
};

struct PopRun {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;     // stdout, or everything the terminal showed (RunPopOnTerminal)
  std::string err;     // stderr (empty for RunPopOnTerminal)
};

// Runs `<POP_BINARY_DIR>/pop args...` with `stdin_text` as its standard input (small inputs:
// written before the output is read) and without the POP_* environment variables of the test
// runner, and waits for it to exit.
PopRun RunPop(const std::vector<std::string>& args, const std::string& stdin_text = "");

// As RunPop, but with stdout and stderr on a pseudo-terminal, so the command sees a TTY.
PopRun RunPopOnTerminal(const std::vector<std::string>& args);

struct SignalledPopRun {
  PopRun run;                  // `out` holds stdout and stderr together
  bool had_output = false;     // it wrote something before the signal
  bool ended_in_time = false;  // it exited within `limit` of the signal (else it was killed)
};

// Runs `pop args...` (as RunPop, without stdin), waits until it writes its first output (at most
// 10 s: by then it is waiting for the server), sends it `signal_number`, and gives it `limit` to
// exit; a process still running then is killed with SIGKILL.
SignalledPopRun RunPopAndSignal(const std::vector<std::string>& args, int signal_number,
                                std::chrono::milliseconds limit);

}  // namespace pop::testing
