// The columns of the alerting tables (alert_condition, alert_resolved) as both SQL stores read and
// write them, in this order, so that SQLite and PostgreSQL bind and read the same positions.
// Pure; thread-safe.
#pragma once

namespace pop::sql {

inline constexpr char kAlertConditionColumns[] =
    "rule, key, alerting, count, first_seen, last_seen, insight_id, agenda_id, customer_id,"
    " operation_type, summary, agenda_url";
inline constexpr char kAlertResolvedColumns[] =
    "rule, key, count, first_seen, last_seen, resolved_at, insight_id, agenda_id, customer_id,"
    " operation_type, summary, agenda_url";

}  // namespace pop::sql
