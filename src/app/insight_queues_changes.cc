// InsightQueues, the changes of the store: what this server's use cases publish, what other
// servers sharing the store commit (through the change feed), and the re-read after the feed
// may have missed some (OnResync). The rest of the class is in insight_queues.cc.
#include <algorithm>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "app/insight_queues.h"

namespace pop::app {
namespace {

constexpr size_t kUnlimited = std::numeric_limits<int32_t>::max();

}  // namespace

bool InsightQueues::LiveLease(const ReadyAgenda& row, Timestamp now) {
  return row.claimed_by && row.lease_until && *row.lease_until > now;
}

void InsightQueues::DetachLocked(Queue& queue, const std::string& agenda_id) {
  if (auto delayed = queue.delayed.find(agenda_id); delayed != queue.delayed.end()) {
    delayed_order_.erase({*delayed->second.not_before, agenda_id});
    queue.delayed.erase(delayed);
  }
  queue.paused.erase(agenda_id);
  queue.policy->Remove(agenda_id);
  auto queued = std::find_if(queue.queued.begin(), queue.queued.end(),
                             [&](const Entry& e) { return e.agenda_id == agenda_id; });
  if (queued != queue.queued.end()) queue.queued.erase(queued);
  if (auto lease = queue.claimed.find(agenda_id); lease != queue.claimed.end()) {
    lease_order_.erase({lease->second.until, agenda_id});
    queue.claimed.erase(lease);
  }
}

void InsightQueues::RecordLeaseLocked(Queue& queue, Entry entry, const std::string& claimer,
                                      Timestamp until) {
  std::string agenda_id = entry.agenda_id;
  DetachLocked(queue, agenda_id);
  lease_order_.emplace(until, agenda_id);
  queue.claimed.insert_or_assign(std::move(agenda_id), Lease{std::move(entry), claimer, until});
}

void InsightQueues::PlaceLocked(Entry entry, const std::optional<ReadyAgenda>& row, Timestamp now) {
  if (!row || row->confirmed) {
    ForgetLocked(entry.agenda_id);
    return;
  }
  auto located = located_.find(entry.agenda_id);
  if (located == located_.end()) return;
  Queue& queue = QueueLocked(located->second.insight_id);
  if (LiveLease(*row, now)) {
    RecordLeaseLocked(queue, std::move(entry), *row->claimed_by, *row->lease_until);
    return;
  }
  DetachLocked(queue, entry.agenda_id);
  queue.queued.push_front(std::move(entry));
}

void InsightQueues::ApplyRowLocked(const ReadyAgenda& row, Timestamp now) {
  auto located = located_.find(row.agenda_id);
  if (located != located_.end() && located->second.ready_id != row.id) {
    // Not the entry tracked: a confirmed or removed older one says nothing; a newer one
    // replaces it (an agenda has one unconfirmed entry at a time).
    if (row.confirmed) return;
    ForgetLocked(row.agenda_id);
    located = located_.end();
  }
  if (row.confirmed) {
    if (located != located_.end()) ForgetLocked(row.agenda_id);
    return;
  }
  Queue& queue = QueueLocked(row.insight_id);
  Entry entry{row.id, row.agenda_id, row.customer_id, row.added, row.priority, 0, row.not_before};
  if (located == located_.end()) {
    entry.sequence = next_sequence_++;
    located_[row.agenda_id] = Located{row.insight_id, row.id};
    if (LiveLease(row, now)) {
      RecordLeaseLocked(queue, std::move(entry), *row.claimed_by, *row.lease_until);
    } else {
      AddReadyLocked(queue, std::move(entry), now);
    }
    RefillLocked(queue);
    return;
  }
  auto lease = queue.claimed.find(row.agenda_id);
  if (LiveLease(row, now)) {
    // A claim (of another server): the later lease is the current one.
    if (lease != queue.claimed.end() && lease->second.until >= *row.lease_until) return;
    entry.sequence = next_sequence_++;
    RecordLeaseLocked(queue, std::move(entry), *row.claimed_by, *row.lease_until);
    RefillLocked(queue);
    return;
  }
  // Unclaimed, or a lease that ended. A lease this server still counts as running stays: its
  // own lapse asks the store what became of it. An entry being claimed is the claim's business.
  if (lease == queue.claimed.end() || lease->second.until > now) return;
  if (in_flight_.count(row.agenda_id) > 0) return;
  Entry lapsed = std::move(lease->second.entry);
  DetachLocked(queue, row.agenda_id);
  queue.queued.push_front(std::move(lapsed));
  if (!queue.waiters.empty()) cv_.notify_all();
}

void InsightQueues::ForgetLocked(const std::string& agenda_id) {
  auto located = located_.find(agenda_id);
  if (located == located_.end()) return;
  Queue& queue = QueueLocked(located->second.insight_id);
  DetachLocked(queue, agenda_id);
  located_.erase(located);
  RefillLocked(queue);
}

void InsightQueues::OnChange(const Change& change) {
  switch (change.kind) {
    case Change::Kind::kReadyAdded:
    case Change::Kind::kReadyChanged:
      return OnReady(change.ready);
    case Change::Kind::kReadyRemoved: {
      MutexLock lock(mu_);
      auto located = located_.find(change.ready.agenda_id);
      if (located != located_.end() && located->second.ready_id == change.ready.id) {
        ForgetLocked(change.ready.agenda_id);
      }
      return;
    }
    case Change::Kind::kAgendaDeleted:
      return OnAgendaDeleted(change.id);
    case Change::Kind::kClaimConfirmed:
      return OnClaimConfirmed(change.id);
    case Change::Kind::kObjectChanged:
      if (change.object) return OnObjectChanged(*change.object);
      return RefreshObject(change.object_kind, change.id);
    case Change::Kind::kObjectDeleted:
      return OnObjectDeleted(change.object_kind, change.id);
    case Change::Kind::kScheduleState:
      return RefreshSchedule(change.id);
    case Change::Kind::kPauseChanged:
      return OnPauseChanged(change.pause_target, change.id, change.paused_at);
  }
}

void InsightQueues::OnChanges(const std::vector<Change>& changes) {
  const bool all_ready = std::all_of(changes.begin(), changes.end(), [](const Change& change) {
    return change.kind == Change::Kind::kReadyAdded || change.kind == Change::Kind::kReadyChanged;
  });
  if (!all_ready) {
    for (const Change& change : changes) OnChange(change);
    return;
  }
  MutexLock lock(mu_);
  const Timestamp now = services_.clock.Now();
  for (const Change& change : changes) ApplyRowLocked(change.ready, now);
}

void InsightQueues::OnPauseChanged(PauseTarget target, const std::string& id,
                                   std::optional<Timestamp> paused_at) {
  MutexLock lock(mu_);
  ApplyPauseLocked(target, id, paused_at, services_.clock.Now());
}

bool InsightQueues::AgendaPausedLocked(const std::string& agenda_id) const {
  return paused_agendas_.count(agenda_id) > 0;
}

bool InsightQueues::InsightPausedLocked(const std::string& insight_id) const {
  return paused_insights_.count(insight_id) > 0;
}

void InsightQueues::SetAsidePausedLocked(Queue& queue) {
  for (auto it = queue.queued.begin(); it != queue.queued.end();) {
    if (!AgendaPausedLocked(it->agenda_id)) {
      ++it;
      continue;
    }
    std::string agenda_id = it->agenda_id;
    queue.paused.insert_or_assign(std::move(agenda_id), std::move(*it));
    it = queue.queued.erase(it);
  }
}

void InsightQueues::ApplyPauseLocked(PauseTarget target, const std::string& id,
                                     std::optional<Timestamp> paused_at, Timestamp now) {
  auto& paused = target == PauseTarget::kAgenda ? paused_agendas_ : paused_insights_;
  if (paused_at) {
    paused.emplace(id, *paused_at);  // a second pause keeps the first time
  } else {
    paused.erase(id);
  }
  if (target == PauseTarget::kInsight) {
    auto queue = queues_.find(id);
    if (queue != queues_.end()) RefillLocked(queue->second);
    if (!paused_at) cv_.notify_all();  // its parked pullers are served now
    return;
  }
  auto located = located_.find(id);
  if (located == located_.end()) return;  // running (confirmed) or not ready: nothing to move
  Queue& queue = QueueLocked(located->second.insight_id);
  if (paused_at) {
    // Out of the queue and the backoff set; one waiting in the policy goes aside when the
    // policy hands it out (RefillLocked). A claim it has stays.
    if (auto delayed = queue.delayed.find(id); delayed != queue.delayed.end()) {
      delayed_order_.erase({*delayed->second.not_before, id});
      queue.paused.insert_or_assign(id, std::move(delayed->second));
      queue.delayed.erase(delayed);
    }
    SetAsidePausedLocked(queue);
    RefillLocked(queue);
    return;
  }
  auto aside = queue.paused.find(id);
  if (aside == queue.paused.end()) return;
  Entry entry = std::move(aside->second);
  queue.paused.erase(aside);
  AddReadyLocked(queue, std::move(entry), now);  // back by its arrival order, or its backoff
  RefillLocked(queue);
  cv_.notify_all();
}

void InsightQueues::LoadPausesLocked(const std::vector<PausedTarget>& paused, Timestamp now) {
  std::unordered_map<std::string, Timestamp> agendas;
  std::unordered_map<std::string, Timestamp> insights;
  for (const PausedTarget& item : paused) {
    (item.target == PauseTarget::kAgenda ? agendas : insights).emplace(item.id, item.since);
  }
  for (const auto& [target, now_paused, known] :
       {std::tuple{PauseTarget::kAgenda, &agendas, &paused_agendas_},
        std::tuple{PauseTarget::kInsight, &insights, &paused_insights_}}) {
    std::vector<std::string> resumed;
    for (const auto& [id, since] : *known) {
      if (now_paused->count(id) == 0) resumed.push_back(id);
    }
    for (const std::string& id : resumed) ApplyPauseLocked(target, id, std::nullopt, now);
    for (const auto& [id, since] : *now_paused) ApplyPauseLocked(target, id, since, now);
  }
}

void InsightQueues::OnReady(const ReadyAgenda& ready) {
  MutexLock lock(mu_);
  ApplyRowLocked(ready, services_.clock.Now());
}

void InsightQueues::OnAgendaDeleted(const std::string& agenda_id) {
  MutexLock lock(mu_);
  ForgetLocked(agenda_id);
}

void InsightQueues::OnClaimConfirmed(const std::string& agenda_id) {
  MutexLock lock(mu_);
  auto located = located_.find(agenda_id);
  if (located == located_.end()) return;
  Queue& queue = QueueLocked(located->second.insight_id);
  if (queue.claimed.count(agenda_id) == 0) return;
  ForgetLocked(agenda_id);
}

void InsightQueues::OnObjectChanged(const DataObject& object) {
  MutexLock lock(mu_);
  OnObjectChangedLocked(object);
}

void InsightQueues::OnObjectChangedLocked(const DataObject& object) {
  if (const auto* insight = std::get_if<Insight>(&object)) {
    Queue& queue = QueueLocked(*insight->id);
    ConfigureLocked(queue, *insight);
    RefillLocked(queue);
  } else if (const auto* customer = std::get_if<Customer>(&object)) {
    std::optional<std::string> old_pool;
    auto existing = customers_.find(*customer->id);
    if (existing == customers_.end()) {
      customer_order_.push_back(*customer->id);
    } else {
      old_pool = existing->second.resource_pool_id;
    }
    customers_[*customer->id] = *customer;
    if (old_pool && old_pool != customer->resource_pool_id) UpdatePoolLocked(*old_pool);
    if (customer->resource_pool_id) UpdatePoolLocked(*customer->resource_pool_id);
  }
}

void InsightQueues::OnObjectDeleted(ObjectKind kind, const std::string& id) {
  MutexLock lock(mu_);
  OnObjectDeletedLocked(kind, id);
}

void InsightQueues::OnObjectDeletedLocked(ObjectKind kind, const std::string& id) {
  if (kind == ObjectKind::kInsight) {
    auto queue = queues_.find(id);
    if (queue != queues_.end()) queue->second.insight.reset();  // its agendas wait, unqueued
  } else if (kind == ObjectKind::kCustomer) {
    auto customer = customers_.find(id);
    if (customer == customers_.end()) return;
    std::optional<std::string> pool = customer->second.resource_pool_id;
    customers_.erase(customer);
    customer_order_.erase(std::find(customer_order_.begin(), customer_order_.end(), id));
    if (pool) UpdatePoolLocked(*pool);
  }
}

void InsightQueues::RefreshObject(ObjectKind kind, const std::string& id) {
  if (kind != ObjectKind::kInsight && kind != ObjectKind::kCustomer) return;
  std::optional<DataObject> stored;
  Status read = services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(stored, reader.Get(kind, id));
    return Status::Ok();
  });
  if (!read.ok()) {
    // The next resync (the feed's, after the store is back) reads it again.
    logger_.Log(LogLevel::kWarning, "scheduler: cannot read " + std::string(ObjectKindName(kind)) +
                                        " " + id + " changed by another server: " + read.message());
    return;
  }
  MutexLock lock(mu_);
  if (stored) {
    OnObjectChangedLocked(*stored);
  } else {
    OnObjectDeletedLocked(kind, id);
  }
}

