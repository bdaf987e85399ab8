// ThreadCache: runs every task on a thread of its own at once, like std::thread, but a thread
// that finished a task waits for the next one instead of exiting, so a busy puller does not
// create (and tear down) two threads per Agenda. Unlike WorkerPool no task ever waits for a free
// thread: executors and their reporters block for as long as their Agenda runs. At most
// `max_idle` threads wait for work; more exit when their task ends. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "ports/mutex.h"

namespace pop::app {

class ThreadCache {
 public:
  // The end of one task: Join() blocks until it has returned. Movable; Join() at most once.
  class Task {
   public:
    Task() = default;
    bool joinable() const { return done_ != nullptr; }
    void Join();

   private:
    friend class ThreadCache;
    struct Done {
      Mutex mu;
      std::condition_variable cv;
      bool done POP_GUARDED_BY(mu) = false;
    };
    explicit Task(std::shared_ptr<Done> done) : done_(std::move(done)) {}
    std::shared_ptr<Done> done_;
  };

  explicit ThreadCache(size_t max_idle);
  // Waits for every running task to end, then joins every thread.
  ~ThreadCache();
  ThreadCache(const ThreadCache&) = delete;
  ThreadCache& operator=(const ThreadCache&) = delete;

  Task Run(std::function<void()> task);

  size_t threads() const;  // alive now: running a task or idle

 private:
  struct Work {
    std::function<void()> fn;
    std::shared_ptr<Task::Done> done;
  };
  void Loop(Work work);
  // Called with mu_ held by a thread about to return from Loop.
  void ExitLocked() POP_REQUIRES(mu_);
  // Takes the threads that have returned from Loop out of threads_, to be joined without mu_.
  std::vector<std::thread> TakeExitedLocked() POP_REQUIRES(mu_);

  const size_t max_idle_;
  mutable Mutex mu_;
  std::condition_variable work_cv_;             // queue_ gained work, or stopping_
  std::condition_variable exit_cv_;             // a thread returned from Loop
  std::deque<Work> queue_ POP_GUARDED_BY(mu_);  // taken by idle threads
  size_t idle_ POP_GUARDED_BY(mu_) = 0;         // threads waiting in Loop
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  // Alive or not yet joined.
  std::map<std::thread::id, std::thread> threads_ POP_GUARDED_BY(mu_);
  std::vector<std::thread::id> exited_ POP_GUARDED_BY(mu_);  // returned, not joined
};

}  // namespace pop::app
