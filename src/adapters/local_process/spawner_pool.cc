#include "adapters/local_process/spawner_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

#include <string>
#include <system_error>
#include <utility>

namespace pop::local_process {
namespace {

Error Unavailable(const std::string& what, int error) {
  const char* description = strerrordesc_np(error);
  return Error(ErrorCode::kUnavailable, "process launcher: " + what + ": " +
                                            (description != nullptr ? description : "error"));
}

}  // namespace

Result<std::unique_ptr<SpawnerPool>> SpawnerPool::Start(size_t threads) {
  UniqueFd null_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_fd.valid()) {
    return Unavailable("open /dev/null", errno);
  }
  // Above the descriptors a child's setup overwrites (see child_spawner.cc).
  if (null_fd.get() <= kReportFd) {
    null_fd.Reset(fcntl(null_fd.get(), F_DUPFD_CLOEXEC, kReportFd + 1));
    if (!null_fd.valid()) {
      return Unavailable("fcntl", errno);
    }
  }
  std::unique_ptr<SpawnerPool> pool(new SpawnerPool(std::move(null_fd)));
  try {
    for (size_t index = 0; index < threads; ++index) {
      pool->threads_.emplace_back([raw = pool.get()] { raw->Loop(); });
    }
  } catch (const std::system_error& error) {
    pool->Stop();  // the threads that did start
    return Error(ErrorCode::kUnavailable,
                 std::string("process launcher: cannot start its threads: ") + error.what());
  }
  return pool;
}

SpawnerPool::~SpawnerPool() { Stop(); }

void SpawnerPool::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  for (std::thread& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

Result<SpawnedChild> SpawnerPool::Spawn(const SpawnPlan& plan) {
  if (threads_.empty()) {
    {
      MutexLock lock(mu_);
      if (stopping_) {
        return Error(ErrorCode::kUnavailable, "the process launcher is shut down");
      }
    }
    // SpawnChild's precondition: the vfork child must not run this process's handlers on the
    // shared memory before it has reset them.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    Result<SpawnedChild> child = SpawnChild(plan, null_fd_.get());
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return child;
  }
  Request request{&plan, {}};
  std::future<Result<SpawnedChild>> done = request.done.get_future();
  {
    MutexLock lock(mu_);
    if (stopping_) {
      return Error(ErrorCode::kUnavailable, "the process launcher is shut down");
    }
    queue_.push_back(&request);
  }
  work_cv_.notify_one();
  return done.get();
}

void SpawnerPool::Loop() {
  // The vfork child inherits this thread's mask and must not run the process's signal handlers
  // on the shared memory before it has reset them (child_spawner.cc); process-directed signals
  // go to other threads.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  while (true) {
    Request* request = nullptr;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_) {
        mu_.Wait(work_cv_);
      }
      if (queue_.empty()) {
        return;  // stopping_, and every queued spawn is done
      }
      request = queue_.front();
      queue_.pop_front();
    }
    request->done.set_value(SpawnChild(*request->plan, null_fd_.get()));
  }
}

}  // namespace pop::local_process
