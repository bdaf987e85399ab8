// ChangeFeed: how the changes of the store reach what keeps state derived from it (the
// scheduler's in-memory queues) at once, instead of on a timer. The use cases Publish() each
// change after their transaction commits; the feed hands it to every listener of this process.
// A feed over a store that several servers share (PostgresChangeFeed) also delivers the changes
// the other servers commit, and, when it may have missed some (its connection broke), tells its
// listeners to read the store again once it listens again. Design: docs/design/scheduler.md,
// "Change notification". Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/model/data_object.h"
#include "core/model/pause.h"
#include "core/model/ready_agenda.h"
#include "ports/mutex.h"

namespace pop {

// One committed change, as this server's use cases publish it or another server's store
// announced it.
struct Change {
  enum class Kind {
    kReadyAdded,      // `ready` was stored (submission, rerun, retry, createAgenda, recovery)
    kReadyChanged,    // `ready` as stored now: its claim was taken, released or confirmed
    kReadyRemoved,    // the entry `ready` (its id and agenda_id) was deleted
    kAgendaDeleted,   // `id`: the agenda and every ready entry of it are gone
    kClaimConfirmed,  // `id`: the agenda's executor reported; its entry no longer schedules
    kObjectChanged,   // `object` as stored; or, without it, `object_kind`/`id`: read it again
    kObjectDeleted,   // `object_kind`, `id`; `object`: as it was, when the deleter had it
    kScheduleState,   // `id`: the insight's RoundRobin carry-over was saved
    kPauseChanged,    // `id` of `pause_target` was paused (`paused_at` set: since) or resumed
  };

  Kind kind = Kind::kReadyAdded;
  ReadyAgenda ready;
  std::optional<DataObject> object;
  ObjectKind object_kind = ObjectKind::kAgenda;
  std::string id;
  PauseTarget pause_target = PauseTarget::kAgenda;
  std::optional<Timestamp> paused_at;  // kPauseChanged: when it was paused; nullopt: resumed

  static Change ReadyAdded(ReadyAgenda entry) { return Of(Kind::kReadyAdded, std::move(entry)); }
  static Change ReadyChanged(ReadyAgenda entry) {
    return Of(Kind::kReadyChanged, std::move(entry));
  }
  static Change ReadyRemoved(ReadyAgenda entry) {
    return Of(Kind::kReadyRemoved, std::move(entry));
  }
  static Change AgendaDeleted(std::string agenda_id) {
    return About(Kind::kAgendaDeleted, std::move(agenda_id));
  }
  static Change ClaimConfirmed(std::string agenda_id) {
    return About(Kind::kClaimConfirmed, std::move(agenda_id));
  }
  static Change ObjectChanged(DataObject stored) {
    Change change = About(Kind::kObjectChanged, *BaseOf(stored).id);
    change.object_kind = KindOf(stored);
    change.object = std::move(stored);
    return change;
  }
  // Another server changed (or deleted) the object: the listener reads it again.
  static Change ObjectTouched(ObjectKind kind, std::string id) {
    Change change = About(Kind::kObjectChanged, std::move(id));
    change.object_kind = kind;
    return change;
  }
  static Change ObjectDeleted(ObjectKind kind, std::string id,
                              std::optional<DataObject> was = std::nullopt) {
    Change change = About(Kind::kObjectDeleted, std::move(id));
    change.object_kind = kind;
    change.object = std::move(was);
    return change;
  }
  static Change ScheduleState(std::string insight_id) {
    return About(Kind::kScheduleState, std::move(insight_id));
  }
  static Change PauseChanged(PauseTarget target, std::string id,
                             std::optional<Timestamp> paused_at) {
    Change change = About(Kind::kPauseChanged, std::move(id));
    change.pause_target = target;
    change.paused_at = paused_at;
    return change;
  }

 private:
  static Change Of(Kind kind, ReadyAgenda entry) {
    Change change;
    change.kind = kind;
    change.id = entry.agenda_id;
    change.ready = std::move(entry);
    return change;
  }
  static Change About(Kind kind, std::string id) {
    Change change;
    change.kind = kind;
    change.id = std::move(id);
    return change;
  }
};

// What listens to a feed. Both methods may run on any thread (the publisher's, or the feed's
// own), never two at once for one feed's remote changes; they must not call Publish.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void OnChange(const Change& change) = 0;
  // Changes one transaction committed together (a bulk submission), in order. A listener that
  // wakes waiters may apply them all first and wake them once.
  virtual void OnChanges(const std::vector<Change>& changes) {
    for (const Change& change : changes) OnChange(change);
  }
  // Changes may have been missed (the feed's connection to the store broke and is back): read
  // the store again. Called once the feed listens again, so nothing after the read is missed.
  // An error (the store could not be read) makes the feed call it again later.
  [[nodiscard]] virtual Status OnResync() = 0;
};

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Hands a change this process committed to every listener of this process, on the calling
  // thread. (Other servers learn of it from the store itself.)
  virtual void Publish(const Change& change) = 0;
  // The changes of one transaction, together (each listener's OnChanges).
  virtual void PublishAll(const std::vector<Change>& changes) {
    for (const Change& change : changes) Publish(change);
  }
  // `listener` gets every change from now on; it must outlive the feed or be unsubscribed.
  virtual void Subscribe(ChangeListener* listener) = 0;
  virtual void Unsubscribe(ChangeListener* listener) = 0;
};

// Nobody listens (tools, benchmarks and tests without a scheduler).
class NullChangeFeed final : public ChangeFeed {
 public:
  void Publish(const Change& /*change*/) override {}
  void Subscribe(ChangeListener* /*listener*/) override {}
  void Unsubscribe(ChangeListener* /*listener*/) override {}
};

// The feed of a store with one server (SQLite): this process's changes are all there are.
// PostgresChangeFeed delivers through one of these too.
class LocalChangeFeed final : public ChangeFeed {
 public:
  void Publish(const Change& change) override {
    for (ChangeListener* listener : Listeners()) listener->OnChange(change);
  }
  void PublishAll(const std::vector<Change>& changes) override {
    for (ChangeListener* listener : Listeners()) listener->OnChanges(changes);
  }
  void Subscribe(ChangeListener* listener) override {
    MutexLock lock(mu_);
    listeners_.push_back(listener);
  }
  void Unsubscribe(ChangeListener* listener) override {
    MutexLock lock(mu_);
    std::erase(listeners_, listener);
  }
  // Tells every listener to read the store again; the first error of any of them (each is told).
  [[nodiscard]] Status Resync() {
    Status first = Status::Ok();
    for (ChangeListener* listener : Listeners()) {
      Status read = listener->OnResync();
      if (first.ok() && !read.ok()) first = std::move(read);
    }
    return first;
  }

 private:
  std::vector<ChangeListener*> Listeners() {
    MutexLock lock(mu_);
    return listeners_;
  }

  Mutex mu_;
  std::vector<ChangeListener*> listeners_ POP_GUARDED_BY(mu_);
};

}  // namespace pop
