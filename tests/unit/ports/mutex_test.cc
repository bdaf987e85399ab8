// The annotated Mutex of ports/mutex.h: MutexLock's scope, Unlock()/Lock(), and the waits that
// hand the mutex to a condition variable and hold it again on return.
#include "ports/mutex.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <thread>

#include "fakes/fake_clock.h"

namespace pop {
namespace {

// Whether another thread could take `mu` now (try_lock on the owning thread is undefined).
bool FreeForAnotherThread(Mutex& mu) {
  return std::async(std::launch::async,
                    [&mu] {
                      if (!mu.try_lock()) return false;
                      mu.unlock();
                      return true;
                    })
      .get();
}

TEST(MutexTest, MutexLockHoldsTheMutexForItsScope) {
  Mutex mu;
  {
    MutexLock lock(mu);
    EXPECT_FALSE(FreeForAnotherThread(mu));
  }
  EXPECT_TRUE(FreeForAnotherThread(mu));
}

TEST(MutexTest, UnlockReleasesAndLockTakesItAgain) {
  Mutex mu;
  MutexLock lock(mu);
  lock.Unlock();
  EXPECT_TRUE(FreeForAnotherThread(mu));
  lock.Lock();
  EXPECT_FALSE(FreeForAnotherThread(mu));
}

TEST(MutexTest, DestructorAfterUnlockLeavesTheMutexAlone) {
  Mutex mu;
  {
    MutexLock lock(mu);
    lock.Unlock();
    mu.lock();  // taken by hand; the destructor must not release it
  }
  EXPECT_FALSE(FreeForAnotherThread(mu));
  mu.unlock();
}

TEST(MutexTest, WaitReturnsAfterANotificationWithTheMutexHeld) {
  Mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::thread notifier([&] {
    MutexLock lock(mu);
    ready = true;
    cv.notify_all();
  });
  {
    MutexLock lock(mu);
    while (!ready) mu.Wait(cv);
    EXPECT_TRUE(ready);
    EXPECT_FALSE(FreeForAnotherThread(mu));
  }
  notifier.join();
}

TEST(MutexTest, WaitUntilReturnsAtTheClocksDeadlineWithTheMutexHeld) {
  Mutex mu;
  std::condition_variable cv;
  testing::FakeClock clock;
  const Timestamp deadline = clock.Now() + Duration::Seconds(5);
  std::thread advancer([&] { clock.Advance(Duration::Seconds(5)); });
  {
    MutexLock lock(mu);
    while (clock.Now() < deadline) mu.WaitUntil(clock, cv, deadline);
    EXPECT_GE(clock.Now(), deadline);
    EXPECT_FALSE(FreeForAnotherThread(mu));
  }
  advancer.join();
  EXPECT_TRUE(FreeForAnotherThread(mu));
}

}  // namespace
}  // namespace pop
