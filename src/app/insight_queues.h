// InsightQueues: the scheduler (spec §12, fixed per docs/compat.md). For every Insight it keeps,
// in memory, the ready Agendas in the Insight's scheduling policy (core/sched), the queue the
// policy fills up to `queueSize`, and the claims pullers hold. The store decides every claim:
// an entry leaves the queue under the lock, and the store's compare-and-set (ClaimReady) hands
// it to the claimer only if no one else (another server sharing the store) holds it; an entry
// another server won leaves this server's queue and the claimer is served from the next ones.
// So the in-memory part is each server's cache and accelerator, never the arbiter. A claim is a
// lease: unless the executor reports (which confirms it) before `lease_until`, the Agenda
// returns to the front of its queue. Claims may wait (long poll) until work arrives; the change
// feed (ports/change_feed.h) wakes the scheduler at once, for this server's changes and for
// those of other servers.
//
// Paused Agendas (POST /agenda/service/pause) are held aside, out of the policy and the queue,
// until resumed; a paused Insight keeps its queue but serves no claim. The store refuses their
// claims anyway (ClaimReady): memory only keeps this server from trying.
//
// Nothing is lost: every ready Agenda is a store row, which is the truth; memory is rebuilt from
// it at Start and whenever the change feed may have missed changes (OnResync). Design:
// docs/design/scheduler.md. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "app/services.h"
#include "core/base/result.h"
#include "core/metrics/metric.h"
#include "core/sched/scheduling_policy.h"
#include "ports/change_feed.h"
#include "ports/logger.h"
#include "ports/mutex.h"

namespace pop::app {

struct QueueOptions {
  Duration lease = Duration::Seconds(60);  // how long a claim lasts without a report
  bool start_thread = true;                // false: tests drive ProcessDue() themselves
  // RoundRobin's carry-over list is saved at most this often (it only orders turns; losing the
  // last second of it in a crash costs fairness for one refill, never an Agenda).
  Duration schedule_save_interval = Duration::Seconds(1);
};

using ClaimCallback = std::function<void(Result<std::vector<ReadyAgenda>>)>;

// Whether pullers ask an insight for work (getAgenda), as this scheduler has seen since it
// started: kNone when none ever did, kIdle when none has for kPullerIdleAfter (they stopped, or
// are busy with as many agendas as they run at once), kActive otherwise (one polls now, or did
// within kPullerIdleAfter).
enum class PullerActivity { kNone, kIdle, kActive };
inline constexpr Duration kPullerIdleAfter = Duration::Seconds(10);

// Where an agenda stands in its insight's scheduling (GET /pop/agenda/{id}/why).
struct QueueExplanation {
  // kPaused: the agenda, or its insight, is paused (paused_at says since when; insight_paused
  // says which); a claim it had stays (claimed_by).
  enum class State { kWaiting, kQueued, kClaimed, kDelayed, kPaused };
  State state = State::kWaiting;
  std::string insight_id;
  std::optional<SchedulingAlgorithm> algorithm;  // nullopt when the insight is unknown
  int64_t queue_size = 0;
  size_t queued = 0;    // agendas in the insight's queue now
  size_t waiting = 0;   // agendas waiting to enter it
  size_t position = 0;  // kWaiting: rank among the waiting; kQueued: index in the queue
  std::string reason;
  std::optional<std::string> claimed_by;
  std::optional<Timestamp> lease_until;
  std::optional<Timestamp> not_before;  // kDelayed: when it may be scheduled
  std::optional<Timestamp> paused_at;   // kPaused: since when
  bool insight_paused = false;          // kPaused: the insight is paused (not only the agenda)
  size_t paused = 0;                    // paused agendas of the insight, held out of its queue
  // False in a tenant's view (TenantView): queued, waiting, position, claimed_by and last_poller
  // are not set and the reason says nothing of other customers' agendas or of the pool's pullers.
  bool counts_shown = true;
  // The insight's pullers (kQueued and kWaiting say when none polls, in `reason` too): when one
  // last asked for work, how long ago, and who.
  PullerActivity pullers = PullerActivity::kActive;
  std::optional<Timestamp> last_poll;
  Duration since_last_poll;
  std::optional<std::string> last_poller;
};

// For a queued or waiting agenda whose insight no puller polls: what the reason adds ("; no
// puller has polled insight X since this server started: start one (pop puller --insight X)");
// names the last puller when `last_poller` is set. Empty when a puller polls, or in any other
// state.
std::string PullerNote(const QueueExplanation& explanation);

// What a customer that neither owns the insight nor is global may learn of its agenda's place:
// the state, the insight's algorithm and settings, its own lease or backoff; nothing that counts
// or names other customers' agendas or the pool's pullers.
QueueExplanation TenantView(QueueExplanation full);

class InsightQueues final : public ChangeListener {
 public:
  InsightQueues(Services services, QueueOptions options, Logger& logger);
  ~InsightQueues() override;
  InsightQueues(const InsightQueues&) = delete;
  InsightQueues& operator=(const InsightQueues&) = delete;

