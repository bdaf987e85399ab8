#include "app/thread_cache.h"

#include <utility>

namespace pop::app {

void ThreadCache::Task::Join() {
  if (done_ == nullptr) return;
  {
    MutexLock lock(done_->mu);
    while (!done_->done) done_->mu.Wait(done_->cv);
  }
  done_.reset();
}

ThreadCache::ThreadCache(size_t max_idle) : max_idle_(max_idle) {}

ThreadCache::~ThreadCache() {
  std::map<std::thread::id, std::thread> threads;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    work_cv_.notify_all();
    // A thread still running a task returns from Loop when the task ends.
    while (exited_.size() != threads_.size()) mu_.Wait(exit_cv_);
    threads.swap(threads_);
    exited_.clear();
  }
  for (auto& [id, thread] : threads) thread.join();
}

size_t ThreadCache::threads() const {
  MutexLock lock(mu_);
  return threads_.size() - exited_.size();
}

ThreadCache::Task ThreadCache::Run(std::function<void()> task) {
  auto done = std::make_shared<Task::Done>();
  Work work{std::move(task), done};
  std::vector<std::thread> to_join;
  {
    MutexLock lock(mu_);
    to_join = TakeExitedLocked();
    if (idle_ > queue_.size()) {
      queue_.push_back(std::move(work));
      work_cv_.notify_one();
    } else {
      std::thread thread([this, first = std::move(work)]() mutable { Loop(std::move(first)); });
      const std::thread::id id = thread.get_id();
      threads_.emplace(id, std::move(thread));
    }
  }
  for (std::thread& thread : to_join) thread.join();
  return Task(std::move(done));
}

void ThreadCache::Loop(Work work) {
  for (;;) {
    work.fn();
    // The task's captures go before its end is announced: whoever joins may free what they
    // point to.
    work.fn = nullptr;
    MutexLock lock(mu_);
    // Decided before the end is announced, so that a caller who joins and runs the next task
    // finds this thread idle (or gone), never in between.
    const bool exit = stopping_ || idle_ >= max_idle_;
    if (exit) {
      ExitLocked();
    } else {
      ++idle_;
    }
    {
      MutexLock done_lock(work.done->mu);
      work.done->done = true;
    }
    work.done->cv.notify_all();
    work.done.reset();
    if (exit) return;
    while (queue_.empty() && !stopping_) mu_.Wait(work_cv_);
    --idle_;
    if (queue_.empty()) return ExitLocked();
    work = std::move(queue_.front());
    queue_.pop_front();
  }
}

void ThreadCache::ExitLocked() {
  exited_.push_back(std::this_thread::get_id());
  exit_cv_.notify_all();
}

std::vector<std::thread> ThreadCache::TakeExitedLocked() {
  std::vector<std::thread> out;
  for (const std::thread::id& id : exited_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    out.push_back(std::move(it->second));
    threads_.erase(it);
  }
  exited_.clear();
  return out;
}

}  // namespace pop::app
