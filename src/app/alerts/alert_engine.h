// AlertEngine: the state of every alert condition. Rules (alert_rules.h) report failures and
// passes; the engine applies the threshold (the original's alert.count.threshold: a condition
// alerts only after N consecutive failures), suppresses duplicates while a condition lasts, says
// when it clears, and keeps the current and recent alerts for the API. Notices go to `notify`
// (the AlertDispatcher), called without the engine's lock. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "app/alerts/alert.h"
#include "ports/clock.h"
#include "ports/mutex.h"

namespace pop::app {

struct AlertEngineOptions {
  // Consecutive failures before a condition alerts, per rule; a rule not listed uses
  // `default_threshold` (the original's alert.count.threshold, 2).
  std::map<AlertRule, int64_t> thresholds;
  int64_t default_threshold = 2;
  // The UI's address as users reach it ("https://pop.example.com"); alerts about an Agenda carry
  // "<ui_base_url>/ui/agendas/<id>". Empty: no link.
  std::string ui_base_url;
  size_t recent_limit = 200;  // resolved alerts kept for the API, newest first
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
  AlertEngine(const Clock& clock, AlertEngineOptions options,
              std::function<void(const AlertNotice&)> notify);

  // Adds failures to the condition's streak; alerts when the streak reaches the threshold.
  // A condition already alerting only updates its count, subject and last time (no notice).
  void Failure(const AlertObservation& observation);
  // The condition passed: its streak ends; an alerting condition resolves (one notice).
  void Pass(AlertRule rule, const std::string& key);
  // One round of a rule whose conditions are all known each round: each of `failing` fails,
  // every other condition of the rule passes.
  void Evaluate(AlertRule rule, const std::vector<AlertObservation>& failing);

  std::vector<Alert> Current() const;  // alerting now, oldest first
  std::vector<Alert> Recent() const;   // resolved, newest first

  int64_t ThresholdOf(AlertRule rule) const;

 private:
  using Key = std::pair<AlertRule, std::string>;
  struct Condition {
    Alert alert;
    bool alerting = false;
  };

  std::string AgendaUrl(const std::string& agenda_id) const;
  void Deliver(const std::vector<AlertNotice>& notices) const;

  const Clock& clock_;
  const AlertEngineOptions options_;
  const std::function<void(const AlertNotice&)> notify_;
  mutable Mutex mu_;
  std::map<Key, Condition> conditions_ POP_GUARDED_BY(mu_);
  std::deque<Alert> recent_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::app