  // Loads insights, customers and ready entries from the store and starts the timer thread.
  [[nodiscard]] Status Start();
  // Answers every parked claim with an empty list and joins the thread. Idempotent.
  void Stop();

  // Claims up to `count` queued agendas of `insight_id` for `claimer`. When none is queued,
  // waits up to `wait` for one. `done` runs exactly once, on this thread or the scheduler's,
  // with the claimed entries (possibly none) or a store error. Every call counts as a poll of the
  // insight by `claimer` (QueueExplanation::pullers).
  void Claim(const std::string& insight_id, size_t count, Duration wait, const std::string& claimer,
             ClaimCallback done);

  std::optional<QueueExplanation> Explain(const std::string& agenda_id) const;

  // When the agenda (or the insight) was paused, as this scheduler knows it (loaded at Start and
  // OnResync, followed through the change feed); nullopt: not paused.
  std::optional<Timestamp> AgendaPausedAt(const std::string& agenda_id) const;
  std::optional<Timestamp> InsightPausedAt(const std::string& insight_id) const;
  // How many agendas are paused (pop_paused_agendas).
  size_t PausedAgendaCount() const;

  // For every known insight, read now: pop_insight_queue_depth (ready, unclaimed agendas:
  // queued, waiting to enter the queue, or held back by a retry's backoff) and
  // pop_insight_oldest_wait_seconds (how long the oldest of them has been ready). Labels: the
  // insight's id and title (its id when untitled). O(agendas waiting): meant for scrapes.
  std::vector<metrics::GaugeReading> QueueGauges() const;
  // When a puller last asked each known insight for work (as this server saw since it started;
  // nullopt: never). The pullerSilent alert rule reads it.
  std::map<std::string, std::optional<Timestamp>> LastPolls() const;

  // The timer step: ends lapsed leases and waits, serves parked claims whose work arrived, and
  // saves RoundRobin state. The thread calls it; with start_thread=false tests call it.
  void ProcessDue(Timestamp now);

  // ChangeListener: a change this server committed, or one another server committed.
  void OnChange(const Change& change) override;
  // The ready entries of one transaction (a bulk submission) are applied under one hold of the
  // lock: the pullers parked in a long poll take it, and the work, once the whole batch is
  // queued, not once per entry. Other kinds go one by one as OnChange.
  void OnChanges(const std::vector<Change>& changes) override;
  // Reads every insight, customer, ready entry and RoundRobin state again and brings memory in
  // line with them (claims taken or released by other servers, entries added or gone). Errors:
  // the store's, when it could not be read (memory is left as it was).
  [[nodiscard]] Status OnResync() override;

  // The changes one by one (what OnChange does with each kind).
  // A ready entry as stored now (added, claimed, released or confirmed).
  void OnReady(const ReadyAgenda& ready);
  void OnAgendaDeleted(const std::string& agenda_id);
  void OnClaimConfirmed(const std::string& agenda_id);
  void OnObjectChanged(const DataObject& object);
  void OnObjectDeleted(ObjectKind kind, const std::string& id);
  // An agenda or insight paused (`paused_at` set) or resumed.
  void OnPauseChanged(PauseTarget target, const std::string& id,
                      std::optional<Timestamp> paused_at);

