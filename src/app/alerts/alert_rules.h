// AlertRules: the six alerting rules of docs/alerting.md, evaluated together by RunOnce() on the
// server that leads the store (a maintenance job under the "alerts" lease), and reported to the
// AlertEngine, which applies thresholds, suppresses duplicates and keeps the state in the store
// (with how far the rules have read), so a server that leads next carries on. Thread-safe: RunOnce
// runs on one thread at a time; RecordReclaimed may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "app/alerts/alert_engine.h"
#include "app/alerts/finished_scan.h"
#include "app/alerts/insight_poll_recorder.h"
#include "app/services.h"
#include "core/base/result.h"
#include "ports/mutex.h"

namespace pop::app {

// Parameters of the rules (thresholds live in AlertEngineOptions).
struct AlertRulesOptions {
  // A rule not listed is evaluated; a rule listed here is not.
  std::map<AlertRule, bool> disabled;
  // operationTypeFailing: `operation_failures` failed operations of one type within `window`.
  int64_t operation_failures = 5;
  Duration operation_window = Duration::Minutes(10);
  // queueWait: the oldest schedulable Agenda of an Insight waits longer than this.
  Duration queue_wait = Duration::Minutes(10);
  // pullerSilent: no puller asked the Insight for work for this long (the original's
  // monitor.alive.lastRequestMilliseconds, 30 s), through any server: the polls the servers
  // recorded in the store (InsightPollRecorder) and this server's own.
  Duration puller_silence = Duration::Seconds(30);
  // Finished records are read incrementally from a stored cursor, `scan_limit` per page and at
  // most `scan_pages` pages per rule and round; more wait for the next round (none is skipped).
  size_t scan_limit = 1000;
  size_t scan_pages = 20;
};

class AlertRules {
 public:
  AlertRules(Services services, AlertEngine& engine, AlertRulesOptions options,
             LastPollsFn last_polls);

  // One round of every enabled rule. Store errors of the reads are returned (the maintenance
  // runner logs and counts them); a failing write probe is itself an alert, not an error.
  [[nodiscard]] Status RunOnce();

  // The reclaimer failed `count` stuck Agendas (it calls this after each run).
  void RecordReclaimed(int64_t count);

 private:
  bool Enabled(AlertRule rule) const;
  void CheckStoreWrite();
  Status CheckFinishedAgendas(StoreReader& tx, ScanCursor& cursor);
  void FinishedAgenda(const AgendaProgress& progress);  // one Agenda the scan read
  Status CheckOperationTypes(StoreReader& tx, Timestamp now, ScanCursor& cursor);
  Status CheckQueues(StoreReader& tx, Timestamp now);
  void CheckReclaimed();

  Services services_;
  AlertEngine& engine_;
  const AlertRulesOptions options_;
  const LastPollsFn last_polls_;
  const Timestamp started_;
  Mutex mu_;
  int64_t reclaimed_ POP_GUARDED_BY(mu_) = 0;
};

}  // namespace pop::app
