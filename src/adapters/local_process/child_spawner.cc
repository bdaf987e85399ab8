#include "adapters/local_process/child_spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

namespace pop::local_process {
namespace {

// The vfork child below runs on the parent's memory and stack. Sanitizer instrumentation there
// would update the parent's sanitizer state (and the vfork child may not return to clean it
// up), so it is compiled without; under TSan, vfork is a fork anyway.
#if defined(__clang__) || defined(__GNUC__)
#define POP_CHILD_CODE __attribute__((no_sanitize("address", "thread", "undefined"), noinline))
#else
#define POP_CHILD_CODE
#endif

// Under ThreadSanitizer vfork() is a fork(): the child's writes do not reach the parent and the
// parent does not wait for the exec, so the outcome of the exec travels through a pipe instead
// of shared memory.
#if defined(__SANITIZE_THREAD__)
#define POP_VFORK_IS_FORK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define POP_VFORK_IS_FORK 1
#endif
#endif
#ifndef POP_VFORK_IS_FORK
#define POP_VFORK_IS_FORK 0
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// The kernel's struct sigaction for rt_sigaction (x86_64 and arm64 layout), so the child can
// reset dispositions without going through libc's (and sanitizers') sigaction wrappers.
struct KernelSigaction {
  void* handler;
  unsigned long flags;  // NOLINT(google-runtime-int): the kernel's type
  void* restorer;
  uint64_t mask;
};
constexpr long kKernelSignals = 64;                    // NOLINT(google-runtime-int)
constexpr long kKernelSigsetBytes = sizeof(uint64_t);  // NOLINT(google-runtime-int)

// The kernel's struct rlimit64 for prlimit64.
struct KernelRlimit {
  uint64_t soft;
  uint64_t hard;
};

struct ChildSetup {
  const char* work_dir;  // null: stay in the parent's
  const ResourceLimit* limits;
  size_t limit_count;
  const char* const* exec_paths;  // null-terminated
  char* const* argv;
  char* const* envp;
  int null_fd;
  int output_fd;
  int report_fd;
  // The errno when no exec succeeds: written to `exec_error` (vfork: shared memory, read once
  // the parent resumes), or to the close-on-exec pipe `error_fd` (fork: end of file = success).
  volatile int* exec_error;
  int error_fd;
  pid_t parent_pid;
};

[[noreturn]] POP_CHILD_CODE void ExitChild(const ChildSetup& setup, int error) {
  if (POP_VFORK_IS_FORK) {
    syscall(SYS_write, setup.error_fd, &error, sizeof error);
  } else {
    *setup.exec_error = error;
  }
  syscall(SYS_exit_group, 127);
  __builtin_unreachable();
}

// Only raw system calls: no allocation, no locks, no libc state, no return.
[[noreturn]] POP_CHILD_CODE void RunChild(const ChildSetup& setup) {
  // Handlers start with default dispositions (an executor that ignores SIGPIPE must not pass
  // that on); resetting them before unblocking also keeps the parent's handlers from running
  // on the shared memory.
  KernelSigaction default_action{nullptr, 0, nullptr, 0};
  for (long signal = 1; signal <= kKernelSignals; ++signal) {  // NOLINT(google-runtime-int)
    syscall(SYS_rt_sigaction, signal, &default_action, nullptr, kKernelSigsetBytes);
  }
  syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (syscall(SYS_getppid) != setup.parent_pid) {
    ExitChild(setup, ESRCH);  // the executor died before PR_SET_PDEATHSIG took effect
  }
  syscall(SYS_setpgid, 0, 0);
  // Every source descriptor is above kReportFd (SpawnChild sees to it), so no dup3 below
  // overwrites a descriptor a later one still needs.
  if (syscall(SYS_dup3, setup.null_fd, STDIN_FILENO, 0) < 0 ||
      syscall(SYS_dup3, setup.output_fd, STDOUT_FILENO, 0) < 0 ||
      syscall(SYS_dup3, setup.output_fd, STDERR_FILENO, 0) < 0 ||
      syscall(SYS_dup3, setup.report_fd, kReportFd, 0) < 0) {
    ExitChild(setup, errno);
  }
#ifdef SYS_close_range
  // Whatever the rest of the process left inheritable stays out of the handler.
  syscall(SYS_close_range, kReportFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
  if (setup.work_dir != nullptr && syscall(SYS_chdir, setup.work_dir) != 0) {
    ExitChild(setup, errno);
  }
  // Last, so that the descriptors above exist whatever openFiles says.
  for (size_t index = 0; index < setup.limit_count; ++index) {
    const ResourceLimit& limit = setup.limits[index];
    KernelRlimit value{limit.soft, limit.hard};
    if (syscall(SYS_prlimit64, 0, limit.resource, &value, nullptr) != 0) {
      ExitChild(setup, errno);
    }
  }
  uint64_t empty_mask = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, nullptr, kKernelSigsetBytes);
  int error = ENOENT;
  for (const char* const* path = setup.exec_paths; *path != nullptr; ++path) {
    syscall(SYS_execve, *path, setup.argv, setup.envp);
    int attempt = errno;
    if (attempt == EACCES) {
      error = EACCES;  // like execvp: remember it, and report it if nothing else works
    } else if (attempt == ENOENT || attempt == ENOTDIR) {
      if (error != EACCES) {
        error = attempt;
      }
    } else {
      error = attempt;
      break;
    }
  }
  ExitChild(setup, error);
}

// vfork keeps a spawn as cheap as posix_spawn whatever the executor's size. A separate function
// so that nothing of the caller's frame is live across the vfork.
POP_CHILD_CODE pid_t VforkAndRun(const ChildSetup& setup) {
  pid_t pid = vfork();
  if (pid == 0) {
    RunChild(setup);
  }
  return pid;
}

Error SystemError(const std::string& what, int error) {
  const char* description = strerrordesc_np(error);
  return Error(ErrorCode::kUnavailable,
               "cannot start a handler: " + what + ": " +
                   (description != nullptr ? description : std::to_string(error)));
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return SystemError("pipe2", errno);
  }
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Moves `fd` above kReportFd (it is one of the child's sources, see RunChild).
Status MoveAboveReportFd(UniqueFd& fd) {
  if (fd.get() > kReportFd) {
    return Status::Ok();
  }
  int moved = fcntl(fd.get(), F_DUPFD_CLOEXEC, kReportFd + 1);
  if (moved < 0) {
    return SystemError("fcntl", errno);
  }
  fd.Reset(moved);
  return Status::Ok();
}

Status SetNonBlocking(const UniqueFd& fd) {
  int flags = fcntl(fd.get(), F_GETFL);
  if (flags < 0 || fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
    return SystemError("fcntl", errno);
  }
  return Status::Ok();
}

void KillAndReap(pid_t pid) {
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::vector<char*> Pointers(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& text : strings) {
    pointers.push_back(const_cast<char*>(text.c_str()));  // execve does not write them
  }
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

Result<SpawnedChild> SpawnChild(const SpawnPlan& plan, int null_fd) {
  POP_ASSIGN_OR_RETURN(Pipe output, MakePipe());
  POP_ASSIGN_OR_RETURN(Pipe report, MakePipe());
  Pipe error;  // only when vfork is a fork
  if (POP_VFORK_IS_FORK) {
    POP_ASSIGN_OR_RETURN(error, MakePipe());
    POP_RETURN_IF_ERROR(MoveAboveReportFd(error.write));
  }
  POP_RETURN_IF_ERROR(MoveAboveReportFd(output.write));
  POP_RETURN_IF_ERROR(MoveAboveReportFd(report.write));
  POP_RETURN_IF_ERROR(SetNonBlocking(output.read));
  POP_RETURN_IF_ERROR(SetNonBlocking(report.read));

  std::vector<char*> exec_paths = Pointers(plan.exec_paths);
  std::vector<char*> argv = Pointers(plan.argv);
  std::vector<char*> envp = Pointers(plan.env);
  volatile int exec_errno = 0;
  ChildSetup setup{plan.work_dir.empty() ? nullptr : plan.work_dir.c_str(),
                   plan.limits.data(),
                   plan.limits.size(),
                   exec_paths.data(),
                   argv.data(),
                   envp.data(),
                   null_fd,
                   output.write.get(),
                   report.write.get(),
                   &exec_errno,
                   error.write.get(),
                   getpid()};
  pid_t pid = VforkAndRun(setup);
  if (pid < 0) {
    return SystemError("vfork", errno);
  }
  // vfork: the child has exec'd or exited by now.
  output.write.Reset();
  report.write.Reset();
  if (POP_VFORK_IS_FORK) {
    error.write.Reset();
    int received = 0;
    ssize_t got = -1;
    do {
      got = read(error.read.get(), &received, sizeof received);
    } while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof received)) {
      exec_errno = received != 0 ? received : ENOEXEC;
    }
  }
  if (exec_errno != 0) {
    KillAndReap(pid);
    SpawnedChild failed;
    failed.exec_errno = exec_errno;
    return failed;
  }

  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int pidfd_errno = errno;
    KillAndReap(pid);
    return SystemError("pidfd_open", pidfd_errno);
  }
  SpawnedChild child;
  child.pid = pid;
  child.pidfd.Reset(pidfd);
  child.output = std::move(output.read);
  child.report = std::move(report.read);
  return child;
}

}  // namespace pop::local_process