 private:
  struct Entry {
    std::string ready_id;
    std::string agenda_id;
    std::string customer_id;
    Timestamp added;
    int64_t priority = 0;
    uint64_t sequence = 0;
    std::optional<Timestamp> not_before;
  };
  struct Lease {
    Entry entry;
    std::string claimer;
    Timestamp until;
  };
  struct Waiter {
    uint64_t id = 0;
    size_t count = 0;
    std::string claimer;
    Timestamp deadline;
    ClaimCallback done;
  };
  struct Queue {
    std::optional<Insight> insight;
    std::unique_ptr<sched::SchedulingPolicy> policy;
    std::deque<Entry> queued;
    std::unordered_map<std::string, Lease> claimed;  // by agenda id
    std::unordered_map<std::string, Entry> delayed;  // by agenda id; not yet schedulable
    std::unordered_map<std::string, Entry> paused;   // by agenda id; paused agendas, held aside
    std::deque<Waiter> waiters;
    bool schedule_state_dirty = false;
    std::optional<Timestamp> last_poll;  // the latest Claim, and who made it
    std::string last_poller;
  };
  struct Located {  // where an agenda is tracked
    std::string insight_id;
    std::string ready_id;
  };
  // A batch of claims to write: entries taken from queues, and who gets them.
  struct ClaimBatch {
    struct Item {
      std::string insight_id;
      std::vector<Entry> entries;  // to try in the next round
      std::string claimer;
      ClaimCallback done;
      size_t wanted = 0;                 // the claim's count
      std::vector<ReadyAgenda> claimed;  // won so far
    };
    std::vector<Item> items;
  };
  // How one entry's claim went: won, or what the store holds instead (nullopt: nothing).
  struct Attempt {
    bool won = false;
    std::optional<ReadyAgenda> row;
    // Claimable but refused: the agenda or the insight is paused since then (the store says so,
    // though this server had not heard it yet).
    std::optional<Timestamp> agenda_paused;
    std::optional<Timestamp> insight_paused;
  };

  Queue& QueueLocked(const std::string& insight_id) POP_REQUIRES(mu_);
  void ConfigureLocked(Queue& queue, const Insight& insight) POP_REQUIRES(mu_);
  void RefillLocked(Queue& queue) POP_REQUIRES(mu_);
  void AddWaitingLocked(Queue& queue, const Entry& entry) POP_REQUIRES(mu_);
  // Waiting entries whose not_before is later than `now` are held back until then.
  void AddReadyLocked(Queue& queue, Entry entry, Timestamp now) POP_REQUIRES(mu_);
  void ReleaseDelayedLocked(Timestamp now) POP_REQUIRES(mu_);
  std::vector<Entry> TakeQueuedLocked(Queue& queue, size_t count) POP_REQUIRES(mu_);
  // Takes the agenda out of whichever part holds it (it stays located).
  void DetachLocked(Queue& queue, const std::string& agenda_id) POP_REQUIRES(mu_);
  void RecordLeaseLocked(Queue& queue, Entry entry, const std::string& claimer, Timestamp until)
      POP_REQUIRES(mu_);
  // Puts a tracked agenda where the store's `row` says it belongs: a lease that runs past `now`
  // among the claims; unclaimed or lapsed at the front of its queue; gone (nullopt) or confirmed
  // out of memory.
  void PlaceLocked(Entry entry, const std::optional<ReadyAgenda>& row, Timestamp now)
      POP_REQUIRES(mu_);
  // Whether `row` is held by a lease that runs past `now`.
  static bool LiveLease(const ReadyAgenda& row, Timestamp now);
  // Brings memory in line with one ready row as stored (see OnReady).
  void ApplyRowLocked(const ReadyAgenda& row, Timestamp now) POP_REQUIRES(mu_);
  void ForgetLocked(const std::string& agenda_id) POP_REQUIRES(mu_);
  bool AgendaPausedLocked(const std::string& agenda_id) const POP_REQUIRES(mu_);
  bool InsightPausedLocked(const std::string& insight_id) const POP_REQUIRES(mu_);
  // Moves the queued entries of paused agendas aside (Queue::paused).
  void SetAsidePausedLocked(Queue& queue) POP_REQUIRES(mu_);
  void ApplyPauseLocked(PauseTarget target, const std::string& id,
                        std::optional<Timestamp> paused_at, Timestamp now) POP_REQUIRES(mu_);
  // Replaces what is known of pauses with `paused` (Start, OnResync).
  void LoadPausesLocked(const std::vector<PausedTarget>& paused, Timestamp now) POP_REQUIRES(mu_);
  void OnObjectChangedLocked(const DataObject& object) POP_REQUIRES(mu_);
  void OnObjectDeletedLocked(ObjectKind kind, const std::string& id) POP_REQUIRES(mu_);
  void RestoreScheduleLocked(const std::string& insight_id, const InsightScheduleInfo& info)
      POP_REQUIRES(mu_);
  std::vector<std::string> PoolCustomersLocked(const std::string& pool_id) const POP_REQUIRES(mu_);
  void UpdatePoolLocked(const std::string& pool_id) POP_REQUIRES(mu_);

