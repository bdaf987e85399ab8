#include "app/running_agendas.h"

namespace pop::app {

void RunningAgendas::Add(const std::string& agenda_id, Executor* executor) {
  MutexLock lock(mu_);
  running_.emplace(agenda_id, executor);
}

void RunningAgendas::Remove(const std::string& agenda_id, const Executor* executor) {
  MutexLock lock(mu_);
  auto [begin, end] = running_.equal_range(agenda_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second == executor) {
      running_.erase(it);
      return;
    }
  }
}

bool RunningAgendas::Cancel(const std::string& agenda_id) {
  MutexLock lock(mu_);
  auto [begin, end] = running_.equal_range(agenda_id);
  bool found = false;
  for (auto it = begin; it != end; ++it) {
    it->second->Cancel(/*user_requested=*/true);
    found = true;
  }
  return found;
}

bool RunningAgendas::SetPaused(const std::string& agenda_id, bool paused) {
  MutexLock lock(mu_);
  auto [begin, end] = running_.equal_range(agenda_id);
  bool found = false;
  for (auto it = begin; it != end; ++it) {
    it->second->SetPaused(paused);
    found = true;
  }
  return found;
}

}  // namespace pop::app
