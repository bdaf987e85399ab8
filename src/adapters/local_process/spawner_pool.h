// SpawnerPool: a few long-lived threads that start handler processes (child_spawner.h) for the
// launching threads. An exec keeps its parent thread blocked for a while (about 0.7 ms on a
// small VM), so a few spawns run side by side. The threads exist because PR_SET_PDEATHSIG fires
// when the child's parent *thread* ends: a child started on a caller's short-lived thread would
// be killed with it. The pool must therefore outlive every child it started (ProcessLauncher
// reaps them all before stopping it). A pool of no threads spawns on the calling thread instead
// (no hand-off to another thread and back), for callers that outlive every child they start.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/local_process/child_spawner.h"
#include "adapters/local_process/unique_fd.h"
#include "core/base/result.h"
#include "ports/mutex.h"

namespace pop::local_process {

class SpawnerPool {
 public:
  // `threads` 0: Spawn() runs on the calling thread. Errors: kUnavailable when /dev/null or the
  // threads cannot be had.
  [[nodiscard]] static Result<std::unique_ptr<SpawnerPool>> Start(size_t threads);
  ~SpawnerPool();  // Stop()
  SpawnerPool(const SpawnerPool&) = delete;
  SpawnerPool& operator=(const SpawnerPool&) = delete;

  // SpawnChild(plan) on a pool thread, or on this one (with every signal blocked meanwhile) when
  // the pool has none; blocks until it is done. Without threads, the child gets SIGKILL when the
  // calling thread ends. Errors: those of SpawnChild; kUnavailable after Stop().
  [[nodiscard]] Result<SpawnedChild> Spawn(const SpawnPlan& plan);
  // Refuses new spawns, finishes the queued ones and joins the threads. Idempotent.
  void Stop();

 private:
  struct Request {
    const SpawnPlan* plan;
    std::promise<Result<SpawnedChild>> done;
  };

  explicit SpawnerPool(UniqueFd null_fd) : null_fd_(std::move(null_fd)) {}
  void Loop();

  const UniqueFd null_fd_;  // /dev/null, every child's stdin

  Mutex mu_;
  std::condition_variable work_cv_;  // queue_ gained an entry, or stopping_
  std::deque<Request*> queue_ POP_GUARDED_BY(mu_);
  bool stopping_ POP_GUARDED_BY(mu_) = false;

  std::mutex join_mu_;  // serialises Stop()'s joins
  std::vector<std::thread> threads_;
};

}  // namespace pop::local_process
