// FakeClock: a Clock whose time moves only when a test says so. WaitUntil returns when the fake
// time reaches the deadline (after Advance/Set) or the condition variable is notified.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "ports/clock.h"

namespace pop::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = Timestamp::FromMillis(1'600'000'000'000))
      : now_ms_(start.millis()) {}

  Timestamp Now() const override { return Timestamp::FromMillis(now_ms_.load()); }

  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 Timestamp deadline) const override {
    if (Now() >= deadline) return;
    {
      std::lock_guard<std::mutex> guard(waiters_mu_);
      waiters_.push_back(&cv);
    }
    // The caller's mutex cannot be taken by Advance(), so a notification could slip in between
    // our time check and the wait; waking every millisecond of real time to re-check bounds that.
    cv.wait_for(lock, std::chrono::milliseconds(1));
    std::lock_guard<std::mutex> guard(waiters_mu_);
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &cv));
  }

  void Advance(Duration d) {
    now_ms_ += d.millis();
    WakeWaiters();
  }
  void Set(Timestamp t) {
    now_ms_ = t.millis();
    WakeWaiters();
  }

 private:
  void WakeWaiters() {
    std::lock_guard<std::mutex> guard(waiters_mu_);
    for (auto* cv : waiters_) cv->notify_all();
  }

  std::atomic<int64_t> now_ms_;
  mutable std::mutex waiters_mu_;
  mutable std::vector<std::condition_variable*> waiters_;
};

}  // namespace pop::testing
