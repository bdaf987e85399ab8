// Compiled by tools/check_thread_safety.sh with clang's -Wthread-safety -Werror: each function
// below breaks a lock annotation, so this must NOT compile (the script expects one diagnostic
// per function).
#include "ports/mutex.h"

namespace {

class Counter {
 public:
  void WriteWithoutTheMutex() { ++count_; }
  void WriteAfterUnlock() {
    pop::MutexLock lock(mu_);
    lock.Unlock();
    ++count_;
  }
  void CallWithoutTheMutex() { AddLocked(); }

 private:
  void AddLocked() POP_REQUIRES(mu_) { ++count_; }

  pop::Mutex mu_;
  int count_ POP_GUARDED_BY(mu_) = 0;
};

}  // namespace

int main() {
  Counter counter;
  counter.WriteWithoutTheMutex();
  counter.WriteAfterUnlock();
  counter.CallWithoutTheMutex();
}
