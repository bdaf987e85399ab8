#include "app/insight_queues.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/metrics/catalogue.h"

namespace pop::app {
namespace {

constexpr size_t kUnlimited = std::numeric_limits<int32_t>::max();
constexpr Duration kIdleWake = Duration::Seconds(60);  // re-check even when nothing is due

std::string AlgorithmText(const std::optional<Insight>& insight) {
  return SchedulingAlgorithmName(insight && insight->scheduling_algorithm
                                     ? *insight->scheduling_algorithm
                                     : SchedulingAlgorithm::kFirstInFirstOut);
}

}  // namespace

InsightQueues::InsightQueues(Services services, QueueOptions options, Logger& logger)
    : services_(services), options_(options), logger_(logger) {}

InsightQueues::~InsightQueues() { Stop(); }

Status InsightQueues::Start() {
  std::vector<DataObject> insights;
  std::vector<DataObject> customers;
  std::vector<ReadyAgenda> ready;
  std::unordered_map<std::string, InsightScheduleInfo> schedule_info;
  std::vector<PausedTarget> paused;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
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
  }));
  MutexLock lock(mu_);
  LoadPausesLocked(paused, services_.clock.Now());
  for (DataObject& object : customers) {
    auto& customer = std::get<Customer>(object);
    customer_order_.push_back(*customer.id);
    customers_.emplace(*customer.id, std::move(customer));
  }
  for (const DataObject& object : insights) {
    const auto& insight = std::get<Insight>(object);
    Queue& queue = QueueLocked(*insight.id);
    if (auto info = schedule_info.find(*insight.id); info != schedule_info.end()) {
      queue.policy = sched::MakeRoundRobinPolicy({info->second.pending_customer_ids});
    }
    ConfigureLocked(queue, insight);
  }
  size_t claimed = 0;
  for (const ReadyAgenda& row : ready) {
    if (row.confirmed) continue;  // running: the fence of its execution, not scheduled
    if (located_.count(row.agenda_id) > 0) {
      logger_.Log(LogLevel::kWarning, "agenda " + row.agenda_id + " has a second ready entry " +
                                          row.id + "; only the first is scheduled");
      continue;
    }
    Queue& queue = QueueLocked(row.insight_id);
    Entry entry{row.id,       row.agenda_id,    row.customer_id, row.added,
                row.priority, next_sequence_++, row.not_before};
    located_[row.agenda_id] = Located{row.insight_id, row.id};
    if (row.claimed_by && row.lease_until) {
      queue.claimed[row.agenda_id] = Lease{std::move(entry), *row.claimed_by, *row.lease_until};
      lease_order_.emplace(*row.lease_until, row.agenda_id);
      ++claimed;
    } else {
      AddReadyLocked(queue, std::move(entry), services_.clock.Now());
    }
  }
  for (auto& [id, queue] : queues_) RefillLocked(queue);
  running_ = true;
  logger_.Log(LogLevel::kInfo, "scheduler started: " + std::to_string(queues_.size()) +
                                   " insights, " + std::to_string(ready.size()) +
                                   " ready agendas (" + std::to_string(claimed) + " claimed)");
  if (options_.start_thread) thread_ = std::thread(&InsightQueues::Loop, this);
  return Status::Ok();
}

void InsightQueues::Stop() {
  std::vector<ClaimCallback> parked;
  {
    MutexLock lock(mu_);
    running_ = false;
    for (auto& [id, queue] : queues_) {
      for (Waiter& waiter : queue.waiters) parked.push_back(std::move(waiter.done));
      queue.waiters.clear();
    }
    waiter_order_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& done : parked) done(std::vector<ReadyAgenda>());
}

InsightQueues::Queue& InsightQueues::QueueLocked(const std::string& insight_id) {
  Queue& queue = queues_[insight_id];
  if (!queue.policy) queue.policy = sched::MakeFifoPolicy();
  return queue;
}

std::vector<std::string> InsightQueues::PoolCustomersLocked(const std::string& pool_id) const {
  std::vector<std::string> ids;
  for (const auto& id : customer_order_) {
    const Customer& customer = customers_.at(id);
    if (customer.resource_pool_id == pool_id) ids.push_back(id);
  }
  return ids;
}

