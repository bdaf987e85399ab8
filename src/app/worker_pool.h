// WorkerPool: a bounded set of threads running submitted tasks, shared by the executors of a
// puller so that many Agendas do not each start their own threads. Threads start on demand (a
// task that finds no idle thread starts one, up to the bound) and stay until Stop(), so an idle
// server holds none and a busy one keeps the threads it needed. Start()/Stop(); Stop runs the
// tasks already queued, then joins. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "ports/mutex.h"

namespace pop::app {

class WorkerPool {
 public:
  // At most `max_threads` tasks run at once; more wait in order.
  explicit WorkerPool(size_t max_threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  void Stop();  // idempotent

  size_t threads() const;  // started so far

 private:
  void Run();

  const size_t max_threads_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_ POP_GUARDED_BY(mu_);
  size_t idle_ POP_GUARDED_BY(mu_) = 0;  // threads waiting for a task
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::app
