// Mutex and MutexLock: std::mutex with Clang thread-safety annotations, so that GUARDED_BY and
// REQUIRES on the process launcher's shared state are checked at compile time (-Wthread-safety).
// Other compilers see plain wrappers. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define POP_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define POP_THREAD_ANNOTATION(x)
#endif

#define POP_CAPABILITY(x) POP_THREAD_ANNOTATION(capability(x))
#define POP_SCOPED_CAPABILITY POP_THREAD_ANNOTATION(scoped_lockable)
#define POP_GUARDED_BY(x) POP_THREAD_ANNOTATION(guarded_by(x))
#define POP_REQUIRES(...) POP_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define POP_EXCLUDES(...) POP_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define POP_ACQUIRE(...) POP_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define POP_RELEASE(...) POP_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace pop::local_process {

// Satisfies BasicLockable, so std::condition_variable_any can wait on it directly; Wait() uses
// the cheaper std::condition_variable.
class POP_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() POP_ACQUIRE() { mu_.lock(); }
  void unlock() POP_RELEASE() { mu_.unlock(); }

  // cv.wait() on this mutex, which the caller holds (and holds again on return).
  void Wait(std::condition_variable& cv) POP_REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    cv.wait(lock);
    lock.release();  // still held: the caller's MutexLock releases it
  }

 private:
  std::mutex mu_;
};

class POP_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) POP_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() POP_RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace pop::local_process