void InsightQueues::ConfigureLocked(Queue& queue, const Insight& insight) {
  SchedulingAlgorithm algorithm =
      insight.scheduling_algorithm.value_or(SchedulingAlgorithm::kFirstInFirstOut);
  if (queue.policy->algorithm() != algorithm) {
    // Move every waiting agenda to the new policy, keeping its arrival data.
    auto replacement = sched::MakePolicy(algorithm);
    for (sched::Candidate& candidate : queue.policy->PopBatch(queue.policy->size())) {
      replacement->Add(std::move(candidate));
    }
    queue.policy = std::move(replacement);
  }
  queue.insight = insight;
  const std::string pool_id = insight.resource_pool_id.value_or("");
  std::vector<std::string> pool_customers = PoolCustomersLocked(pool_id);
  for (const auto& id : pool_customers) {
    const Customer& customer = customers_.at(id);
    if (customer.weight) {
      Status set = queue.policy->SetCustomerWeight(id, *customer.weight);
      if (!set.ok()) logger_.Log(LogLevel::kWarning, "customer " + id + ": " + set.message());
    }
  }
  queue.policy->SetPoolCustomers(pool_customers);
}

void InsightQueues::UpdatePoolLocked(const std::string& pool_id) {
  for (auto& [id, queue] : queues_) {
    if (queue.insight && queue.insight->resource_pool_id.value_or("") == pool_id) {
      ConfigureLocked(queue, *queue.insight);
    }
  }
}

void InsightQueues::AddWaitingLocked(Queue& queue, const Entry& entry) {
  queue.policy->Add(sched::Candidate{entry.agenda_id, entry.customer_id, entry.added,
                                     entry.priority, entry.sequence});
}

void InsightQueues::AddReadyLocked(Queue& queue, Entry entry, Timestamp now) {
  if (AgendaPausedLocked(entry.agenda_id)) {
    std::string agenda_id = entry.agenda_id;
    queue.paused.insert_or_assign(std::move(agenda_id), std::move(entry));
    return;
  }
  if (entry.not_before && *entry.not_before > now) {
    delayed_order_.emplace(*entry.not_before, entry.agenda_id);
    std::string agenda_id = entry.agenda_id;
    queue.delayed.insert_or_assign(std::move(agenda_id), std::move(entry));
    cv_.notify_all();  // the timer may need to wake earlier
    return;
  }
  AddWaitingLocked(queue, entry);
}

void InsightQueues::ReleaseDelayedLocked(Timestamp now) {
  while (!delayed_order_.empty() && delayed_order_.begin()->first <= now) {
    std::string agenda_id = delayed_order_.begin()->second;
    delayed_order_.erase(delayed_order_.begin());
    auto located = located_.find(agenda_id);
    if (located == located_.end()) continue;
    Queue& queue = QueueLocked(located->second.insight_id);
    auto entry = queue.delayed.find(agenda_id);
    if (entry == queue.delayed.end()) continue;
    AddWaitingLocked(queue, entry->second);
    queue.delayed.erase(entry);
  }
}

void InsightQueues::RefillLocked(Queue& queue) {
  if (!queue.insight) return;
  const int64_t size = queue.insight->queue_size.value_or(0);
  if (size <= 0) return;
  SetAsidePausedLocked(queue);
  bool popped = false;
  // Paused agendas the policy hands out go aside, so the queue fills with ones that may run.
  while (queue.queued.size() < static_cast<size_t>(size) && queue.policy->size() > 0) {
    std::vector<sched::Candidate> batch =
        queue.policy->PopBatch(static_cast<size_t>(size) - queue.queued.size());
    popped = popped || !batch.empty();
    if (batch.empty()) break;
    for (sched::Candidate& candidate : batch) {
      auto located = located_.find(candidate.agenda_id);
      if (located == located_.end()) continue;  // not reachable: waiting agendas are located
      Entry entry{located->second.ready_id,
                  std::move(candidate.agenda_id),
                  std::move(candidate.customer_id),
                  candidate.added,
                  candidate.priority,
                  candidate.sequence,
                  std::nullopt};
      if (AgendaPausedLocked(entry.agenda_id)) {
        std::string agenda_id = entry.agenda_id;
        queue.paused.insert_or_assign(std::move(agenda_id), std::move(entry));
      } else {
        queue.queued.push_back(std::move(entry));
      }
    }
  }
  if (popped) {
    if (queue.policy->algorithm() == SchedulingAlgorithm::kRoundRobin) {
      queue.schedule_state_dirty = true;
    }
    if (!queue.waiters.empty()) cv_.notify_all();
  }
}

