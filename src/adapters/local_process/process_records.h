// ProcessRecords: the process reaper of the local launcher (docs/operations.md). Every handler
// runs in its own process group. The handler itself dies with its launcher (PR_SET_PDEATHSIG),
// but what it started in its group may not. When a launcher starts, ReapOrphans() ends the
// groups whose owner is gone: SIGTERM, then SIGKILL after a grace period. Their logs, already
// stored with their operations, stay.
//
// Each launcher process keeps one append-only log in `dir`, `owner-<pid>` (`owner-<pid>-<n>` when
// that name is taken: a second instance in the same process, or the log of a dead process whose
// pid was reused), held open for its whole life:
//
//   owner <pid> <start>          the first line: the owner and its start time
//   + <pgid> <leader_start>      a group started (the start time of its leader)
//   - <pgid>                     its leader was reaped
//
// Add() and Remove() are one write(2) each on the open log: a file per group, created and then
// unlinked, made file creation a large part of a busy launcher's work. A line is taken only once
// its newline is there. Each `+` counts: should the kernel hand a reaped leader's pid to a new
// group before the old group's `-` is written, the new one stays recorded. When the log has
// grown well past the groups still recorded, it is compacted: the header and those groups are
// written to `<log>.tmp`, which is renamed over the log (a `.tmp` never holds anything the log
// does not). The destructor removes the log when no group is recorded any more (every handler
// reaped: a clean shutdown), and leaves it for the next launcher's ReapOrphans() otherwise.
//
// An owner is identified by its pid and start time (a reused pid starts at another time). Older
// versions wrote one file `<dir>/<pgid>` per group holding `<owner> <owner_start>
// <leader_start>`; ReapOrphans() still reads them, so that an upgrade leaves no orphan behind.
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
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace pop::local_process {

class ProcessRecords {
 public:
  // Creates `dir` (mode 0700) when missing, and this process's log in it. Errors: kUnavailable
  // when `dir` cannot be created. A log that cannot be created is skipped, as a record that
  // cannot be written is: the launcher runs on without records.
  [[nodiscard]] static Result<std::unique_ptr<ProcessRecords>> Open(std::filesystem::path dir);
  ~ProcessRecords();
  ProcessRecords(const ProcessRecords&) = delete;
  ProcessRecords& operator=(const ProcessRecords&) = delete;

  // Records a running group (best effort: a record that cannot be written is skipped).
  void Add(pid_t pgid);
  // Forgets a group whose leader was reaped.
  void Remove(pid_t pgid);

  struct ReapReport {
    int64_t groups_ended = 0;     // orphaned groups signalled
    int64_t records_dropped = 0;  // records of groups already gone
  };
  // Ends the groups of owners that are gone (any launcher that used `dir`) and removes their
  // logs; waits up to `grace` after SIGTERM before SIGKILL. `log` gets one line per group ended.
  // The logs of running owners are left alone.
  static ReapReport ReapOrphans(const std::filesystem::path& dir, std::chrono::milliseconds grace,
                                const std::function<void(const std::string&)>& log);

  // What a log says: its owner and the groups still recorded, replayed in order (each once, with
  // the start time of its latest `+`). Null when the file cannot be read or has no header.
  struct Group {
    pid_t pgid = 0;
    int64_t leader_start = -1;
  };
  struct Recorded {
    pid_t owner = 0;
    int64_t owner_start = -1;
    std::vector<Group> groups;  // by pgid
  };
  static std::optional<Recorded> RecordedGroups(const std::filesystem::path& log);

  // The start time of a process (field 22 of /proc/<pid>/stat, in clock ticks since boot), or
  // -1 when there is no such process.
  static int64_t StartTimeOf(pid_t pid);

  const std::filesystem::path& dir() const { return dir_; }
  // This process's log (empty when it could not be created).
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  struct Live {
    int64_t count = 0;          // `+` lines not yet matched by a `-`
    int64_t leader_start = -1;  // of the latest `+`
  };

  ProcessRecords(std::filesystem::path dir, pid_t owner, int64_t owner_start)
      : dir_(std::move(dir)), owner_(owner), owner_start_(owner_start) {}
  // The header line.
  std::string Header() const;
  // Appends `line` to the log (skipped when it cannot be written), then compacts it when it has
  // grown well past the groups recorded. Requires mutex_.
  void AppendLocked(const std::string& line);
  void CompactLocked();

  const std::filesystem::path dir_;
  const pid_t owner_;
  const int64_t owner_start_;
  std::filesystem::path log_path_;

  std::mutex mutex_;
  int fd_ = -1;                 // the log, open for appending; -1 without one
  bool torn_ = false;           // the last write was cut short: the next line starts afresh
  int64_t lines_ = 0;           // in the log (counted from its last compaction)
  std::map<pid_t, Live> live_;  // the groups recorded
  int64_t live_count_ = 0;      // the sum of their counts
};

}  // namespace pop::local_process