void InsightQueues::RestoreScheduleLocked(const std::string& insight_id,
                                          const InsightScheduleInfo& info) {
  Queue& queue = QueueLocked(insight_id);
  if (queue.policy->algorithm() != SchedulingAlgorithm::kRoundRobin) return;
  queue.policy->RestoreState({info.pending_customer_ids});
  queue.schedule_state_dirty = false;
}

void InsightQueues::RefreshSchedule(const std::string& insight_id) {
  std::optional<InsightScheduleInfo> info;
  Status read = services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(info, reader.GetScheduleInfo(insight_id));
    return Status::Ok();
  });
  if (!read.ok() || !info) return;  // only RoundRobin's fairness waits for the next save
  MutexLock lock(mu_);
  RestoreScheduleLocked(insight_id, *info);
}

Status InsightQueues::OnResync() {
  std::vector<DataObject> insights;
  std::vector<DataObject> customers;
  std::vector<ReadyAgenda> ready;
  std::unordered_map<std::string, InsightScheduleInfo> schedule_info;
  std::vector<PausedTarget> paused;
  Status read = services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(paused, reader.ListPaused());
    ObjectQuery all;
    all.scope = VisibilityScope::Everything();
    all.limit = kUnlimited;
    POP_ASSIGN_OR_RETURN(insights, reader.Find(ObjectKind::kInsight, all));
    POP_ASSIGN_OR_RETURN(customers, reader.Find(ObjectKind::kCustomer, all));
    POP_ASSIGN_OR_RETURN(ready, reader.ListReadyAgendas());
    for (const DataObject& object : insights) {
      const auto& insight = std::get<Insight>(object);
      if (insight.scheduling_algorithm != SchedulingAlgorithm::kRoundRobin) continue;
      POP_ASSIGN_OR_RETURN(auto info, reader.GetScheduleInfo(*insight.id));
      if (info) schedule_info.emplace(*insight.id, std::move(*info));
    }
    return Status::Ok();
  });
  if (!read.ok()) {
    logger_.Log(LogLevel::kWarning, "scheduler: cannot re-read the store: " + read.message());
    return read;
  }
  const Timestamp now = services_.clock.Now();
  MutexLock lock(mu_);
  LoadPausesLocked(paused, now);
  std::unordered_set<std::string> customer_ids;
  for (DataObject& object : customers) {
    customer_ids.insert(*std::get<Customer>(object).id);
    OnObjectChangedLocked(object);
  }
  for (const std::string& id : std::vector<std::string>(customer_order_)) {
    if (customer_ids.count(id) == 0) OnObjectDeletedLocked(ObjectKind::kCustomer, id);
  }
  std::unordered_set<std::string> insight_ids;
  for (const DataObject& object : insights) {
    insight_ids.insert(*std::get<Insight>(object).id);
    OnObjectChangedLocked(object);
  }
  for (auto& [id, queue] : queues_) {
    if (insight_ids.count(id) == 0) queue.insight.reset();
  }
  std::unordered_map<std::string, std::string> stored;  // agenda id → its unconfirmed entry
  for (const ReadyAgenda& row : ready) {
    if (!row.confirmed) stored.emplace(row.agenda_id, row.id);
  }
  std::vector<std::string> gone;
  for (const auto& [agenda_id, located] : located_) {
    auto row = stored.find(agenda_id);
    if (row == stored.end() || row->second != located.ready_id) gone.push_back(agenda_id);
  }
  for (const std::string& agenda_id : gone) ForgetLocked(agenda_id);
  for (const ReadyAgenda& row : ready) {
    if (row.confirmed || stored.at(row.agenda_id) != row.id) continue;
    ApplyRowLocked(row, now);
  }
  for (const auto& [insight_id, info] : schedule_info) RestoreScheduleLocked(insight_id, info);
  for (auto& [id, queue] : queues_) RefillLocked(queue);
  cv_.notify_all();
  logger_.Log(LogLevel::kInfo, "scheduler: re-read " + std::to_string(ready.size()) +
                                   " ready agendas from the store");
  return Status::Ok();
}

}  // namespace pop::app
