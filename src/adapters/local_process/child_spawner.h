// Starting one handler process (docs/handlers.md, "Process"): vfork + exec, so the cost does not
// grow with the executor's memory, with the child's setup done between the two: own process
// group, SIGKILL when its parent thread dies, default signal dispositions and an empty signal
// mask, stdin from /dev/null, stdout and stderr into one pipe, the report pipe as fd 3, every
// other descriptor closed, its own working directory and its resource limits.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/local_process/unique_fd.h"
#include "core/base/result.h"

namespace pop::local_process {

// The report channel's descriptor in the child (POP_REPORT=/dev/fd/3).
inline constexpr int kReportFd = 3;

// One setrlimit of the child (both limits; the child cannot raise them again).
struct ResourceLimit {
  int resource = 0;  // RLIMIT_*
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Everything the child needs, prepared before the spawn.
struct SpawnPlan {
  std::string command;                  // as configured (for messages)
  std::vector<std::string> exec_paths;  // candidates tried in order (PATH lookup done)
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value"
  std::string work_dir;          // the child's working directory; empty: the parent's
  std::vector<ResourceLimit> limits;
};

struct SpawnedChild {
  // Non-zero: no program could be executed (the errno of the last attempt, EACCES preferred);
  // the child has already been reaped and the fields below are empty.
  int exec_errno = 0;
  pid_t pid = -1;   // also its process group id
  UniqueFd pidfd;   // readable once the child has ended
  UniqueFd output;  // stdout and stderr, non-blocking read end
  UniqueFd report;  // the report channel, non-blocking read end
};

// Starts the child. The calling thread must have every signal blocked (the child inherits the
// mask until it resets it) and must outlive the child: the child gets SIGKILL when its parent
// thread ends. `null_fd` is /dev/null open for reading. Errors: kUnavailable when pipes, the
// process or its pidfd cannot be created (descriptor or process limits). When the working
// directory or a limit cannot be set, nothing is executed: exec_errno says why.
[[nodiscard]] Result<SpawnedChild> SpawnChild(const SpawnPlan& plan, int null_fd);

}  // namespace pop::local_process
