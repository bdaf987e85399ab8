#include "app/thread_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <vector>

namespace pop::app {
namespace {

TEST(ThreadCacheTest, JoinWaitsForTheTaskToReturn) {
  ThreadCache cache(2);
  std::latch release(1);
  std::atomic<bool> returned{false};
  ThreadCache::Task task = cache.Run([&] {
    release.wait();
    returned = true;
  });
  EXPECT_TRUE(task.joinable());
  EXPECT_FALSE(returned.load());
  release.count_down();
  task.Join();
  EXPECT_TRUE(returned.load());
  EXPECT_FALSE(task.joinable());
  task.Join();  // a second Join does nothing
}

TEST(ThreadCacheTest, EveryTaskRunsAtOnceWithoutWaitingForAnother) {
  // Each task blocks until all of them have started: a cache that ran tasks on a bounded set of
  // threads would never finish this test.
  constexpr int kTasks = 40;
  ThreadCache cache(4);
  std::latch all_started(kTasks);
  std::vector<ThreadCache::Task> tasks;
  for (int i = 0; i < kTasks; ++i)
    tasks.push_back(cache.Run([&] { all_started.arrive_and_wait(); }));
  for (ThreadCache::Task& task : tasks) task.Join();
  // The threads beyond the idle limit exited when their task ended.
  EXPECT_EQ(cache.threads(), 4u);
}

TEST(ThreadCacheTest, SequentialTasksReuseThreads) {
  ThreadCache cache(4);
  int ran = 0;
  for (int i = 0; i < 200; ++i) cache.Run([&] { ++ran; }).Join();
  EXPECT_EQ(ran, 200);
  // A joined task's thread is already idle when Join returns: one thread ran all of them.
  EXPECT_EQ(cache.threads(), 1u);
}

TEST(ThreadCacheTest, TheTaskAndItsCapturesAreGoneWhenJoinReturns) {
  ThreadCache cache(1);
  auto shared = std::make_shared<int>(7);
  std::weak_ptr<int> watch = shared;
  ThreadCache::Task task = cache.Run([held = std::move(shared)] { EXPECT_EQ(*held, 7); });
  task.Join();
  EXPECT_TRUE(watch.expired());
}

TEST(ThreadCacheTest, DestructionEndsIdleThreads) {
  auto cache = std::make_unique<ThreadCache>(8);
  std::vector<ThreadCache::Task> tasks;
  for (int i = 0; i < 8; ++i) tasks.push_back(cache->Run([] {}));
  for (ThreadCache::Task& task : tasks) task.Join();
  cache.reset();  // joins every thread; a leak or a hang here fails the test (and ASan)
  SUCCEED();
}

}  // namespace
}  // namespace pop::app
