#include "app/alerts/alert_rules.h"

#include <algorithm>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "app/alerts/finished_scan.h"
#include "core/model/data_object.h"

namespace pop::app {
namespace {

ObjectQuery FinishedQuery(const char* message) {
  ObjectQuery query;
  query.equals = {{"processingState", ProcessingStateName(ProcessingState::kComplete)},
                  {"processingStateMessage", message}};
  query.scope = VisibilityScope::Everything();
  return query;
}

Timestamp FinishedAt(const EndpointObject& object, const std::optional<Timestamp>& completed) {
  return completed.value_or(object.updated_time.value_or(Timestamp()));
}

std::string LastDiagnostic(const std::optional<std::vector<DiagnosticEvent>>& events) {
  if (!events) return "";
  for (auto it = events->rbegin(); it != events->rend(); ++it) {
    if (it->message && !it->message->empty()) return *it->message;
  }
  return "";
}

std::string Seconds(Duration d) { return std::to_string(d.millis() / 1000) + " s"; }

// The stored cursors (Store::SetAlertCursor) of the rules that read finished records.
constexpr const char* kFinishedCursor = "agendaFailed";
constexpr const char* kOperationCursor = "operationTypeFailing";

}  // namespace

AlertRules::AlertRules(Services services, AlertEngine& engine, AlertRulesOptions options,
                       LastPollsFn last_polls)
    : services_(services),
      engine_(engine),
      options_(std::move(options)),
      last_polls_(std::move(last_polls)),
      started_(services.clock.Now()) {}

bool AlertRules::Enabled(AlertRule rule) const {
  auto it = options_.disabled.find(rule);
  return it == options_.disabled.end() || !it->second;
}

void AlertRules::RecordReclaimed(int64_t count) {
  MutexLock lock(mu_);
  reclaimed_ += count;
}

Status AlertRules::RunOnce() {
  const Timestamp now = services_.clock.Now();
  // Without the stored conditions the round still probes the store and counts the reclaimer,
  // so a store that cannot be read or written is reported.
  Status loaded = engine_.Begin();
  if (Enabled(AlertRule::kStoreWriteFailing)) CheckStoreWrite();
  if (Enabled(AlertRule::kReclaimed)) CheckReclaimed();
  std::map<std::string, ScanCursor> cursors;  // by name, as read this round
  Status status = loaded;
  if (loaded.ok()) {
    status = services_.store.Read([&](StoreReader& tx) -> Status {
      for (const char* name : {kFinishedCursor, kOperationCursor}) {
        POP_ASSIGN_OR_RETURN(std::optional<std::string> text, tx.GetAlertCursor(name));
        cursors[name] = DecodeScanCursor(text, started_);
      }
      if (Enabled(AlertRule::kAgendaFailed)) {
        POP_RETURN_IF_ERROR(CheckFinishedAgendas(tx, cursors[kFinishedCursor]));
      }
      if (Enabled(AlertRule::kOperationTypeFailing)) {
        POP_RETURN_IF_ERROR(CheckOperationTypes(tx, now, cursors[kOperationCursor]));
      }
      return CheckQueues(tx, now);
    });
  }
  // The round's alerts and how far it read are stored together: the next round (here or on the
  // server that leads next) neither counts a finished record twice nor skips one.
  Status committed = engine_.Commit([&](StoreWriter& tx) -> Status {
    if (!status.ok()) return Status::Ok();
    for (const auto& [name, cursor] : cursors) {
      POP_RETURN_IF_ERROR(tx.SetAlertCursor(name, EncodeScanCursor(cursor)));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  // A store refusing writes is the storeWriteFailing alert itself, not an error of the round.
  if (!committed.ok() && Enabled(AlertRule::kStoreWriteFailing)) return Status::Ok();
  return committed;
}

void AlertRules::CheckStoreWrite() {
  // An empty transaction goes through the store's whole write path (connection, BEGIN, COMMIT),
  // so a full disk, a read-only file or a lost database shows here.
  Status probe = services_.store.Write([](StoreWriter&) { return Status::Ok(); });
  if (probe.ok()) {
    engine_.Pass(AlertRule::kStoreWriteFailing, "store");
    return;
  }
  AlertObservation observation;
  observation.rule = AlertRule::kStoreWriteFailing;
  observation.key = "store";
  observation.summary =
      std::string("store writes fail: ") + ErrorCodeName(probe.code()) + ": " + probe.message();
  engine_.Failure(observation);
}

void AlertRules::CheckReclaimed() {
  int64_t reclaimed = 0;
  {
    MutexLock lock(mu_);
    std::swap(reclaimed, reclaimed_);
  }
  if (reclaimed == 0) {
    engine_.Pass(AlertRule::kReclaimed, "reclaimer");
    return;
  }
  AlertObservation observation;
  observation.rule = AlertRule::kReclaimed;
  observation.key = "reclaimer";
  observation.failures = reclaimed;
  observation.summary = "the reclaimer failed " + std::to_string(reclaimed) +
                        " Agenda(s) whose executor stopped reporting";
  engine_.Failure(observation);
}

// Agendas finished since the cursor, in the order they finished (their updatedTime): a failure
// (after the last attempt: a retried Agenda is WAITING again, not COMPLETE/failed) adds to its
// Insight and customer's streak; a success ends it.
Status AlertRules::CheckFinishedAgendas(StoreReader& tx, ScanCursor& cursor) {
  ObjectQuery query;
  query.equals = {{"processingState", ProcessingStateName(ProcessingState::kComplete)}};
  query.scope = VisibilityScope::Everything();
  return ScanSince(tx, ObjectKind::kAgendaProgress, query, options_.scan_limit, options_.scan_pages,
                   cursor, [this](DataObject& object) {
                     FinishedAgenda(std::get<AgendaProgress>(object));
                     return Status::Ok();
                   });
}

void AlertRules::FinishedAgenda(const AgendaProgress& progress) {
  const std::string message = progress.processing_state_message.value_or("");
  if (message != kMessageFailed && message != kMessageSucceeded) return;
  AlertSubject subject;
  subject.insight_id = progress.agenda_insight && progress.agenda_insight->insight_id
                           ? *progress.agenda_insight->insight_id
                           : "";
  subject.customer_id = progress.customer_id.value_or("");
  const std::string key = subject.insight_id + "/" + subject.customer_id;
  if (message == kMessageSucceeded) {
    engine_.Pass(AlertRule::kAgendaFailed, key);
    return;
  }
  subject.agenda_id = progress.agenda_id.value_or("");
  AlertObservation observation;
  observation.rule = AlertRule::kAgendaFailed;
  observation.key = key;
  observation.subject = subject;
  observation.summary = "Agenda " + subject.agenda_id + " of customer " + subject.customer_id +
                        " on insight " + subject.insight_id + " failed after attempt " +
                        std::to_string(progress.attempts_completed.value_or(0)) + " of " +
                        std::to_string(progress.maximum_attempts.value_or(1));
  const std::string diagnostic = LastDiagnostic(progress.diagnostic_events);
  if (!diagnostic.empty()) observation.summary += ": " + diagnostic;
  engine_.Failure(observation);
}

// Failed operations read since the cursor, counted by operation type (the Agenda names the type
// of each operation). The cursor keeps each type's latest failures (as many as the rule's
// count), so a type alerts when that many of them fall within the window.
Status AlertRules::CheckOperationTypes(StoreReader& tx, Timestamp now, ScanCursor& cursor) {
  std::map<std::string, std::optional<Agenda>> agendas;  // by agenda progress id
  const auto keep = static_cast<size_t>(std::max<int64_t>(1, options_.operation_failures));
  Status scanned = ScanSince(
      tx, ObjectKind::kOperationProgress, FinishedQuery(kMessageFailed), options_.scan_limit,
      options_.scan_pages, cursor, [&](DataObject& object) -> Status {
        const auto& op = std::get<OperationProgress>(object);
        if (!op.agenda_progress_id || !op.operation) return Status::Ok();
        auto [it, inserted] = agendas.try_emplace(*op.agenda_progress_id);
        if (inserted) {
          POP_ASSIGN_OR_RETURN(auto progress, tx.Get(ObjectKind::kAgendaProgress, it->first));
          const auto* agenda_progress =
              progress ? std::get_if<AgendaProgress>(&*progress) : nullptr;
          if (agenda_progress != nullptr && agenda_progress->agenda_id) {
            POP_ASSIGN_OR_RETURN(auto agenda,
                                 tx.Get(ObjectKind::kAgenda, *agenda_progress->agenda_id));
            if (agenda) it->second = std::get<Agenda>(std::move(*agenda));
          }
        }
        if (!it->second) return Status::Ok();
        const Agenda& agenda = *it->second;
        std::string type;
        for (const Operation& operation : agenda.operations.value_or(std::vector<Operation>{})) {
          if (operation.name == op.operation) type = operation.type.value_or("");
        }
        if (type.empty()) return Status::Ok();
        std::vector<ScanEvent>& events = cursor.events[type];
        events.push_back({FinishedAt(op, op.completed_time),
                          agenda.agenda_insight && agenda.agenda_insight->insight_id
                              ? *agenda.agenda_insight->insight_id
                              : "",
                          agenda.id.value_or(""), agenda.customer_id.value_or("")});
        std::stable_sort(events.begin(), events.end(),
                         [](const ScanEvent& a, const ScanEvent& b) { return a.at < b.at; });
        if (events.size() > keep) events.erase(events.begin(), events.end() - keep);
        return Status::Ok();
      });
  if (!scanned.ok()) return scanned;
  const Timestamp window_start = now - options_.operation_window;
  std::vector<AlertObservation> failing;
  for (auto it = cursor.events.begin(); it != cursor.events.end();) {
    std::vector<ScanEvent>& events = it->second;
    events.erase(std::remove_if(events.begin(), events.end(),
                                [&](const ScanEvent& e) { return e.at < window_start; }),
                 events.end());
    if (events.empty()) {
      it = cursor.events.erase(it);
      continue;
    }
    if (static_cast<int64_t>(events.size()) >= options_.operation_failures) {
      const ScanEvent& latest = events.back();
      failing.push_back(
          {AlertRule::kOperationTypeFailing, it->first,
           AlertSubject{latest.insight_id, latest.agenda_id, latest.customer_id, it->first},
           "operation type " + it->first + " failed at least " + std::to_string(events.size()) +
               " times in the last " + Seconds(options_.operation_window),
           1});
    }
    ++it;
  }
  engine_.Evaluate(AlertRule::kOperationTypeFailing, failing);
  return Status::Ok();
}

// Per Insight: how long its oldest schedulable Agenda has waited, and whether a puller asks.
Status AlertRules::CheckQueues(StoreReader& tx, Timestamp now) {
  POP_ASSIGN_OR_RETURN(auto ready, tx.ListReadyAgendas());
  std::map<std::string, const ReadyAgenda*> oldest;  // by insight: unclaimed, schedulable now
  for (const ReadyAgenda& entry : ready) {
    if (entry.confirmed || entry.claimed_by || (entry.not_before && *entry.not_before > now)) {
      continue;
    }
    const Timestamp since = std::max(entry.added, entry.not_before.value_or(entry.added));
    auto [it, inserted] = oldest.try_emplace(entry.insight_id, &entry);
    if (!inserted &&
        since < std::max(it->second->added, it->second->not_before.value_or(it->second->added))) {
      it->second = &entry;
    }
  }
  if (Enabled(AlertRule::kQueueWait)) {
    std::vector<AlertObservation> failing;
    for (const auto& [insight, entry] : oldest) {
      const Duration waited =
          now - std::max(entry->added, entry->not_before.value_or(entry->added));
      if (waited <= options_.queue_wait) continue;
      failing.push_back({AlertRule::kQueueWait, insight,
                         AlertSubject{insight, entry->agenda_id, entry->customer_id, ""},
                         "insight " + insight + ": the oldest queued Agenda (" + entry->agenda_id +
                             ") has waited " + Seconds(waited),
                         1});
    }
    engine_.Evaluate(AlertRule::kQueueWait, failing);
  }
  if (Enabled(AlertRule::kPullerSilent)) {
    // Insights with schedulable work, and insights a puller polled once (through this server or
    // any other, as the store recorded): one that no puller has asked for T (or never, since
    // this server started T ago) alerts.
    std::map<std::string, std::optional<Timestamp>> polls;
    if (last_polls_) polls = last_polls_();
    POP_ASSIGN_OR_RETURN(std::vector<InsightPoll> recorded, tx.ListInsightPolls());
    for (const InsightPoll& poll : recorded) {
      std::optional<Timestamp>& last = polls[poll.insight_id];
      if (!last || *last < poll.last_poll) last = poll.last_poll;
    }
    std::set<std::string> insights;
    for (const auto& [insight, entry] : oldest) insights.insert(insight);
    for (const auto& [insight, at] : polls) {
      if (at) insights.insert(insight);
    }
    std::vector<AlertObservation> failing;
    for (const std::string& insight : insights) {
      auto it = polls.find(insight);
      const std::optional<Timestamp> last = it == polls.end() ? std::nullopt : it->second;
      const Duration silent = now - last.value_or(started_);
      if (silent <= options_.puller_silence) continue;
      std::string summary = "no puller has polled insight " + insight + " for " + Seconds(silent);
      if (!last) summary += " (none since this server started)";
      failing.push_back(
          {AlertRule::kPullerSilent, insight, AlertSubject{insight, "", "", ""}, summary, 1});
    }
    engine_.Evaluate(AlertRule::kPullerSilent, failing);
  }
  return Status::Ok();
}

}  // namespace pop::app
