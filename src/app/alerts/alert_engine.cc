#include "app/alerts/alert_engine.h"

#include <algorithm>

namespace pop::app {

AlertRecord ToAlertRecord(const Alert& alert, bool alerting) {
  AlertRecord record;
  record.rule = AlertRuleName(alert.rule);
  record.key = alert.key;
  record.alerting = alerting;
  record.count = alert.count;
  record.first_seen = alert.first_seen;
  record.last_seen = alert.last_seen;
  record.resolved_at = alert.resolved_at;
  record.insight_id = alert.subject.insight_id;
  record.agenda_id = alert.subject.agenda_id;
  record.customer_id = alert.subject.customer_id;
  record.operation_type = alert.subject.operation_type;
  record.summary = alert.summary;
  record.agenda_url = alert.agenda_url;
  return record;
}

std::optional<Alert> FromAlertRecord(const AlertRecord& record) {
  std::optional<AlertRule> rule = ParseAlertRule(record.rule);
  if (!rule) return std::nullopt;
  Alert alert;
  alert.id = record.rule + "/" + record.key;
  alert.rule = *rule;
  alert.key = record.key;
  alert.subject = {record.insight_id, record.agenda_id, record.customer_id, record.operation_type};
  alert.summary = record.summary;
  alert.count = record.count;
  alert.first_seen = record.first_seen;
  alert.last_seen = record.last_seen;
  alert.resolved_at = record.resolved_at;
  alert.agenda_url = record.agenda_url;
  return alert;
}

AlertEngine::AlertEngine(Store& store, const Clock& clock, AlertEngineOptions options,
                         std::function<void(const AlertNotice&)> notify)
    : store_(store), clock_(clock), options_(std::move(options)), notify_(std::move(notify)) {}

int64_t AlertEngine::ThresholdOf(AlertRule rule) const {
  auto it = options_.thresholds.find(rule);
  return std::max<int64_t>(
      1, it == options_.thresholds.end() ? options_.default_threshold : it->second);
}

std::string AlertEngine::AgendaUrl(const std::string& agenda_id) const {
  if (agenda_id.empty() || options_.ui_base_url.empty()) return "";
  std::string base = options_.ui_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/ui/agendas/" + agenda_id;
}

Status AlertEngine::Begin() {
  {
    MutexLock lock(mu_);
    if (!changed_.empty() || !resolved_.empty()) return Status::Ok();
  }
  std::vector<AlertRecord> records;
  POP_RETURN_IF_ERROR(store_.Read([&](StoreReader& tx) -> Status {
    POP_ASSIGN_OR_RETURN(records, tx.ListAlertConditions());
    return Status::Ok();
  }));
  std::map<Key, Condition> loaded;
  for (const AlertRecord& record : records) {
    std::optional<Alert> alert = FromAlertRecord(record);
    if (!alert) continue;  // a rule of a newer pop: left as it is stored
    Key key{alert->rule, alert->key};
    loaded[key] = {std::move(*alert), record.alerting};
  }
  MutexLock lock(mu_);
  conditions_ = std::move(loaded);
  return Status::Ok();
}

void AlertEngine::Failure(const AlertObservation& observation) {
  const Timestamp now = clock_.Now();
  MutexLock lock(mu_);
  const Key key{observation.rule, observation.key};
  Condition& condition = conditions_[key];
  Alert& alert = condition.alert;
  if (alert.count == 0) {
    alert.id = std::string(AlertRuleName(observation.rule)) + "/" + observation.key;
    alert.rule = observation.rule;
    alert.key = observation.key;
    alert.first_seen = now;
  }
  alert.count += std::max<int64_t>(1, observation.failures);
  alert.last_seen = now;
  alert.subject = observation.subject;
  alert.summary = observation.summary;
  alert.agenda_url = AgendaUrl(observation.subject.agenda_id);
  changed_.insert(key);
  if (!condition.alerting && alert.count >= ThresholdOf(observation.rule)) {
    condition.alerting = true;
    notices_.push_back({AlertTransition::kFiring, alert});
  }
}

void AlertEngine::Pass(AlertRule rule, const std::string& key) {
  MutexLock lock(mu_);
  auto it = conditions_.find({rule, key});
  if (it == conditions_.end()) return;
  if (it->second.alerting) {
    Alert resolved = it->second.alert;
    resolved.resolved_at = clock_.Now();
    resolved_.push_back(resolved);
    notices_.push_back({AlertTransition::kResolved, std::move(resolved)});
  }
  changed_.insert(it->first);
  conditions_.erase(it);
}

void AlertEngine::Evaluate(AlertRule rule, const std::vector<AlertObservation>& failing) {
  std::set<std::string> failing_keys;
  for (const AlertObservation& observation : failing) {
    failing_keys.insert(observation.key);
    Failure(observation);
  }
  std::vector<std::string> passed;
  {
    MutexLock lock(mu_);
    for (const auto& [key, condition] : conditions_) {
      if (key.first == rule && failing_keys.count(key.second) == 0) passed.push_back(key.second);
    }
  }
  for (const std::string& key : passed) Pass(rule, key);
}

Status AlertEngine::Commit(const std::function<Status(StoreWriter&)>& also) {
  std::vector<AlertRecord> puts;
  std::vector<Key> deletes;
  std::vector<AlertRecord> resolved;
  std::vector<AlertNotice> notices;
  {
    MutexLock lock(mu_);
    for (const Key& key : changed_) {
      auto it = conditions_.find(key);
      if (it == conditions_.end()) {
        deletes.push_back(key);
      } else {
        puts.push_back(ToAlertRecord(it->second.alert, it->second.alerting));
      }
    }
    for (const Alert& alert : resolved_) resolved.push_back(ToAlertRecord(alert, true));
    notices.swap(notices_);
  }
  Status stored = Status::Ok();
  if (!puts.empty() || !deletes.empty() || !resolved.empty() || also) {
    stored = store_.Write([&](StoreWriter& tx) -> Status {
      for (const AlertRecord& record : puts) POP_RETURN_IF_ERROR(tx.PutAlertCondition(record));
      for (const Key& key : deletes) {
        POP_RETURN_IF_ERROR(tx.DeleteAlertCondition(AlertRuleName(key.first), key.second).status());
      }
      for (const AlertRecord& record : resolved) {
        POP_RETURN_IF_ERROR(tx.AddResolvedAlert(record, options_.recent_limit));
      }
      return also ? also(tx) : Status::Ok();
    });
  }
  if (stored.ok()) {
    MutexLock lock(mu_);
    changed_.clear();
    resolved_.clear();
  }
  if (notify_) {
    for (const AlertNotice& notice : notices) notify_(notice);
  }
  return stored;
}

Result<std::vector<Alert>> AlertEngine::Current() const {
  std::vector<AlertRecord> records;
  POP_RETURN_IF_ERROR(store_.Read([&](StoreReader& tx) -> Status {
    POP_ASSIGN_OR_RETURN(records, tx.ListAlertConditions());
    return Status::Ok();
  }));
  std::vector<Alert> current;
  for (const AlertRecord& record : records) {
    if (!record.alerting) continue;
    if (std::optional<Alert> alert = FromAlertRecord(record)) current.push_back(std::move(*alert));
  }
  return current;
}

Result<std::vector<Alert>> AlertEngine::Recent() const {
  std::vector<AlertRecord> records;
  POP_RETURN_IF_ERROR(store_.Read([&](StoreReader& tx) -> Status {
    POP_ASSIGN_OR_RETURN(records, tx.ListResolvedAlerts(options_.recent_limit));
    return Status::Ok();
  }));
  std::vector<Alert> recent;
  for (const AlertRecord& record : records) {
    if (std::optional<Alert> alert = FromAlertRecord(record)) recent.push_back(std::move(*alert));
  }
  return recent;
}

}  // namespace pop::app
