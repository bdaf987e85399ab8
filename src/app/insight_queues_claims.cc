// InsightQueues, the claims: writing them to the store (the compare-and-set that decides them)
// and letting them lapse. The rest of the class is in insight_queues.cc and
// insight_queues_changes.cc.
#include <utility>

#include "app/insight_queues.h"

namespace pop::app {
namespace {

constexpr Duration kRetryAfterStoreError = Duration::Seconds(1);
// A claim that loses entries to other servers takes the next queued ones, at most this often.
constexpr int kMaxClaimRounds = 8;

ReadyAgenda ReadyOf(const std::string& insight_id, const std::string& ready_id,
                    const std::string& agenda_id, const std::string& customer_id, Timestamp added,
                    int64_t priority) {
  ReadyAgenda ready;
  ready.id = ready_id;
  ready.insight_id = insight_id;
  ready.agenda_id = agenda_id;
  ready.customer_id = customer_id;
  ready.added = added;
  ready.priority = priority;
  return ready;
}

}  // namespace

Status InsightQueues::WriteClaims(const ClaimBatch& batch,
                                  std::vector<std::vector<Attempt>>& attempts,
                                  const std::vector<InsightScheduleInfo>& schedule_state,
                                  Timestamp now) {
  const Timestamp until = now + options_.lease;
  return services_.store.Write([&](StoreWriter& tx) -> Status {
    attempts.assign(batch.items.size(), {});
    for (size_t i = 0; i < batch.items.size(); ++i) {
      const ClaimBatch::Item& item = batch.items[i];
      attempts[i].resize(item.entries.size());
      for (size_t k = 0; k < item.entries.size(); ++k) {
        const Entry& entry = item.entries[k];
        Attempt& attempt = attempts[i][k];
        POP_ASSIGN_OR_RETURN(attempt.won, tx.ClaimReady(entry.ready_id, item.claimer, until, now));
        if (attempt.won) continue;
        // Another server holds it, or it is gone or confirmed: what the store has now.
        POP_ASSIGN_OR_RETURN(auto rows, tx.ReadyAgendasOf(entry.agenda_id));
        for (ReadyAgenda& row : rows) {
          if (row.id == entry.ready_id) attempt.row = std::move(row);
        }
        // Claimable, yet refused: perhaps paused through another server, not heard of yet.
        if (attempt.row && !attempt.row->confirmed && !LiveLease(*attempt.row, now)) {
          POP_ASSIGN_OR_RETURN(attempt.agenda_paused,
                               tx.PausedSince(PauseTarget::kAgenda, entry.agenda_id));
          POP_ASSIGN_OR_RETURN(attempt.insight_paused,
                               tx.PausedSince(PauseTarget::kInsight, item.insight_id));
        }
      }
    }
    // RoundRobin's turns are shared through the store: saved with the claims they led to.
    for (const InsightScheduleInfo& info : schedule_state) {
      POP_RETURN_IF_ERROR(tx.PutScheduleInfo(info));
    }
    return Status::Ok();
  });
}

void InsightQueues::CommitClaims(ClaimBatch batch) {
  std::vector<Entry> contended;  // skipped while another transaction held them
  Status written = Status::Ok();
  for (int round = 0; round < kMaxClaimRounds; ++round) {
    const Timestamp now = services_.clock.Now();
    std::vector<InsightScheduleInfo> schedule_state;
    {
      MutexLock lock(mu_);
      for (const ClaimBatch::Item& item : batch.items) {
        Queue& queue = QueueLocked(item.insight_id);
        if (!queue.schedule_state_dirty) continue;
        queue.schedule_state_dirty = false;
        schedule_state.push_back(
            {item.insight_id, queue.policy->state().pending_customer_ids, now});
      }
    }
    std::vector<std::vector<Attempt>> attempts;
    written = WriteClaims(batch, attempts, schedule_state, now);
    bool again = false;
    MutexLock lock(mu_);
    for (const InsightScheduleInfo& info : schedule_state) {
      if (!written.ok()) QueueLocked(info.insight_id).schedule_state_dirty = true;
    }
    if (!written.ok()) break;
    for (size_t i = 0; i < batch.items.size(); ++i) {
      ClaimBatch::Item& item = batch.items[i];
      Queue& queue = QueueLocked(item.insight_id);
      size_t lost = 0;
      for (size_t k = 0; k < item.entries.size(); ++k) {
        Entry& entry = item.entries[k];
        in_flight_.erase(entry.agenda_id);
        auto located = located_.find(entry.agenda_id);
        if (located == located_.end() || located->second.ready_id != entry.ready_id) continue;
        Attempt& attempt = attempts[i][k];
        if (!attempt.won) {
          ++lost;
          if (attempt.agenda_paused || attempt.insight_paused) {
            // The store says it is paused: learn it here too; the entry goes aside (an agenda)
            // or back to the front of its paused insight's queue.
            if (attempt.agenda_paused) {
              ApplyPauseLocked(PauseTarget::kAgenda, entry.agenda_id, attempt.agenda_paused, now);
            }
            if (attempt.insight_paused) {
              ApplyPauseLocked(PauseTarget::kInsight, item.insight_id, attempt.insight_paused, now);
            }
            std::string agenda_id = entry.agenda_id;
            if (attempt.agenda_paused) {
              queue.paused.insert_or_assign(std::move(agenda_id), std::move(entry));
            } else {
              queue.queued.push_front(std::move(entry));
            }
            continue;
          }
          if (attempt.row && !attempt.row->confirmed && !LiveLease(*attempt.row, now)) {
            // Claimable, yet not claimed: another transaction was changing it. Back in front
            // once this claim is served (unless that turns out to be another server's claim).
            in_flight_.insert(entry.agenda_id);
            contended.push_back(std::move(entry));
          } else {
            PlaceLocked(std::move(entry), attempt.row, now);
          }
          continue;
        }
        ReadyAgenda ready = ReadyOf(item.insight_id, entry.ready_id, entry.agenda_id,
                                    entry.customer_id, entry.added, entry.priority);
        ready.claimed_by = item.claimer;
        ready.lease_until = now + options_.lease;
        item.claimed.push_back(ready);
        RecordLeaseLocked(queue, std::move(entry), item.claimer, *ready.lease_until);
      }
      item.entries.clear();
      // Entries other servers won are gone from this queue: the next ones serve the claimer.
      if (lost > 0 && item.claimed.size() < item.wanted) {
        RefillLocked(queue);
        item.entries = TakeQueuedLocked(queue, item.wanted - item.claimed.size());
        again = again || !item.entries.empty();
      }
    }
    if (!again) break;
  }
  std::vector<std::pair<ClaimCallback, Result<std::vector<ReadyAgenda>>>> answers;
  {
    MutexLock lock(mu_);
    for (ClaimBatch::Item& item : batch.items) {
      Queue& queue = QueueLocked(item.insight_id);
      // Not claimed (the write failed, or the rounds ran out): back to the front, in order,
      // unless the change feed said meanwhile that another server claimed one.
      for (auto it = item.entries.rbegin(); it != item.entries.rend(); ++it) {
        in_flight_.erase(it->agenda_id);
        auto located = located_.find(it->agenda_id);
        if (located == located_.end() || located->second.ready_id != it->ready_id ||
            queue.claimed.count(it->agenda_id) > 0) {
          continue;
        }
        queue.queued.push_front(std::move(*it));
      }
      if (!written.ok() && item.claimed.empty()) {
        answers.emplace_back(std::move(item.done), written.error());
      } else {
        answers.emplace_back(std::move(item.done), std::move(item.claimed));
      }
    }
    for (auto it = contended.rbegin(); it != contended.rend(); ++it) {
      in_flight_.erase(it->agenda_id);
      auto located = located_.find(it->agenda_id);
      if (located == located_.end() || located->second.ready_id != it->ready_id) continue;
      Queue& queue = QueueLocked(located->second.insight_id);
      if (queue.claimed.count(it->agenda_id) > 0) continue;  // the change feed said who won
      queue.queued.push_front(std::move(*it));
    }
  }
  cv_.notify_all();  // a new lease deadline may be the earliest; waiters may be served
  for (auto& [done, result] : answers) done(std::move(result));
}

void InsightQueues::ExpireLeases(Timestamp now) {
  std::vector<Lease> lapsed;
  {
    MutexLock lock(mu_);
    while (!lease_order_.empty() && lease_order_.begin()->first <= now) {
      std::string agenda_id = lease_order_.begin()->second;
      lease_order_.erase(lease_order_.begin());
      auto located = located_.find(agenda_id);
      if (located == located_.end()) continue;
      Queue& queue = QueueLocked(located->second.insight_id);
      auto lease = queue.claimed.find(agenda_id);
      if (lease == queue.claimed.end() || lease->second.until > now) continue;
      lapsed.push_back(std::move(lease->second));
      queue.claimed.erase(lease);
      in_flight_.insert(agenda_id);  // in no part until the store says where it belongs
    }
  }
  if (lapsed.empty()) return;
  // Only the lapsed lease itself is ended: a claim another server took since stays.
  std::vector<Attempt> released(lapsed.size());
  Status cleared = services_.store.Write([&](StoreWriter& tx) -> Status {
    for (size_t i = 0; i < lapsed.size(); ++i) {
      const Lease& lease = lapsed[i];
      released[i] = Attempt{};
      POP_ASSIGN_OR_RETURN(released[i].won,
                           tx.ReleaseReadyClaim(lease.entry.ready_id, lease.claimer, lease.until));
      if (released[i].won) continue;
      POP_ASSIGN_OR_RETURN(auto rows, tx.ReadyAgendasOf(lease.entry.agenda_id));
      for (ReadyAgenda& row : rows) {
        if (row.id == lease.entry.ready_id) released[i].row = std::move(row);
      }
    }
    return Status::Ok();
  });
  MutexLock lock(mu_);
  for (size_t i = lapsed.size(); i-- > 0;) {
    Lease& lease = lapsed[i];
    in_flight_.erase(lease.entry.agenda_id);
    auto located = located_.find(lease.entry.agenda_id);
    if (located == located_.end() || located->second.ready_id != lease.entry.ready_id) continue;
    Queue& queue = QueueLocked(located->second.insight_id);
    if (!cleared.ok()) {
      // Keep the claim and try again shortly; the row still says it is claimed.
      RecordLeaseLocked(queue, std::move(lease.entry), lease.claimer, now + kRetryAfterStoreError);
      continue;
    }
    if (!released[i].won) {
      PlaceLocked(std::move(lease.entry), released[i].row, now);
      continue;
    }
    logger_.Log(LogLevel::kInfo,
                "claim of agenda " + lease.entry.agenda_id + " by " + lease.claimer +
                    " lapsed; it is back in the queue of insight " + located->second.insight_id);
    DetachLocked(queue, lease.entry.agenda_id);
    queue.queued.push_front(std::move(lease.entry));
  }
  if (!cleared.ok()) {
    logger_.Log(LogLevel::kWarning,
                "could not return lapsed claims to their queues: " + cleared.message());
  }
}

}  // namespace pop::app