std::vector<InsightQueues::Entry> InsightQueues::TakeQueuedLocked(Queue& queue, size_t count) {
  std::vector<Entry> taken;
  if (queue.insight && InsightPausedLocked(*queue.insight->id)) return taken;
  SetAsidePausedLocked(queue);
  while (taken.size() < count && !queue.queued.empty()) {
    in_flight_.insert(queue.queued.front().agenda_id);
    taken.push_back(std::move(queue.queued.front()));
    queue.queued.pop_front();
  }
  return taken;
}

void InsightQueues::Claim(const std::string& insight_id, size_t count, Duration wait,
                          const std::string& claimer, ClaimCallback done) {
  ClaimBatch batch;
  // Answered after unlocking: the callback may call back into the scheduler.
  std::optional<Result<std::vector<ReadyAgenda>>> immediate;
  {
    MutexLock lock(mu_);
    if (!running_) {
      immediate = Error(ErrorCode::kUnavailable, "the scheduler is not running");
    } else {
      Queue& queue = QueueLocked(insight_id);
      queue.last_poll = services_.clock.Now();
      queue.last_poller = claimer;
      RefillLocked(queue);
      std::vector<Entry> taken = TakeQueuedLocked(queue, count);
      if (!taken.empty()) {
        RefillLocked(queue);
        batch.items.push_back({insight_id, std::move(taken), claimer, nullptr, count, {}});
      } else if (wait.millis() <= 0) {
        immediate = std::vector<ReadyAgenda>();
      } else {
        Waiter waiter{next_waiter_id_++, count, claimer, services_.clock.Now() + wait,
                      std::move(done)};
        waiter_order_.emplace(waiter.deadline, waiter.id);
        queue.waiters.push_back(std::move(waiter));
        cv_.notify_all();
        return;
      }
    }
  }
  if (immediate) {
    done(std::move(*immediate));
    return;
  }
  batch.items.front().done = std::move(done);
  CommitClaims(std::move(batch));
}

void InsightQueues::ProcessDue(Timestamp now) {
  ExpireLeases(now);
  std::vector<ClaimCallback> timed_out;
  ClaimBatch batch;
  std::vector<InsightScheduleInfo> schedule_state;
  {
    MutexLock lock(mu_);
    ReleaseDelayedLocked(now);
    while (!waiter_order_.empty() && waiter_order_.begin()->first <= now) {
      uint64_t id = waiter_order_.begin()->second;
      waiter_order_.erase(waiter_order_.begin());
      for (auto& [insight_id, queue] : queues_) {
        auto it = std::find_if(queue.waiters.begin(), queue.waiters.end(),
                               [&](const Waiter& w) { return w.id == id; });
        if (it == queue.waiters.end()) continue;
        timed_out.push_back(std::move(it->done));
        queue.waiters.erase(it);
        break;
      }
    }
    for (auto& [insight_id, queue] : queues_) {
      RefillLocked(queue);
      // A paused insight's pullers wait (until their long poll ends, or it is resumed).
      while (!InsightPausedLocked(insight_id) && !queue.waiters.empty() && !queue.queued.empty()) {
        Waiter waiter = std::move(queue.waiters.front());
        queue.waiters.pop_front();
        waiter_order_.erase({waiter.deadline, waiter.id});
        batch.items.push_back({insight_id,
                               TakeQueuedLocked(queue, waiter.count),
                               waiter.claimer,
                               std::move(waiter.done),
                               waiter.count,
                               {}});
        RefillLocked(queue);
      }
      if (queue.schedule_state_dirty &&
          now >= last_schedule_save_ + options_.schedule_save_interval) {
        queue.schedule_state_dirty = false;
        schedule_state.push_back({insight_id, queue.policy->state().pending_customer_ids, now});
      }
    }
  }
  for (auto& done : timed_out) done(std::vector<ReadyAgenda>());
  if (!batch.items.empty()) CommitClaims(std::move(batch));
  if (!schedule_state.empty()) {
    {
      MutexLock lock(mu_);
      last_schedule_save_ = now;
    }
    Status saved = services_.store.Write([&](StoreWriter& tx) -> Status {
      for (const auto& info : schedule_state) POP_RETURN_IF_ERROR(tx.PutScheduleInfo(info));
      return Status::Ok();
    });
    // Losing it costs only RoundRobin's carry-over after a restart; log and go on.
    if (!saved.ok()) logger_.Log(LogLevel::kWarning, "saving RoundRobin state: " + saved.message());
  }
}

