// Every metric pop defines, in one place: its Prometheus name, type, help, labels and Graphite
// name (spec §18 names where the original had one). docs/metrics.md describes each; keep the two
// in step. Counters that older code counts by a dotted name (MetricsSink::Count, e.g.
// "maintenance.reaper.agendas") are not listed here: the registry defines them on first use.
// Immutable.
#pragma once

#include "core/metrics/metric.h"

namespace pop::metrics {

// Executor (spec §18 `duration`, `op.<type>.duration`, `op.<type>.failed`).
inline const MetricDef kAgendaDuration{
    "pop_agenda_duration_seconds",
    MetricType::kHistogram,
    "Executor: one run of an Agenda, from its start to its final state.",
    {"outcome"},
    "duration"};
inline const MetricDef kOperations{"pop_operations_total",
                                   MetricType::kCounter,
                                   "Executor: operations ended, by operation type and outcome.",
                                   {"type", "outcome"},
                                   "op.{type}.{outcome}"};
inline const MetricDef kOperationDuration{
    "pop_operation_duration_seconds",
    MetricType::kHistogram,
    "Executor: one operation, from its launch to its end, by operation type.",
    {"type"},
    "op.{type}.duration"};

// Scheduling latencies, by insight.
inline const MetricDef kSubmitToClaim{
    "pop_agenda_submit_to_claim_seconds",
    MetricType::kHistogram,
    "Scheduler: from an Agenda becoming ready (submitted, rerun, retried) to a puller claiming it.",
    {"insight"},
    "latency.submit_to_claim.{insight}"};
inline const MetricDef kClaimToComplete{
    "pop_agenda_claim_to_complete_seconds",
    MetricType::kHistogram,
    "Scheduler: from a puller claiming an Agenda to its final progress report.",
    {"insight"},
    "latency.claim_to_complete.{insight}"};

// Queues, read from the scheduler at each scrape and push (spec §12.5 `waiting.<insight>`).
inline const MetricDef kQueueDepth{
    "pop_insight_queue_depth",
    MetricType::kGauge,
    "Scheduler: Agendas of the insight that are ready and not claimed (queued or waiting).",
    {"insight", "title"},
    "waiting.{title}"};
inline const MetricDef kOldestWait{
    "pop_insight_oldest_wait_seconds",
    MetricType::kGauge,
    "Scheduler: how long the oldest ready, unclaimed Agenda of the insight has waited (0: none).",
    {"insight", "title"},
    "oldest_wait.{title}"};
inline const MetricDef kPausedAgendas{
    "pop_insight_paused_agendas",
    MetricType::kGauge,
    "Scheduler: Agendas of the insight that are paused and not claimed (held out of its queue).",
    {"insight", "title"},
    "paused.{title}"};
inline const MetricDef kInsightPaused{
    "pop_insight_paused",
    MetricType::kGauge,
    "Scheduler: 1 while the insight is paused (nothing is claimed from it), else 0.",
    {"insight", "title"},
    "insight_paused.{title}"};

// Store.
inline const MetricDef kStoreCommit{
    "pop_store_commit_seconds",
    MetricType::kHistogram,
    "Store: one group commit (one transaction that may carry many writes), by store.",
    {"store"},
    "store.{store}.commit"};

// HTTP API, by route pattern (never the raw path) and status.
inline const MetricDef kHttpRequests{
    "pop_http_requests_total",
    MetricType::kCounter,
    "HTTP: requests answered, by route pattern, method and status.",
    {"route", "method", "status"},
    "http.{route}.{status}"};
inline const MetricDef kHttpDuration{
    "pop_http_request_duration_seconds",
    MetricType::kHistogram,
    "HTTP: from a request's arrival to its answer, by route pattern.",
    {"route"},
    "http.{route}.duration"};

// Puller (spec §18 puller `duration` and `failed`).
inline const MetricDef kPullerPoll{"pop_puller_poll_duration_seconds",
                                   MetricType::kHistogram,
                                   "Puller: one getAgenda poll, long-poll wait included.",
                                   {},
                                   "puller.duration"};
inline const MetricDef kPullerFailures{"pop_puller_poll_failures_total",
                                       MetricType::kCounter,
                                       "Puller: getAgenda polls that failed.",
                                       {},
                                       "puller.failed"};
// Puller with --launch kubernetes (docs/kubernetes.md).
inline const MetricDef kExecutorPods{
    "pop_executor_pods_total",
    MetricType::kCounter,
    "Puller: executor pods by what happened to them (created, create_failed, not_started, lost, "
    "deleted).",
    {"outcome"},
    "puller.executor_pods.{outcome}"};
// PodReaper (spec §17.4 `pod.deleted`).
inline const MetricDef kPodsReaped{"pop_pods_reaped_total",
                                   MetricType::kCounter,
                                   "PodReaper: pods deleted, by why (finished, pending).",
                                   {"reason"},
                                   "pod.deleted.{reason}"};

// The metrics' own health.
inline const MetricDef kGraphiteDropped{
    "pop_graphite_dropped_lines_total",
    MetricType::kCounter,
    "Graphite: lines not delivered because carbon could not be reached.",
    {},
    "graphite.dropped"};
inline const MetricDef kGraphiteSent{"pop_graphite_sent_lines_total",
                                     MetricType::kCounter,
                                     "Graphite: lines delivered to carbon.",
                                     {},
                                     "graphite.sent"};
inline const MetricDef kSeriesDropped{
    "pop_metrics_series_dropped_total",
    MetricType::kCounter,
    "Metrics: updates not recorded because their metric already had the most series allowed.",
    {"metric"},
    "metrics.series_dropped"};

}  // namespace pop::metrics
