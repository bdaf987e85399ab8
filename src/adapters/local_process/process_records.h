// ProcessRecords: the process reaper of the local launcher (docs/operations.md). Every handler
// runs in its own process group; while it runs, a small file `<dir>/<pgid>` names the launcher
// process that owns it and the start time of the group's leader. The handler itself dies with
// its launcher (PR_SET_PDEATHSIG), but what it started in its group may not. When a launcher
// starts, ReapOrphans() ends the groups whose owner is gone: SIGTERM, then SIGKILL after a grace
// period. Their logs, already stored with their operations, stay.
//
// A group is only signalled while it still exists and its id cannot belong to anyone else:
// either its leader still runs with the recorded start time, or the leader is gone and the id
// is still in use as a group id (the kernel does not hand out a pid in use as a group id).
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"

namespace pop::local_process {

class ProcessRecords {
 public:
  // Creates `dir` (mode 0700) when missing. Errors: kUnavailable when it cannot be created.
  [[nodiscard]] static Result<std::unique_ptr<ProcessRecords>> Open(std::filesystem::path dir);

  // Records a running group (best effort: a record that cannot be written is skipped).
  void Add(pid_t pgid);
  // Forgets a group whose leader was reaped.
  void Remove(pid_t pgid);

  struct ReapReport {
    int64_t groups_ended = 0;     // orphaned groups signalled
    int64_t records_dropped = 0;  // records of groups already gone
  };
  // Ends the groups of owners that are gone (any launcher that used `dir`); waits up to `grace`
  // after SIGTERM before SIGKILL. `log` gets one line per group ended.
  static ReapReport ReapOrphans(const std::filesystem::path& dir, std::chrono::milliseconds grace,
                                const std::function<void(const std::string&)>& log);

  // The start time of a process (field 22 of /proc/<pid>/stat, in clock ticks since boot), or
  // -1 when there is no such process.
  static int64_t StartTimeOf(pid_t pid);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  ProcessRecords(std::filesystem::path dir, pid_t owner, int64_t owner_start)
      : dir_(std::move(dir)), owner_(owner), owner_start_(owner_start) {}

  std::filesystem::path dir_;
  pid_t owner_;
  int64_t owner_start_;
};

}  // namespace pop::local_process
