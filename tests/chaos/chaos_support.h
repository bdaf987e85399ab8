// Support of the chaos tier: child processes that can be killed with SIGKILL at any moment, a
// small HTTP client for the API, and the journal the chaos handler writes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json.h"
#include "ports/http_client.h"

namespace pop::testing {

// A fresh directory under the system's temp dir, removed by the destructor.
class ChaosDir {
 public:
  ChaosDir();
  ~ChaosDir();
  ChaosDir(const ChaosDir&) = delete;
  ChaosDir& operator=(const ChaosDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// One run of a program, its stdout and stderr appended to `log`.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::filesystem::path log);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Kill9();     // SIGKILL and reap
  int Terminate();  // SIGTERM, wait; the exit status, -1 when it died of a signal

 private:
  pid_t pid_ = -1;
};

// Waits up to `timeout` for `path` to exist and hold a line; returns that line.
std::optional<std::string> WaitForLine(const std::filesystem::path& path,
                                       std::chrono::milliseconds timeout);

// Waits until no process runs whose command line contains `needle` (up to `timeout`).
bool WaitUntilNoProcessMatches(const std::string& needle, std::chrono::milliseconds timeout);
// Pids of the processes whose command line contains `needle`.
std::vector<pid_t> ProcessesMatching(const std::string& needle);

struct ApiResult {
  int status = 0;  // 0: no answer (the server is down)
  Json body;
};

class ApiClient {
 public:
  ApiClient(std::string base_url, std::string token);
  ApiResult Call(const std::string& method, const std::string& path, const std::string& body = "",
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::string base_url_;
  std::string token_;
  std::unique_ptr<HttpClient> http_;
};

// What the tests of `pop server` with a `pop puller` set up through `admin`: the pool "rp" (owner
// "ops"), its global FirstInFirstOut Insight `insight` (queue `insight` of `queue_size`) mapping
// the operation types `types`, and the customer "acme" in the pool. Returns "" when all three were
// created, else what was refused (the call and its answer).
std::string CreatePoolInsightAndCustomer(ApiClient& admin, const std::string& insight,
                                         const std::vector<std::string>& types, int queue_size);

// The chaos handler: a shell script that appends "start|end <agenda> <operation> <pid of its
// parent>" to `journal` around a short sleep, reporting COMPLETE before its "end" line.
std::filesystem::path WriteChaosHandler(const std::filesystem::path& dir,
                                        const std::filesystem::path& journal);

// What the journal says. Lines "killed <pid>" are written by the test after that process (and
// every handler it started) is gone.
struct JournalCheck {
  size_t runs_started = 0;
  size_t runs_ended = 0;
  // (agenda, operation, executor pid) that ended more than once: an operation completed twice
  // by one executor.
  std::vector<std::string> doubled;
  // Agendas that ran in two executors at the same time.
  std::vector<std::string> overlapping;
};
JournalCheck CheckJournal(const std::filesystem::path& journal);
void AppendKilled(const std::filesystem::path& journal, pid_t pid);

// Runs scripts/postgres-test-cluster.sh ACTION DIR (start, stop, halt, resume, restart) for a
// cluster of the test's own; true when it succeeded. `environment` is prefixed to the command
// (e.g. "POSTGRES_SYNCHRONOUS_COMMIT=on").
bool PostgresTestCluster(const std::string& action, const std::filesystem::path& dir,
                         const std::string& environment = "");

}  // namespace pop::testing
