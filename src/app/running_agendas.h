// RunningAgendas: which Agendas the executors of this process are running, so that a cancel, a
// pause or a resume the server has just recorded reaches them at once instead of at their next
// progress report (`pop dev`, where the server and the puller share a process). Pullers in other
// processes learn a cancel from the 409 answer to their next report, and a pause or resume from
// that report's answer. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "app/executor.h"
#include "ports/mutex.h"

namespace pop::app {

class RunningAgendas {
 public:
  // `executor` runs `agenda_id` until Remove; it must stay alive until then.
  void Add(const std::string& agenda_id, Executor* executor);
  void Remove(const std::string& agenda_id, const Executor* executor);

  // Cancels the executor running `agenda_id` as a user's cancel (Executor::Cancel): its handlers
  // are terminated and nothing new starts. Returns whether one was running it here.
  bool Cancel(const std::string& agenda_id);
  // Pauses (the executor starts no new operation) or resumes (it starts the ready ones at once)
  // the executors running `agenda_id` here (Executor::SetPaused). Returns whether one was.
  bool SetPaused(const std::string& agenda_id, bool paused);

 private:
  Mutex mu_;
  // By agenda id; an Executor is removed (under mu_) before it is destroyed, so Cancel may call
  // into it while holding mu_.
  std::multimap<std::string, Executor*> running_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::app
