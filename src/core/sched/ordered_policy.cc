#include "core/sched/ordered_policy.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/sched/wait_text.h"

namespace pop::sched {

template <typename Order>
void OrderedPolicy<Order>::Add(Candidate candidate) {
  Remove(candidate.agenda_id);
  tree_.Insert(store_.Insert(std::move(candidate)));
}

template <typename Order>
bool OrderedPolicy<Order>::Remove(std::string_view agenda_id) {
  const SlotId id = store_.Find(agenda_id);
  if (id == kNoSlot) return false;
  tree_.Erase(id);
  store_.Release(id);
  return true;
}

template <typename Order>
std::vector<Candidate> OrderedPolicy<Order>::PopBatch(size_t count) {
  std::vector<Candidate> popped;
  popped.reserve(std::min(count, store_.size()));
  while (popped.size() < count && !tree_.empty()) {
    popped.push_back(store_.Release(tree_.PopFirst()));
  }
  return popped;
}

template class OrderedPolicy<FifoOrder>;
template class OrderedPolicy<PriorityOrder>;

std::optional<WaitReason> FifoPolicy::Explain(std::string_view agenda_id) const {
  const SlotId id = store_.Find(agenda_id);
  if (id == kNoSlot) return std::nullopt;
  const size_t ahead = tree_.Rank(id);
  if (ahead == 0) return WaitReason{0, "next to be queued (FirstInFirstOut)"};
  return WaitReason{ahead, CountOf(ahead, "older agenda", "older agendas") + " " +
                               std::string(IsAre(ahead)) + " ahead (FirstInFirstOut)"};
}

std::optional<WaitReason> PriorityPolicy::Explain(std::string_view agenda_id) const {
  const SlotId id = store_.Find(agenda_id);
  if (id == kNoSlot) return std::nullopt;
  const int64_t priority = store_.at(id).priority;
  const size_t ahead = tree_.Rank(id);
  const size_t higher =
      tree_.CountPrefix([priority](const Slot& slot) { return slot.priority > priority; });
  const size_t same = ahead - higher;
  std::string reason = "priority " + std::to_string(priority) + "; ";
  if (ahead == 0) {
    reason += "next to be queued";
  } else if (same == 0) {
    reason += CountOf(higher, "agenda", "agendas") + " with higher priority " +
              std::string(IsAre(higher)) + " ahead";
  } else if (higher == 0) {
    reason += CountOf(same, "older agenda", "older agendas") + " of the same priority " +
              std::string(IsAre(same)) + " ahead";
  } else {
    reason += CountOf(higher, "agenda", "agendas") + " with higher priority and " +
              CountOf(same, "older agenda", "older agendas") + " of the same priority are ahead";
  }
  return WaitReason{ahead, reason + " (Priority)"};
}

}  // namespace pop::sched
