// The alerting part of the Session (src/ports/store.h: alert conditions, resolved alerts, the
// rules' cursors and the insights' last polls), tables of migration 0010.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/sql/alert_sql.h"
#include "adapters/sqlite/session.h"

namespace pop::sqlite {
namespace {

using sql::kAlertConditionColumns;
using sql::kAlertResolvedColumns;

// The subject and text columns, bound from `first` on.
void BindSubject(Statement& statement, int first, const AlertRecord& alert) {
  statement.BindText(first, alert.insight_id);
  statement.BindText(first + 1, alert.agenda_id);
  statement.BindText(first + 2, alert.customer_id);
  statement.BindText(first + 3, alert.operation_type);
  statement.BindText(first + 4, alert.summary);
  statement.BindText(first + 5, alert.agenda_url);
}

void ReadSubject(const Statement& statement, int first, AlertRecord& alert) {
  alert.insight_id = std::string(statement.ColumnText(first));
  alert.agenda_id = std::string(statement.ColumnText(first + 1));
  alert.customer_id = std::string(statement.ColumnText(first + 2));
  alert.operation_type = std::string(statement.ColumnText(first + 3));
  alert.summary = std::string(statement.ColumnText(first + 4));
  alert.agenda_url = std::string(statement.ColumnText(first + 5));
}

}  // namespace

Result<std::vector<AlertRecord>> Session::ListAlertConditions() {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(std::string("SELECT ") + kAlertConditionColumns +
                                           " FROM alert_condition ORDER BY first_seen, rule, key"));
  std::vector<AlertRecord> conditions;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return conditions;
    AlertRecord alert;
    alert.rule = std::string(statement.ColumnText(0));
    alert.key = std::string(statement.ColumnText(1));
    alert.alerting = statement.ColumnInt(2) != 0;
    alert.count = statement.ColumnInt(3);
    alert.first_seen = Timestamp::FromMillis(statement.ColumnInt(4));
    alert.last_seen = Timestamp::FromMillis(statement.ColumnInt(5));
    ReadSubject(statement, 6, alert);
    conditions.push_back(std::move(alert));
  }
}

Result<std::vector<AlertRecord>> Session::ListResolvedAlerts(size_t limit) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(std::string("SELECT ") + kAlertResolvedColumns +
                                           " FROM alert_resolved ORDER BY seq DESC LIMIT ?1"));
  statement.BindInt(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<AlertRecord> resolved;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return resolved;
    AlertRecord alert;
    alert.rule = std::string(statement.ColumnText(0));
    alert.key = std::string(statement.ColumnText(1));
    alert.alerting = true;
    alert.count = statement.ColumnInt(2);
    alert.first_seen = Timestamp::FromMillis(statement.ColumnInt(3));
    alert.last_seen = Timestamp::FromMillis(statement.ColumnInt(4));
    alert.resolved_at = Timestamp::FromMillis(statement.ColumnInt(5));
    ReadSubject(statement, 6, alert);
    resolved.push_back(std::move(alert));
  }
}

Result<std::optional<std::string>> Session::GetAlertCursor(std::string_view name) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("SELECT value FROM alert_cursor WHERE name = ?1"));
  statement.BindText(1, name);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(statement.ColumnText(0)));
}

Result<std::vector<InsightPoll>> Session::ListInsightPolls() {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("SELECT insight_id, last_poll FROM insight_poll ORDER BY insight_id"));
  std::vector<InsightPoll> polls;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return polls;
    polls.push_back(
        {std::string(statement.ColumnText(0)), Timestamp::FromMillis(statement.ColumnInt(1))});
  }
}

Status Session::PutAlertCondition(const AlertRecord& condition) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare(std::string("INSERT OR REPLACE INTO alert_condition (") +
                          kAlertConditionColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  statement.BindText(1, condition.rule);
  statement.BindText(2, condition.key);
  statement.BindInt(3, condition.alerting ? 1 : 0);
  statement.BindInt(4, condition.count);
  statement.BindInt(5, condition.first_seen.millis());
  statement.BindInt(6, condition.last_seen.millis());
  BindSubject(statement, 7, condition);
  return statement.Run();
}

Result<bool> Session::DeleteAlertCondition(std::string_view rule, std::string_view key) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("DELETE FROM alert_condition WHERE rule = ?1 AND key = ?2"));
  statement.BindText(1, rule);
  statement.BindText(2, key);
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Status Session::AddResolvedAlert(const AlertRecord& alert, size_t keep) {
  if (!alert.resolved_at) {
    return Status(ErrorCode::kInvalidArgument, "resolvedAt: a resolved alert needs its time");
  }
  POP_ASSIGN_OR_RETURN(
      Statement insert,
      connection_.Prepare(std::string("INSERT INTO alert_resolved (") + kAlertResolvedColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  insert.BindText(1, alert.rule);
  insert.BindText(2, alert.key);
  insert.BindInt(3, alert.count);
  insert.BindInt(4, alert.first_seen.millis());
  insert.BindInt(5, alert.last_seen.millis());
  insert.BindInt(6, alert.resolved_at->millis());
  BindSubject(insert, 7, alert);
  POP_RETURN_IF_ERROR(insert.Run());
  POP_ASSIGN_OR_RETURN(Statement trim,
                       connection_.Prepare("DELETE FROM alert_resolved WHERE seq <= (SELECT seq"
                                           " FROM alert_resolved ORDER BY seq DESC LIMIT 1"
                                           " OFFSET ?1)"));
  trim.BindInt(1, static_cast<int64_t>(std::min<size_t>(keep, INT64_MAX)));
  return trim.Run();
}

Status Session::SetAlertCursor(std::string_view name, std::string_view value) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("INSERT INTO alert_cursor (name, value) VALUES (?1, ?2)"
                                           " ON CONFLICT (name) DO UPDATE SET value = ?2"));
  statement.BindText(1, name);
  statement.BindText(2, value);
  return statement.Run();
}

Status Session::RecordInsightPoll(std::string_view insight_id, Timestamp at) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("INSERT INTO insight_poll (insight_id, last_poll) VALUES (?1, ?2)"
                          " ON CONFLICT (insight_id) DO UPDATE SET last_poll = ?2"
                          " WHERE insight_poll.last_poll < ?2"));
  statement.BindText(1, insight_id);
  statement.BindInt(2, at.millis());
  return statement.Run();
}

}  // namespace pop::sqlite
