// AlertEngine: the state of every alert condition. Rules (alert_rules.h) report failures and
// passes; the engine applies the threshold (the original's alert.count.threshold: a condition
// alerts only after N consecutive failures), suppresses duplicates while a condition lasts and
// says when it clears. The state lives in the store (AlertRecord), so every server sharing it
// lists the same alerts and the server that evaluates the rules next (after a restart or a
// change of leader) carries on the open ones: no second "firing", one "resolved".
//
// A round: Begin() loads the stored conditions; Failure/Pass/Evaluate change them in memory;
// Commit() stores the changes in one transaction and then hands the round's notices to `notify`
// (the AlertDispatcher, which never blocks), without the engine's lock. When the store refuses
// the write (it is the storeWriteFailing condition itself, say) the notices still go out and
// the changes are kept and stored by a later Commit; Begin does not reload over them.
// Thread-safe; rounds run on one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/alerts/alert.h"
#include "core/base/result.h"
#include "ports/clock.h"
#include "ports/mutex.h"
#include "ports/store.h"

namespace pop::app {

struct AlertEngineOptions {
  // Consecutive failures before a condition alerts, per rule; a rule not listed uses
  // `default_threshold` (the original's alert.count.threshold, 2).
  std::map<AlertRule, int64_t> thresholds;
  int64_t default_threshold = 2;
  // The UI's address as users reach it ("https://pop.example.com"); alerts about an Agenda carry
  // "<ui_base_url>/ui/agendas/<id>". Empty: no link.
  std::string ui_base_url;
  size_t recent_limit = 200;  // resolved alerts kept in the store for the API, newest first
};

// One failure of a condition.
struct AlertObservation {
  AlertRule rule = AlertRule::kAgendaFailed;
  std::string key;
  AlertSubject subject;
  std::string summary;
  int64_t failures = 1;  // how many failures this report stands for
};

class AlertEngine {
 public:
  AlertEngine(Store& store, const Clock& clock, AlertEngineOptions options,
              std::function<void(const AlertNotice&)> notify);

  // Starts a round: loads the open conditions from the store, unless changes of an earlier
  // round are still waiting to be stored (then memory is newer and is kept).
  [[nodiscard]] Status Begin();
  // Adds failures to the condition's streak; alerts when the streak reaches the threshold.
  // A condition already alerting only updates its count, subject and last time (no notice).
  void Failure(const AlertObservation& observation);
  // The condition passed: its streak ends; an alerting condition resolves (one notice).
  void Pass(AlertRule rule, const std::string& key);
  // One round of a rule whose conditions are all known each round: each of `failing` fails,
  // every other condition of the rule passes.
  void Evaluate(AlertRule rule, const std::vector<AlertObservation>& failing);
  // Stores the round's changes, with what `also` writes in the same transaction (the rules'
  // cursors), then delivers the round's notices. Returns the store's error, if any.
  [[nodiscard]] Status Commit(const std::function<Status(StoreWriter&)>& also = nullptr);

  // What the store holds, for the API: alerting now (oldest first), and the resolved ones
  // (newest first).
  [[nodiscard]] Result<std::vector<Alert>> Current() const;
  [[nodiscard]] Result<std::vector<Alert>> Recent() const;

  int64_t ThresholdOf(AlertRule rule) const;

 private:
  using Key = std::pair<AlertRule, std::string>;
  struct Condition {
    Alert alert;
    bool alerting = false;
  };

  std::string AgendaUrl(const std::string& agenda_id) const;

  Store& store_;
  const Clock& clock_;
  const AlertEngineOptions options_;
  const std::function<void(const AlertNotice&)> notify_;
  mutable Mutex mu_;
  std::map<Key, Condition> conditions_ POP_GUARDED_BY(mu_);
  std::set<Key> changed_ POP_GUARDED_BY(mu_);             // stored or deleted at the next Commit
  std::vector<Alert> resolved_ POP_GUARDED_BY(mu_);       // added to the store at the next Commit
  std::vector<AlertNotice> notices_ POP_GUARDED_BY(mu_);  // delivered by the next Commit
};

// The stored form of an alert and back (nullopt: a rule this version does not know).
AlertRecord ToAlertRecord(const Alert& alert, bool alerting);
std::optional<Alert> FromAlertRecord(const AlertRecord& record);

}  // namespace pop::app