void InsightQueues::Loop() {
  MutexLock lock(mu_);
  while (running_) {
    const Timestamp now = services_.clock.Now();
    bool due = (!lease_order_.empty() && lease_order_.begin()->first <= now) ||
               (!waiter_order_.empty() && waiter_order_.begin()->first <= now) ||
               (!delayed_order_.empty() && delayed_order_.begin()->first <= now);
    bool schedule_dirty = false;
    for (auto& [id, queue] : queues_) {
      schedule_dirty = schedule_dirty || queue.schedule_state_dirty;
      due = due || (!queue.waiters.empty() && !InsightPausedLocked(id) &&
                    (!queue.queued.empty() || queue.policy->size() > 0));
    }
    const Timestamp save_at = last_schedule_save_ + options_.schedule_save_interval;
    due = due || (schedule_dirty && now >= save_at);
    if (due) {
      lock.Unlock();
      ProcessDue(now);
      lock.Lock();
      continue;
    }
    Timestamp next = now + kIdleWake;
    if (!lease_order_.empty()) next = std::min(next, lease_order_.begin()->first);
    if (!waiter_order_.empty()) next = std::min(next, waiter_order_.begin()->first);
    if (!delayed_order_.empty()) next = std::min(next, delayed_order_.begin()->first);
    if (schedule_dirty) next = std::min(next, save_at);
    mu_.WaitUntil(services_.clock, cv_, next);
  }
}

std::optional<Timestamp> InsightQueues::AgendaPausedAt(const std::string& agenda_id) const {
  MutexLock lock(mu_);
  auto found = paused_agendas_.find(agenda_id);
  return found == paused_agendas_.end() ? std::nullopt : std::optional<Timestamp>(found->second);
}

std::optional<Timestamp> InsightQueues::InsightPausedAt(const std::string& insight_id) const {
  MutexLock lock(mu_);
  auto found = paused_insights_.find(insight_id);
  return found == paused_insights_.end() ? std::nullopt : std::optional<Timestamp>(found->second);
}

size_t InsightQueues::PausedAgendaCount() const {
  MutexLock lock(mu_);
  return paused_agendas_.size();
}

std::vector<metrics::GaugeReading> InsightQueues::QueueGauges() const {
  const Timestamp now = services_.clock.Now();
  std::vector<metrics::GaugeReading> readings;
  MutexLock lock(mu_);
  for (const auto& [insight_id, queue] : queues_) {
    if (!queue.insight) continue;  // only referenced by a ready entry: not an insight (yet)
    std::optional<Timestamp> oldest = queue.policy->OldestAdded();
    const auto consider = [&oldest](Timestamp added) {
      if (!oldest || added < *oldest) oldest = added;
    };
    for (const Entry& entry : queue.queued) consider(entry.added);
    for (const auto& [agenda_id, entry] : queue.delayed) consider(entry.added);
    const std::string title =
        queue.insight->title.value_or("").empty() ? insight_id : *queue.insight->title;
    const double depth =
        static_cast<double>(queue.queued.size() + queue.policy->size() + queue.delayed.size());
    const double waited =
        oldest && *oldest < now ? static_cast<double>((now - *oldest).millis()) / 1000.0 : 0.0;
    readings.push_back({&metrics::kQueueDepth, {insight_id, title}, depth});
    readings.push_back({&metrics::kOldestWait, {insight_id, title}, waited});
    readings.push_back(
        {&metrics::kPausedAgendas, {insight_id, title}, static_cast<double>(queue.paused.size())});
    readings.push_back({&metrics::kInsightPaused,
                        {insight_id, title},
                        InsightPausedLocked(insight_id) ? 1.0 : 0.0});
  }
  return readings;
}

std::map<std::string, std::optional<Timestamp>> InsightQueues::LastPolls() const {
  MutexLock lock(mu_);
  std::map<std::string, std::optional<Timestamp>> polls;
  for (const auto& [insight_id, queue] : queues_) polls[insight_id] = queue.last_poll;
  return polls;
}

