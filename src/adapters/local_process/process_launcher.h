// ProcessLauncher: the Launcher port on one machine. Each operation runs as a child process (the
// program its type is registered with), receives the handler environment of spec §16 and reports
// progress and its result as JSON lines on the report channel ($POP_REPORT). Each runs isolated
// from the launcher's process as far as one user can be: a scrubbed environment, its own fresh
// working directory (also its HOME) and its registry entry's resource limits (docs/security.md). A
// few spawner threads (or, with spawn_threads 0, the launching threads) start children; one
// thread follows them all (epoll over pidfds and pipes); no thread per child. Cancel(grace) on an
// operation sends SIGTERM to its process group and SIGKILL after `grace` or its type's
// cancel_grace, whichever is shorter. The handler contract (environment, report lines, outcomes,
// logs): docs/handlers.md. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/local_process/child_spawner.h"
#include "adapters/local_process/handler_registry.h"
#include "core/base/result.h"
#include "ports/clock.h"
#include "ports/launcher.h"
#include "ports/mutex.h"

namespace pop {

namespace local_process {
class ProcessReactor;
class SpawnerPool;
class ProcessRecords;
}  // namespace local_process

struct ProcessLauncherOptions {
  std::map<std::string, HandlerCommand> types;  // operation type -> program
  // How long a handler may keep running after it reported COMPLETE; then SIGTERM to its group
  // and SIGKILL after its cancel_grace. The reported outcome stands (spec §15.4).
  std::chrono::milliseconds complete_grace = std::chrono::seconds(10);
  // When the launcher is destroyed: SIGTERM to every handler still running, SIGKILL after this.
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(2);
  // Log bytes kept per handler between two TakeNewLog() calls; older ones are dropped.
  size_t max_pending_log_bytes = size_t{1} << 20;
  // Report lines longer than this are skipped (with a note in the log).
  size_t max_report_line_bytes = size_t{16} << 20;
  // Threads that start processes: an exec keeps its parent thread blocked for a while (about
  // 0.7 ms here), so a few side by side raise the launch rate. They live as long as the launcher.
  // 0: each Launch() starts its process on the calling thread, without two hand-offs between
  // threads; a handler then gets SIGKILL when the thread that launched it ends, so every caller
  // must outlive the handlers it launches (the executor's do: each waits for its handler's end).
  size_t spawn_threads = 4;
  // Wall time of the diagnostics and completedTime it writes. nullptr: the system clock. Not
  // owned; must outlive the launcher. (Timeouts always run on the OS's monotonic clock: a kill
  // timer cannot wait on a fake one.)
  const Clock* clock = nullptr;
  // The process reaper (docs/operations.md): when set, each running handler's process group is
  // recorded in this directory, and Create() first ends the groups that launchers which died
  // left behind (SIGTERM, SIGKILL after shutdown_grace). Launchers on one machine may share it.
  std::optional<std::filesystem::path> process_record_dir;
  // Where the reaper says what it ended; may be empty.
  std::function<void(const std::string&)> log;
  // Each operation's handler runs in a new directory under this one (created 0700 if missing),
  // named by the launcher. Empty: <temp dir>/pop-work-<uid>.
  std::filesystem::path work_dir_root;
};

class ProcessLauncher final : public Launcher {
 public:
  // Checks the registry (ValidateHandlerCommand; a limit above this process's hard limit is
  // refused, "Invalid value for field 'sample.limits.openFiles': 100000 is above this process's
  // hard limit 4096"), snapshots the variables handlers inherit (PATH, LANG, TZ), creates the
  // work root and starts the threads. Errors: kInvalidArgument (registry, negative grace),
  // kUnavailable (no threads, epoll, descriptors or work root).
  [[nodiscard]] static Result<std::unique_ptr<ProcessLauncher>> Create(
      ProcessLauncherOptions options);
  // Terminates every handler still running (see shutdown_grace), reaps them, joins the threads.
  // Handles of LaunchedOperation stay valid: their Wait() returns "was cancelled" unless the
  // handler had reported COMPLETE.
  ~ProcessLauncher() override;
  ProcessLauncher(const ProcessLauncher&) = delete;
  ProcessLauncher& operator=(const ProcessLauncher&) = delete;

  bool Handles(const std::string& type) const override;

  // Replaces the registry (`pop dev` reloading its file): checked as Create() checks it, and on
  // any error nothing changes. Operations already running keep the command they started with;
  // the next Launch uses the new entries. Errors: kInvalidArgument naming the field.
  [[nodiscard]] Status ReplaceTypes(std::map<std::string, HandlerCommand> types);
  // The registered operation types, sorted.
  std::vector<std::string> Types() const;

  // Starts the handler and returns once it runs. A program that cannot be executed (missing,
  // not executable, or its working directory or limits cannot be set) is not an error here:
  // Wait() returns the failure ("... could not be started: <command>: No such file or
  // directory"). Errors: kNotFound ("Unknown operation type
  // found: <type> on operation: <name>"); kInvalidArgument when the payload does not fit in the
  // environment ("payload of operation <name> is <N> bytes; too large to pass in the
  // environment") or a value holds a NUL character; kUnavailable when no process can be started
  // now (process or descriptor limits, no work directory) or the launcher is shutting down.
  [[nodiscard]] Result<std::unique_ptr<LaunchedOperation>> Launch(const LaunchSpec& spec) override;

 private:
  // The registry as launches use it: each type's command (relative programs made absolute) and
  // the setrlimit calls its handlers start with. Immutable once built.
  struct Registry {
    std::map<std::string, HandlerCommand> types;
    std::map<std::string, std::vector<local_process::ResourceLimit>> limits;
  };
  // Checks and resolves a registry (ValidateHandlerCommand, limits against this process's).
  static Result<std::shared_ptr<const Registry>> BuildRegistry(
      std::map<std::string, HandlerCommand> types);
  std::shared_ptr<const Registry> CurrentRegistry() const;

  ProcessLauncher(ProcessLauncherOptions options,
                  std::vector<std::pair<std::string, std::string>> inherited_env,
                  std::shared_ptr<const Registry> registry,
                  std::unique_ptr<local_process::ProcessRecords> records,
                  std::unique_ptr<local_process::SpawnerPool> spawners,
                  std::shared_ptr<local_process::ProcessReactor> reactor);

  const ProcessLauncherOptions options_;
  // The variables handlers inherit from this process, read once (getenv is not thread-safe
  // against setenv): PATH, LANG and TZ, nothing else.
  const std::vector<std::pair<std::string, std::string>> inherited_env_;
  // Replaced whole by ReplaceTypes; a launch holds the one it read. (options_.types is the
  // registry Create() was given, unused after.)
  mutable Mutex mu_;
  std::shared_ptr<const Registry> registry_ POP_GUARDED_BY(mu_);
  // The process reaper's records of running groups (null without process_record_dir).
  const std::unique_ptr<local_process::ProcessRecords> records_;
  // Starts the processes; stopped only after the reactor has reaped every child.
  const std::unique_ptr<local_process::SpawnerPool> spawners_;
  // Follows them. Owned here alone; operations hold weak_ptrs, so that Cancel() on an operation
  // that outlives the launcher is a no-op.
  const std::shared_ptr<local_process::ProcessReactor> reactor_;
};

}  // namespace pop
