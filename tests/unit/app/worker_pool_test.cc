#include "app/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>

namespace pop::app {
namespace {

TEST(WorkerPoolTest, StartsNoThreadBeforeTheFirstTask) {
  WorkerPool pool(50);
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(WorkerPoolTest, StartsAThreadForEachTaskThatFindsNoIdleOne) {
  // Each task blocks until all three have started: three threads are needed, and no more.
  constexpr int kTasks = 3;
  WorkerPool pool(50);
  std::latch all_started(kTasks);
  for (int i = 0; i < kTasks; ++i) pool.Submit([&] { all_started.arrive_and_wait(); });
  all_started.wait();
  EXPECT_EQ(pool.threads(), 3u);
  pool.Stop();
}

TEST(WorkerPoolTest, RunsEveryQueuedTaskOnAtMostItsBound) {
  WorkerPool pool(2);
  std::latch release(1);
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) {
    pool.Submit([&] {
      release.wait();
      ++ran;
    });
  }
  EXPECT_EQ(pool.threads(), 2u);
  release.count_down();
  pool.Stop();  // runs what is queued, then joins
  EXPECT_EQ(ran.load(), 10);
}

}  // namespace
}  // namespace pop::app
