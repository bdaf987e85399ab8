#include "app/worker_pool.h"

#include <utility>

namespace pop::app {

WorkerPool::WorkerPool(size_t max_threads) : max_threads_(max_threads) {}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Submit(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    tasks_.push_back(std::move(task));
    // An idle thread that was notified but has not woken yet still counts as idle: it takes one
    // of the queued tasks, so a new thread is needed only for the tasks beyond the idle ones.
    if (!stopping_ && tasks_.size() > idle_ && threads_.size() < max_threads_) {
      threads_.emplace_back(&WorkerPool::Run, this);
      return;
    }
  }
  cv_.notify_one();
}

void WorkerPool::Stop() {
  std::vector<std::thread> threads;
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    threads.swap(threads_);  // no thread starts once stopping_ is set
  }
  cv_.notify_all();
  for (auto& thread : threads) thread.join();
}

size_t WorkerPool::threads() const {
  MutexLock lock(mu_);
  return threads_.size();
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      while (!stopping_ && tasks_.empty()) {
        ++idle_;
        mu_.Wait(cv_);
        --idle_;
      }
      if (tasks_.empty()) return;  // stopping, and every queued task has run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace pop::app
