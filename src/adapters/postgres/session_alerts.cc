// The alerting part of the Session (src/ports/store.h: alert conditions, resolved alerts, the
// rules' cursors and the insights' last polls), tables of migration 0004.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/postgres/session.h"
#include "adapters/sql/alert_sql.h"

namespace pop::postgres {
namespace {

using sql::kAlertConditionColumns;
using sql::kAlertResolvedColumns;

void AddSubject(std::vector<Param>& params, const AlertRecord& alert) {
  for (const std::string* text : {&alert.insight_id, &alert.agenda_id, &alert.customer_id,
                                  &alert.operation_type, &alert.summary, &alert.agenda_url}) {
    params.push_back(Param::Text(*text));
  }
}

void ReadSubject(const Rows& rows, int row, int first, AlertRecord& alert) {
  alert.insight_id = std::string(rows.Text(row, first));
  alert.agenda_id = std::string(rows.Text(row, first + 1));
  alert.customer_id = std::string(rows.Text(row, first + 2));
  alert.operation_type = std::string(rows.Text(row, first + 3));
  alert.summary = std::string(rows.Text(row, first + 4));
  alert.agenda_url = std::string(rows.Text(row, first + 5));
}

int64_t Limit(size_t limit) { return static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)); }

}  // namespace

Result<std::vector<AlertRecord>> Session::ListAlertConditions() {
  POP_ASSIGN_OR_RETURN(Rows rows,
                       connection_.Execute(std::string("SELECT ") + kAlertConditionColumns +
                                           " FROM alert_condition ORDER BY first_seen, rule, key"));
  std::vector<AlertRecord> conditions;
  for (int row = 0; row < rows.size(); ++row) {
    AlertRecord alert;
    alert.rule = std::string(rows.Text(row, 0));
    alert.key = std::string(rows.Text(row, 1));
    alert.alerting = rows.Bool(row, 2);
    POP_ASSIGN_OR_RETURN(alert.count, rows.Int(row, 3));
    POP_ASSIGN_OR_RETURN(int64_t first_seen, rows.Int(row, 4));
    POP_ASSIGN_OR_RETURN(int64_t last_seen, rows.Int(row, 5));
    alert.first_seen = Timestamp::FromMillis(first_seen);
    alert.last_seen = Timestamp::FromMillis(last_seen);
    ReadSubject(rows, row, 6, alert);
    conditions.push_back(std::move(alert));
  }
  return conditions;
}

Result<std::vector<AlertRecord>> Session::ListResolvedAlerts(size_t limit) {
  POP_ASSIGN_OR_RETURN(Rows rows,
                       connection_.Execute(std::string("SELECT ") + kAlertResolvedColumns +
                                               " FROM alert_resolved ORDER BY seq DESC LIMIT $1",
                                           {Param::Int(Limit(limit))}));
  std::vector<AlertRecord> resolved;
  for (int row = 0; row < rows.size(); ++row) {
    AlertRecord alert;
    alert.rule = std::string(rows.Text(row, 0));
    alert.key = std::string(rows.Text(row, 1));
    alert.alerting = true;
    POP_ASSIGN_OR_RETURN(alert.count, rows.Int(row, 2));
    POP_ASSIGN_OR_RETURN(int64_t first_seen, rows.Int(row, 3));
    POP_ASSIGN_OR_RETURN(int64_t last_seen, rows.Int(row, 4));
    POP_ASSIGN_OR_RETURN(int64_t resolved_at, rows.Int(row, 5));
    alert.first_seen = Timestamp::FromMillis(first_seen);
    alert.last_seen = Timestamp::FromMillis(last_seen);
    alert.resolved_at = Timestamp::FromMillis(resolved_at);
    ReadSubject(rows, row, 6, alert);
    resolved.push_back(std::move(alert));
  }
  return resolved;
}

Result<std::optional<std::string>> Session::GetAlertCursor(std::string_view name) {
  POP_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Execute("SELECT value FROM alert_cursor WHERE name = $1", {Param::Text(name)}));
  if (rows.size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(rows.Text(0, 0)));
}

Result<std::vector<InsightPoll>> Session::ListInsightPolls() {
  POP_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Execute("SELECT insight_id, last_poll FROM insight_poll ORDER BY insight_id"));
  std::vector<InsightPoll> polls;
  for (int row = 0; row < rows.size(); ++row) {
    POP_ASSIGN_OR_RETURN(int64_t last_poll, rows.Int(row, 1));
    polls.push_back({std::string(rows.Text(row, 0)), Timestamp::FromMillis(last_poll)});
  }
  return polls;
}

Status Session::PutAlertCondition(const AlertRecord& condition) {
  std::vector<Param> params = {Param::Text(condition.rule),
                               Param::Text(condition.key),
                               Param::Bool(condition.alerting),
                               Param::Int(condition.count),
                               Param::Int(condition.first_seen.millis()),
                               Param::Int(condition.last_seen.millis())};
  AddSubject(params, condition);
  return connection_
      .Execute(std::string("INSERT INTO alert_condition (") + kAlertConditionColumns +
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                   " ON CONFLICT (rule, key) DO UPDATE SET alerting = excluded.alerting,"
                   " count = excluded.count, first_seen = excluded.first_seen,"
                   " last_seen = excluded.last_seen, insight_id = excluded.insight_id,"
                   " agenda_id = excluded.agenda_id, customer_id = excluded.customer_id,"
                   " operation_type = excluded.operation_type, summary = excluded.summary,"
                   " agenda_url = excluded.agenda_url",
               params)
      .status();
}

Result<bool> Session::DeleteAlertCondition(std::string_view rule, std::string_view key) {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute("DELETE FROM alert_condition WHERE rule = $1 AND key = $2",
                                     {Param::Text(rule), Param::Text(key)}));
  return rows.affected() > 0;
}

Status Session::AddResolvedAlert(const AlertRecord& alert, size_t keep) {
  if (!alert.resolved_at) {
    return Status(ErrorCode::kInvalidArgument, "resolvedAt: a resolved alert needs its time");
  }
  std::vector<Param> params = {Param::Text(alert.rule),
                               Param::Text(alert.key),
                               Param::Int(alert.count),
                               Param::Int(alert.first_seen.millis()),
                               Param::Int(alert.last_seen.millis()),
                               Param::Int(alert.resolved_at->millis())};
  AddSubject(params, alert);
  POP_RETURN_IF_ERROR(connection_
                          .Execute(std::string("INSERT INTO alert_resolved (") +
                                       kAlertResolvedColumns +
                                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                                       " $12)",
                                   params)
                          .status());
  return connection_
      .Execute(
          "DELETE FROM alert_resolved WHERE seq <= (SELECT seq FROM alert_resolved"
          " ORDER BY seq DESC LIMIT 1 OFFSET $1)",
          {Param::Int(Limit(keep))})
      .status();
}

Status Session::SetAlertCursor(std::string_view name, std::string_view value) {
  return connection_
      .Execute(
          "INSERT INTO alert_cursor (name, value) VALUES ($1, $2)"
          " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          {Param::Text(name), Param::Text(value)})
      .status();
}

Status Session::RecordInsightPoll(std::string_view insight_id, Timestamp at) {
  return connection_
      .Execute(
          "INSERT INTO insight_poll (insight_id, last_poll) VALUES ($1, $2)"
          " ON CONFLICT (insight_id) DO UPDATE SET last_poll = excluded.last_poll"
          " WHERE insight_poll.last_poll < excluded.last_poll",
          {Param::Text(insight_id), Param::Int(at.millis())})
      .status();
}

}  // namespace pop::postgres
