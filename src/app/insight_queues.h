// InsightQueues: the scheduler (spec §12, fixed per docs/compat.md). For every Insight it keeps,
// in memory, the ready Agendas in the Insight's scheduling policy (core/sched), the queue the
// policy fills up to `queueSize`, and the claims pullers hold. A claim is durable (the ready row
// records who holds it until when) and is a lease: unless the executor reports
// (OnClaimConfirmed) before `lease_until`, the Agenda returns to the front of its queue. Claims
// may wait (long poll) until work arrives; events wake the scheduler at once.
//
// Nothing is lost: every ready Agenda is a store row, which is the truth; memory is rebuilt from
// it at Start. No Agenda is handed to two claimers at once: an entry leaves the queue under the
// lock before its claim is written, and goes back only when the write fails or the lease ends.
// Design: docs/design/scheduler.md. Thread-safe.
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
#include <vector>

#include "app/scheduler_events.h"
#include "app/services.h"
#include "core/base/result.h"
#include "core/sched/scheduling_policy.h"
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
  enum class State { kWaiting, kQueued, kClaimed, kDelayed };
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

class InsightQueues final : public SchedulerEvents {
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

  // The timer step: ends lapsed leases and waits, serves parked claims whose work arrived, and
  // saves RoundRobin state. The thread calls it; with start_thread=false tests call it.
  void ProcessDue(Timestamp now);

  // SchedulerEvents.
  void OnReady(const ReadyAgenda& ready) override;
  void OnAgendaDeleted(const std::string& agenda_id) override;
  void OnClaimConfirmed(const std::string& agenda_id) override;
  void OnObjectChanged(const DataObject& object) override;
  void OnObjectDeleted(ObjectKind kind, const std::string& id) override;

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
      std::vector<Entry> entries;
      std::string claimer;
      ClaimCallback done;
    };
    std::vector<Item> items;
  };

  Queue& QueueLocked(const std::string& insight_id) POP_REQUIRES(mu_);
  void ConfigureLocked(Queue& queue, const Insight& insight) POP_REQUIRES(mu_);
  void RefillLocked(Queue& queue) POP_REQUIRES(mu_);
  void AddWaitingLocked(Queue& queue, const Entry& entry) POP_REQUIRES(mu_);
  // Waiting entries whose not_before is later than `now` are held back until then.
  void AddReadyLocked(Queue& queue, Entry entry, Timestamp now) POP_REQUIRES(mu_);
  void ReleaseDelayedLocked(Timestamp now) POP_REQUIRES(mu_);
  std::vector<Entry> TakeQueuedLocked(Queue& queue, size_t count) POP_REQUIRES(mu_);
  void ForgetLocked(const std::string& agenda_id) POP_REQUIRES(mu_);
  std::vector<std::string> PoolCustomersLocked(const std::string& pool_id) const POP_REQUIRES(mu_);
  void UpdatePoolLocked(const std::string& pool_id) POP_REQUIRES(mu_);

  // Writes the claims of `batch` in one transaction, then records them (or puts the entries back
  // at the front of their queues when the write failed) and calls every `done`.
  void CommitClaims(ClaimBatch batch);
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
  uint64_t next_sequence_ POP_GUARDED_BY(mu_) = 1;
  uint64_t next_waiter_id_ POP_GUARDED_BY(mu_) = 1;
  Timestamp last_schedule_save_ POP_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace pop::app
