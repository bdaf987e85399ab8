// WorkerPool: a fixed set of threads running submitted tasks, shared by the executors of a
// puller so that many Agendas do not each start their own threads. Start()/Stop(); Stop runs
// the tasks already queued, then joins. Thread-safe.
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
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  void Stop();  // idempotent

 private:
  void Run();

  Mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_ POP_GUARDED_BY(mu_);
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace pop::app
