#include "app/alerts/alert_engine.h"

#include <algorithm>
#include <set>

namespace pop::app {

AlertEngine::AlertEngine(const Clock& clock, AlertEngineOptions options,
                         std::function<void(const AlertNotice&)> notify)
    : clock_(clock), options_(std::move(options)), notify_(std::move(notify)) {}

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

void AlertEngine::Failure(const AlertObservation& observation) {
  const Timestamp now = clock_.Now();
  std::vector<AlertNotice> notices;
  {
    MutexLock lock(mu_);
    Condition& condition = conditions_[{observation.rule, observation.key}];
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
    if (!condition.alerting && alert.count >= ThresholdOf(observation.rule)) {
      condition.alerting = true;
      notices.push_back({AlertTransition::kFiring, alert});
    }
  }
  Deliver(notices);
}

void AlertEngine::Pass(AlertRule rule, const std::string& key) {
  std::vector<AlertNotice> notices;
  {
    MutexLock lock(mu_);
    auto it = conditions_.find({rule, key});
    if (it == conditions_.end()) return;
    if (it->second.alerting) {
      Alert resolved = it->second.alert;
      resolved.resolved_at = clock_.Now();
      recent_.push_front(resolved);
      while (recent_.size() > options_.recent_limit) recent_.pop_back();
      notices.push_back({AlertTransition::kResolved, std::move(resolved)});
    }
    conditions_.erase(it);
  }
  Deliver(notices);
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

std::vector<Alert> AlertEngine::Current() const {
  std::vector<Alert> current;
  {
    MutexLock lock(mu_);
    for (const auto& [key, condition] : conditions_) {
      if (condition.alerting) current.push_back(condition.alert);
    }
  }
  std::stable_sort(current.begin(), current.end(),
                   [](const Alert& a, const Alert& b) { return a.first_seen < b.first_seen; });
  return current;
}

std::vector<Alert> AlertEngine::Recent() const {
  MutexLock lock(mu_);
  return {recent_.begin(), recent_.end()};
}

void AlertEngine::Deliver(const std::vector<AlertNotice>& notices) const {
  if (!notify_) return;
  for (const AlertNotice& notice : notices) notify_(notice);
}

}  // namespace pop::app
