// Compiled by tools/check_thread_safety.sh with clang's -Wthread-safety -Werror: every guarded
// member is touched with its mutex held, so this must compile.
#include <condition_variable>

#include "ports/mutex.h"

namespace {

class Counter {
 public:
  void Add() POP_EXCLUDES(mu_) {
    pop::MutexLock lock(mu_);
    ++count_;
    lock.Unlock();
    lock.Lock();
    AddLocked();
    while (count_ < 2) mu_.Wait(cv_);
  }

 private:
  void AddLocked() POP_REQUIRES(mu_) { ++count_; }

  pop::Mutex mu_;
  std::condition_variable cv_;
  int count_ POP_GUARDED_BY(mu_) = 0;
};

}  // namespace

int main() {
  Counter counter;
  counter.Add();
}
