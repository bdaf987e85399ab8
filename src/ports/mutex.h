// Mutex and MutexLock: std::mutex with Clang thread-safety annotations, so that POP_GUARDED_BY and
// POP_REQUIRES on shared state are checked at compile time (-Wthread-safety, on for every target
// when the compiler is clang; see cmake/PopTargets.cmake). Other compilers see plain wrappers.
// The one annotated mutex of the project: app and adapters use it alike. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>

#include "core/base/time.h"
#include "ports/clock.h"

#if defined(__clang__)
#define POP_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define POP_THREAD_ANNOTATION(x)
#endif

#define POP_CAPABILITY(x) POP_THREAD_ANNOTATION(capability(x))
#define POP_SCOPED_CAPABILITY POP_THREAD_ANNOTATION(scoped_lockable)
#define POP_GUARDED_BY(x) POP_THREAD_ANNOTATION(guarded_by(x))
#define POP_PT_GUARDED_BY(x) POP_THREAD_ANNOTATION(pt_guarded_by(x))
#define POP_REQUIRES(...) POP_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define POP_EXCLUDES(...) POP_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define POP_ACQUIRE(...) POP_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define POP_RELEASE(...) POP_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define POP_TRY_ACQUIRE(...) POP_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define POP_NO_THREAD_SAFETY_ANALYSIS POP_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace pop {

// Satisfies Lockable, so std::condition_variable_any can wait on it directly; Wait() and
// WaitUntil() use the cheaper std::condition_variable.
class POP_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() POP_ACQUIRE() { mu_.lock(); }
  void unlock() POP_RELEASE() { mu_.unlock(); }
  // Never blocks; true when it took the mutex. Not on a mutex the calling thread holds.
  bool try_lock() POP_TRY_ACQUIRE(true) { return mu_.try_lock(); }

  // cv.wait() on this mutex, which the caller holds (and holds again on return). Spurious
  // wake-ups are allowed: callers re-check their condition in a loop.
  void Wait(std::condition_variable& cv) POP_REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    cv.wait(lock);
    lock.release();  // still held: the caller's MutexLock releases it
  }

  // clock.WaitUntil() on this mutex, which the caller holds (and holds again on return): returns
  // when `cv` is notified, at `deadline`, or spuriously.
  void WaitUntil(const Clock& clock, std::condition_variable& cv, Timestamp deadline)
      POP_REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    clock.WaitUntil(cv, lock, deadline);
    lock.release();
  }

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope. Unlock() and Lock() let a loop drop it around slow work; the
// destructor releases it only when held.
class POP_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) POP_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() POP_RELEASE() {
    if (held_) mu_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() POP_RELEASE() {
    mu_.unlock();
    held_ = false;
  }
  void Lock() POP_ACQUIRE() {
    mu_.lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

}  // namespace pop