std::optional<QueueExplanation> InsightQueues::Explain(const std::string& agenda_id) const {
  MutexLock lock(mu_);
  auto located = located_.find(agenda_id);
  if (located == located_.end()) return std::nullopt;
  const std::string& insight_id = located->second.insight_id;
  const Queue& queue = queues_.at(insight_id);
  QueueExplanation out;
  out.insight_id = insight_id;
  if (queue.insight) {
    out.algorithm =
        queue.insight->scheduling_algorithm.value_or(SchedulingAlgorithm::kFirstInFirstOut);
    out.queue_size = queue.insight->queue_size.value_or(0);
  }
  out.queued = queue.queued.size();
  out.waiting = queue.policy->size();
  out.paused = queue.paused.size();
  const Timestamp now = services_.clock.Now();
  out.last_poll = queue.last_poll;
  if (queue.last_poll) {
    out.last_poller = queue.last_poller;
    out.since_last_poll = now - *queue.last_poll;
  }
  if (!queue.waiters.empty()) {
    out.pullers = PullerActivity::kActive;  // a long poll is parked now
  } else if (!queue.last_poll) {
    out.pullers = PullerActivity::kNone;
  } else {
    out.pullers =
        out.since_last_poll >= kPullerIdleAfter ? PullerActivity::kIdle : PullerActivity::kActive;
  }
  if (auto paused = paused_agendas_.find(agenda_id); paused != paused_agendas_.end()) {
    out.state = QueueExplanation::State::kPaused;
    out.paused_at = paused->second;
    if (auto lease = queue.claimed.find(agenda_id); lease != queue.claimed.end()) {
      out.claimed_by = lease->second.claimer;
      out.lease_until = lease->second.until;
      out.reason = "paused after " + lease->second.claimer +
                   " claimed it: its executor starts no new operation until it is resumed"
                   " (pop agenda resume " +
                   agenda_id + ")";
    } else {
      out.reason =
          "paused: it is not claimed until it is resumed (pop agenda resume " + agenda_id + ")";
    }
    return out;
  }
  const bool claimed = queue.claimed.count(agenda_id) > 0;
  if (auto paused = paused_insights_.find(insight_id);
      paused != paused_insights_.end() && !claimed) {
    out.state = QueueExplanation::State::kPaused;
    out.paused_at = paused->second;
    out.insight_paused = true;
    out.reason = "insight " + insight_id +
                 " is paused: nothing is claimed from it until it is resumed (pop insight "
                 "resume " +
                 insight_id + ")";
    return out;
  }
  if (auto delayed = queue.delayed.find(agenda_id); delayed != queue.delayed.end()) {
    out.state = QueueExplanation::State::kDelayed;
    out.not_before = delayed->second.not_before;
    out.reason = "an automatic retry after a failure; it is scheduled once its backoff ends";
    return out;
  }
  if (auto lease = queue.claimed.find(agenda_id); lease != queue.claimed.end()) {
    out.state = QueueExplanation::State::kClaimed;
    out.claimed_by = lease->second.claimer;
    out.lease_until = lease->second.until;
    out.reason = "claimed by " + lease->second.claimer +
                 "; it returns to the queue unless its executor reports before the lease ends";
    return out;
  }
  for (size_t i = 0; i < queue.queued.size(); ++i) {
    if (queue.queued[i].agenda_id != agenda_id) continue;
    out.state = QueueExplanation::State::kQueued;
    out.position = i;
    // With no puller polling, that is the reason, not the next claim.
    const std::string note = PullerNote(out);
    if (i == 0) {
      out.reason = "first in the queue of insight " + insight_id +
                   (note.empty() ? "; the next claim takes it" : note);
    } else {
      out.reason = std::to_string(i) + " agenda(s) ahead of it in the queue of insight " +
                   insight_id + (note.empty() ? "; waiting for a puller to claim them" : note);
    }
    return out;
  }
  out.state = QueueExplanation::State::kWaiting;
  std::optional<sched::WaitReason> wait = queue.policy->Explain(agenda_id);
  out.position = wait ? wait->position : 0;
  std::string prefix;
  if (!queue.insight) {
    prefix = "insight " + insight_id + " does not exist (any more), so nothing is queued; ";
  } else if (out.queue_size <= 0) {
    prefix = "insight " + insight_id + " has queueSize 0, so it never queues agendas; ";
  } else if (out.queued >= static_cast<size_t>(out.queue_size)) {
    prefix = "the queue of insight " + insight_id + " is full (" + std::to_string(out.queued) +
             " of " + std::to_string(out.queue_size) + "); ";
  }
  out.reason = prefix + (wait ? wait->reason : "waiting (" + AlgorithmText(queue.insight) + ")") +
               PullerNote(out);
  return out;
}

}  // namespace pop::app