  // Claims the entries of `batch` in the store (one transaction per round), records the ones
  // won, places the ones other servers won, and tries the next queued entries for a claimer
  // that lost some; then calls every `done`. When a write fails, the entries go back to the
  // front of their queues and the claimers get the error.
  void CommitClaims(ClaimBatch batch);
  // One round: every entry's ClaimReady, in one transaction (with RoundRobin states to save).
  Status WriteClaims(const ClaimBatch& batch, std::vector<std::vector<Attempt>>& attempts,
                     const std::vector<InsightScheduleInfo>& schedule_state, Timestamp now);
  // A read of the store for a change another server made to an object or RoundRobin state.
  void RefreshObject(ObjectKind kind, const std::string& id);
  void RefreshSchedule(const std::string& insight_id);
  void ExpireLeases(Timestamp now);
  void Loop();

  Services services_;
  QueueOptions options_;
  Logger& logger_;

  mutable Mutex mu_;
  std::condition_variable cv_;
  bool running_ POP_GUARDED_BY(mu_) = false;
  // By insight id, by agenda id, by customer id, and the customers in storage order.
  std::unordered_map<std::string, Queue> queues_ POP_GUARDED_BY(mu_);
  std::unordered_map<std::string, Located> located_ POP_GUARDED_BY(mu_);
  std::unordered_map<std::string, Customer> customers_ POP_GUARDED_BY(mu_);
  std::vector<std::string> customer_order_ POP_GUARDED_BY(mu_);
  // (until, agenda), (deadline, waiter id), (time, agenda).
  std::set<std::pair<Timestamp, std::string>> lease_order_ POP_GUARDED_BY(mu_);
  std::set<std::pair<Timestamp, uint64_t>> waiter_order_ POP_GUARDED_BY(mu_);
  std::set<std::pair<Timestamp, std::string>> delayed_order_ POP_GUARDED_BY(mu_);
  // Agendas taken from a queue whose claim is being written (in no part meanwhile).
  std::unordered_set<std::string> in_flight_ POP_GUARDED_BY(mu_);
  // Paused agendas and insights, by id: since when.
  std::unordered_map<std::string, Timestamp> paused_agendas_ POP_GUARDED_BY(mu_);
  std::unordered_map<std::string, Timestamp> paused_insights_ POP_GUARDED_BY(mu_);
  uint64_t next_sequence_ POP_GUARDED_BY(mu_) = 1;
  uint64_t next_waiter_id_ POP_GUARDED_BY(mu_) = 1;
  Timestamp last_schedule_save_ POP_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace pop::app
