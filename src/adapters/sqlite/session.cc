#include "adapters/sqlite/session.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <utility>

#include "adapters/sql/object_table.h"
#include "adapters/sql/ready_sql.h"
#include "adapters/sql/stored_values.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::sqlite {
namespace {

using sql::BuildCount;
using sql::BuildFind;
using sql::BuildUpsert;
using sql::SqlDialect;
using sql::SqlQuery;
using sql::SqlValue;
using sql::TableFor;

void BindAll(Statement& statement, const std::vector<SqlValue>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    switch (params[i].type) {
      case SqlValue::Type::kText:
        statement.BindText(index, params[i].text);
        break;
      case SqlValue::Type::kInteger:
        statement.BindInt(index, params[i].integer);
        break;
      case SqlValue::Type::kNull:
        statement.BindNull(index);
        break;
    }
  }
}

Result<std::vector<std::string>> DecodeAccounts(std::string_view text) {
  return sql::DecodeStringArray(text, "token accounts");
}

std::string AccountsText(const std::vector<std::string>& accounts) {
  return sql::JsonArrayText(accounts);
}

constexpr char kTokenColumns[] =
    "SELECT id, secret_hash, accounts, super_user, title, created, expires_at, last_used,"
    " revoked_at, pending_accounts";

std::optional<Timestamp> OptionalTime(Statement& statement, int column) {
  if (statement.ColumnIsNull(column)) return std::nullopt;
  return Timestamp::FromMillis(statement.ColumnInt(column));
}

void BindOptionalTime(Statement& statement, int index, std::optional<Timestamp> time) {
  if (time) {
    statement.BindInt(index, time->millis());
  } else {
    statement.BindNull(index);
  }
}

// A row selected with kTokenColumns.
Result<ApiToken> TokenOf(Statement& statement) {
  ApiToken token;
  token.id = statement.ColumnText(0);
  token.secret_hash = statement.ColumnText(1);
  POP_ASSIGN_OR_RETURN(token.accounts, DecodeAccounts(statement.ColumnText(2)));
  token.super_user = statement.ColumnInt(3) != 0;
  token.title = statement.ColumnText(4);
  token.created = Timestamp::FromMillis(statement.ColumnInt(5));
  token.expires_at = OptionalTime(statement, 6);
  token.last_used = OptionalTime(statement, 7);
  token.revoked_at = OptionalTime(statement, 8);
  POP_ASSIGN_OR_RETURN(token.pending_accounts, DecodeAccounts(statement.ColumnText(9)));
  return token;
}

// Replaces the message of a kConflict error; other errors pass through.
Status WithConflictMessage(Status status, std::string message) {
  if (status.ok() || status.code() != ErrorCode::kConflict) return status;
  return Status(ErrorCode::kConflict, std::move(message));
}

// The entry of the statement's current row, whose first columns are sql::kReadyColumns.
ReadyAgenda ReadyRowOf(Statement& statement) {
  ReadyAgenda entry;
  entry.id = statement.ColumnText(0);
  entry.insight_id = statement.ColumnText(1);
  entry.agenda_id = statement.ColumnText(2);
  entry.customer_id = statement.ColumnText(3);
  entry.added = Timestamp::FromMillis(statement.ColumnInt(4));
  entry.priority = statement.ColumnInt(5);
  entry.sequence = statement.ColumnInt(6);
  if (!statement.ColumnIsNull(7)) entry.claimed_by = std::string(statement.ColumnText(7));
  if (!statement.ColumnIsNull(8)) {
    entry.lease_until = Timestamp::FromMillis(statement.ColumnInt(8));
  }
  if (!statement.ColumnIsNull(9)) {
    entry.not_before = Timestamp::FromMillis(statement.ColumnInt(9));
  }
  entry.confirmed = statement.ColumnInt(10) != 0;
  if (!statement.ColumnIsNull(11)) {
    entry.claimed_at = Timestamp::FromMillis(statement.ColumnInt(11));
  }
  return entry;
}

}  // namespace

Result<std::optional<DataObject>> Session::Get(ObjectKind kind, std::string_view id) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("SELECT doc FROM " + std::string(TableFor(kind).name) +
                                           " WHERE id = ?1"));
  statement.BindText(1, id);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return std::optional<DataObject>();
  POP_ASSIGN_OR_RETURN(DataObject object, sql::DecodeStoredObject(kind, statement.ColumnText(0)));
  return std::optional<DataObject>(std::move(object));
}

Result<std::vector<DataObject>> Session::Find(ObjectKind kind, const ObjectQuery& query) {
  std::vector<DataObject> objects;
  std::optional<SqlQuery> sql = BuildFind(SqlDialect::kSqlite, kind, query);
  if (!sql.has_value()) return objects;
  POP_ASSIGN_OR_RETURN(Statement statement, connection_.Prepare(sql->sql));
  BindAll(statement, sql->params);
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return objects;
    POP_ASSIGN_OR_RETURN(DataObject object, sql::DecodeStoredObject(kind, statement.ColumnText(0)));
    objects.push_back(std::move(object));
  }
}

Result<int64_t> Session::Count(ObjectKind kind, const ObjectQuery& query) {
  std::optional<SqlQuery> sql = BuildCount(SqlDialect::kSqlite, kind, query);
  if (!sql.has_value()) return int64_t{0};
  POP_ASSIGN_OR_RETURN(Statement statement, connection_.Prepare(sql->sql));
  BindAll(statement, sql->params);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return Error(ErrorCode::kInternal, "count returned no row");
  return statement.ColumnInt(0);
}

Result<std::vector<ReadyAgenda>> Session::QueryReady(std::string_view where, std::string_view arg) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(std::string("SELECT ") + sql::kReadyColumns +
                                           " FROM ready_agenda " + std::string(where)));
  if (!arg.empty()) statement.BindText(1, arg);
  return ReadReady(statement);
}

Result<std::vector<ReadyAgenda>> Session::ListHeldReadyAgendas(
    const std::vector<std::string>& insight_ids, Timestamp now) {
  if (insight_ids.empty()) return std::vector<ReadyAgenda>();
  POP_ASSIGN_OR_RETURN(Statement statement, connection_.Prepare(sql::HeldReadySql(
                                                SqlDialect::kSqlite, insight_ids.size())));
  statement.BindInt(1, now.millis());
  for (size_t i = 0; i < insight_ids.size(); ++i) {
    statement.BindText(static_cast<int>(i) + 2, insight_ids[i]);
  }
  return ReadReady(statement);
}

Result<std::vector<ReadyAgenda>> Session::ReadReady(Statement& statement) {
  std::vector<ReadyAgenda> entries;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return entries;
    entries.push_back(ReadyRowOf(statement));
  }
}

Result<std::vector<ReadyAgenda>> Session::ReadyAgendasOf(std::string_view agenda_id) {
  return QueryReady("WHERE agenda_id = ?1 ORDER BY added, seq", agenda_id);
}

Result<AgendaReadyState> Session::ReadyStateOf(std::string_view agenda_id) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(sql::ReadyStateSql(SqlDialect::kSqlite)));
  statement.BindText(1, agenda_id);
  AgendaReadyState state;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return state;
    if (!statement.ColumnIsNull(sql::kReadyColumnCount)) {
      state.paused_since = Timestamp::FromMillis(statement.ColumnInt(sql::kReadyColumnCount));
    }
    // The outer join's row of an agenda without entries has no id.
    if (!statement.ColumnIsNull(0)) state.entries.push_back(ReadyRowOf(statement));
  }
}

Result<std::vector<ReadyAgenda>> Session::ListReadyAgendas() {
  return QueryReady("ORDER BY seq", "");
}

Result<std::optional<Timestamp>> Session::PausedSince(PauseTarget target, std::string_view id) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("SELECT since FROM paused WHERE target = ?1 AND id = ?2"));
  statement.BindText(1, PauseTargetName(target));
  statement.BindText(2, id);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return std::optional<Timestamp>();
  return std::optional<Timestamp>(Timestamp::FromMillis(statement.ColumnInt(0)));
}

Result<std::vector<PausedTarget>> Session::ListPaused() {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("SELECT target, id, since FROM paused"
                                           " ORDER BY since, target, id"));
  std::vector<PausedTarget> paused;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return paused;
    PausedTarget item;
    item.target = statement.ColumnText(0) == std::string_view("insight") ? PauseTarget::kInsight
                                                                         : PauseTarget::kAgenda;
    item.id = std::string(statement.ColumnText(1));
    item.since = Timestamp::FromMillis(statement.ColumnInt(2));
    paused.push_back(std::move(item));
  }
}

Result<std::optional<InsightScheduleInfo>> Session::GetScheduleInfo(std::string_view insight_id) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("SELECT pending_customer_ids, last_executed"
                                           " FROM insight_schedule_info WHERE insight_id = ?1"));
  statement.BindText(1, insight_id);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return std::optional<InsightScheduleInfo>();
  InsightScheduleInfo info;
  info.insight_id = std::string(insight_id);
  POP_ASSIGN_OR_RETURN(info.pending_customer_ids, DecodeAccounts(statement.ColumnText(0)));
  if (!statement.ColumnIsNull(1)) {
    info.last_executed = Timestamp::FromMillis(statement.ColumnInt(1));
  }
  return std::optional<InsightScheduleInfo>(std::move(info));
}

Result<std::optional<ApiToken>> Session::FindTokenByHash(std::string_view secret_hash) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare(std::string(kTokenColumns) + " FROM api_token WHERE secret_hash = ?1"));
  statement.BindText(1, secret_hash);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return std::optional<ApiToken>();
  POP_ASSIGN_OR_RETURN(ApiToken token, TokenOf(statement));
  return std::optional<ApiToken>(std::move(token));
}

Result<int64_t> Session::CountTokens() {
  return connection_.QueryInt("SELECT count(*) FROM api_token");
}

Result<std::vector<ApiToken>> Session::ListTokens() {
  POP_ASSIGN_OR_RETURN(Statement statement, connection_.Prepare(std::string(kTokenColumns) +
                                                                " FROM api_token ORDER BY rowid"));
  std::vector<ApiToken> tokens;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return tokens;
    POP_ASSIGN_OR_RETURN(ApiToken token, TokenOf(statement));
    tokens.push_back(std::move(token));
  }
}

Result<std::optional<std::string>> Session::FindIdempotentAgenda(std::string_view customer_id,
                                                                 std::string_view key) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("SELECT agenda_id FROM idempotency_key"
                                           " WHERE customer_id = ?1 AND key = ?2"));
  statement.BindText(1, customer_id);
  statement.BindText(2, key);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return std::optional<std::string>();
  return std::optional<std::string>(statement.ColumnText(0));
}

Status Session::Put(const DataObject& object) {
  POP_ASSIGN_OR_RETURN(Json encoded, sql::EncodeForStorage(object, max_document_depth_));
  std::string doc = ToJsonText(encoded);
  SqlQuery upsert = BuildUpsert(SqlDialect::kSqlite, KindOf(object), encoded, std::move(doc));
  POP_ASSIGN_OR_RETURN(Statement statement, connection_.Prepare(upsert.sql));
  BindAll(statement, upsert.params);
  return statement.Run();
}

Result<bool> Session::Delete(ObjectKind kind, std::string_view id) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("DELETE FROM " + std::string(TableFor(kind).name) + " WHERE id = ?1"));
  statement.BindText(1, id);
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Status Session::AddReadyAgenda(const ReadyAgenda& ready) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("INSERT INTO ready_agenda (id, insight_id, agenda_id, customer_id, added,"
                          " priority, claimed_by, lease_until, not_before, confirmed)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  statement.BindText(1, ready.id);
  statement.BindText(2, ready.insight_id);
  statement.BindText(3, ready.agenda_id);
  statement.BindText(4, ready.customer_id);
  statement.BindInt(5, ready.added.millis());
  statement.BindInt(6, ready.priority);
  if (ready.claimed_by) {
    statement.BindText(7, *ready.claimed_by);
  } else {
    statement.BindNull(7);
  }
  if (ready.lease_until) {
    statement.BindInt(8, ready.lease_until->millis());
  } else {
    statement.BindNull(8);
  }
  if (ready.not_before) {
    statement.BindInt(9, ready.not_before->millis());
  } else {
    statement.BindNull(9);
  }
  statement.BindInt(10, ready.confirmed ? 1 : 0);
  return WithConflictMessage(statement.Run(),
                             "a ready agenda with id '" + ready.id + "' already exists");
}

Result<int64_t> Session::DeleteReadyAgendasOf(std::string_view agenda_id) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("DELETE FROM ready_agenda WHERE agenda_id = ?1"));
  statement.BindText(1, agenda_id);
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes();
}

Result<int64_t> Session::DeleteConfirmedReadyAgendasOf(std::string_view agenda_id) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(sql::DeleteConfirmedReadySql(SqlDialect::kSqlite)));
  statement.BindText(1, agenda_id);
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes();
}

Result<bool> Session::DeleteReadyAgenda(std::string_view ready_id) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("DELETE FROM ready_agenda WHERE id = ?1"));
  statement.BindText(1, ready_id);
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Status Session::SetReadyClaim(std::string_view ready_id,
                              const std::optional<std::string>& claimed_by,
                              std::optional<Timestamp> lease_until) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(sql::SetReadyClaimSql(SqlDialect::kSqlite)));
  statement.BindText(1, ready_id);
  if (claimed_by) {
    statement.BindText(2, *claimed_by);
  } else {
    statement.BindNull(2);
  }
  if (lease_until) {
    statement.BindInt(3, lease_until->millis());
  } else {
    statement.BindNull(3);
  }
  POP_RETURN_IF_ERROR(statement.Run());
  if (connection_.Changes() == 0) {
    return Status(ErrorCode::kNotFound, "ready agenda '" + std::string(ready_id) + "' is gone");
  }
  return Status::Ok();
}

Result<bool> Session::ClaimReady(std::string_view ready_id, std::string_view claimer,
                                 Timestamp lease_until, Timestamp now) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(sql::ClaimReadySql(SqlDialect::kSqlite)));
  statement.BindText(1, ready_id);
  statement.BindText(2, claimer);
  statement.BindInt(3, lease_until.millis());
  statement.BindInt(4, now.millis());
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Result<bool> Session::SetReadyIfHeld(const std::string& sql, std::string_view ready_id,
                                     std::string_view claimer, int64_t millis) {
  POP_ASSIGN_OR_RETURN(Statement statement, connection_.Prepare(sql));
  statement.BindText(1, ready_id);
  statement.BindText(2, claimer);
  statement.BindInt(3, millis);
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Result<bool> Session::ReleaseReadyClaim(std::string_view ready_id, std::string_view claimer,
                                        Timestamp lease_until) {
  return SetReadyIfHeld(sql::ReleaseReadyClaimSql(SqlDialect::kSqlite), ready_id, claimer,
                        lease_until.millis());
}

Result<bool> Session::ConfirmReadyClaim(std::string_view ready_id, std::string_view claimer,
                                        Timestamp now) {
  return SetReadyIfHeld(sql::ConfirmReadyClaimSql(SqlDialect::kSqlite), ready_id, claimer,
                        now.millis());
}

Result<bool> Session::DeleteHeldReadyClaim(std::string_view ready_id, std::string_view claimer,
                                           Timestamp now) {
  return SetReadyIfHeld(sql::DeleteHeldReadyClaimSql(SqlDialect::kSqlite), ready_id, claimer,
                        now.millis());
}

Result<int64_t> Session::ReleaseAllClaims() {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare(sql::ReleaseAllClaimsSql(SqlDialect::kSqlite)));
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes();
}

Result<bool> Session::SetPaused(PauseTarget target, std::string_view id,
                                std::optional<Timestamp> since) {
  // Pausing again keeps the first time: the row is only inserted when absent.
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare(since ? "INSERT INTO paused (target, id, since) VALUES (?1, ?2, ?3)"
                                  " ON CONFLICT (target, id) DO NOTHING"
                                : "DELETE FROM paused WHERE target = ?1 AND id = ?2"));
  statement.BindText(1, PauseTargetName(target));
  statement.BindText(2, id);
  if (since) statement.BindInt(3, since->millis());
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Status Session::PutScheduleInfo(const InsightScheduleInfo& info) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("INSERT INTO insight_schedule_info (insight_id, pending_customer_ids,"
                          " last_executed) VALUES (?1, ?2, ?3) ON CONFLICT (insight_id) DO UPDATE"
                          " SET pending_customer_ids = excluded.pending_customer_ids,"
                          " last_executed = excluded.last_executed"));
  statement.BindText(1, info.insight_id);
  statement.BindText(2, AccountsText(info.pending_customer_ids));
  if (info.last_executed) {
    statement.BindInt(3, info.last_executed->millis());
  } else {
    statement.BindNull(3);
  }
  return statement.Run();
}

Result<std::optional<OperationLog>> Session::GetOperationLog(
    std::string_view operation_progress_id) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("SELECT text, dropped, updated FROM operation_log"
                                           " WHERE operation_progress_id = ?1"));
  statement.BindText(1, operation_progress_id);
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return std::optional<OperationLog>();
  OperationLog log;
  log.text = statement.ColumnText(0);
  log.dropped_bytes = statement.ColumnInt(1);
  log.updated = Timestamp::FromMillis(statement.ColumnInt(2));
  return std::optional<OperationLog>(std::move(log));
}

Result<bool> Session::DeleteOperationLog(std::string_view operation_progress_id) {
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("DELETE FROM operation_log WHERE operation_progress_id = ?1"));
  statement.BindText(1, operation_progress_id);
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Result<bool> Session::TryAcquireJobLease(std::string_view job, std::string_view holder,
                                         Timestamp now, Timestamp until) {
  // One statement: insert, or take over when expired or already ours; otherwise nothing changes.
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare(
          "INSERT INTO job_lease (job, holder, lease_until) VALUES (?1, ?2, ?4)"
          " ON CONFLICT (job) DO UPDATE SET holder = excluded.holder,"
          " lease_until = excluded.lease_until"
          " WHERE job_lease.holder = excluded.holder OR job_lease.lease_until <= ?3"));
  statement.BindText(1, job);
  statement.BindText(2, holder);
  statement.BindInt(3, now.millis());
  statement.BindInt(4, until.millis());
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Status Session::ReleaseJobLease(std::string_view job, std::string_view holder) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("DELETE FROM job_lease WHERE job = ?1 AND holder = ?2"));
  statement.BindText(1, job);
  statement.BindText(2, holder);
  return statement.Run();
}

Status Session::AppendOperationLog(std::string_view operation_progress_id, std::string_view text,
                                   size_t max_bytes, Timestamp now) {
  POP_ASSIGN_OR_RETURN(std::optional<OperationLog> existing,
                       GetOperationLog(operation_progress_id));
  OperationLog log = existing.value_or(OperationLog{});
  log.text.append(text);
  if (log.text.size() > max_bytes) {
    size_t cut = log.text.size() - max_bytes;
    // Cut at a line start when one is near, so the kept log begins with a whole line.
    size_t newline = log.text.find('\n', cut);
    if (newline != std::string::npos && newline - cut < 4096) cut = newline + 1;
    log.text.erase(0, cut);
    log.dropped_bytes += static_cast<int64_t>(cut);
  }
  POP_ASSIGN_OR_RETURN(
      Statement statement,
      connection_.Prepare("INSERT INTO operation_log (operation_progress_id, text, dropped,"
                          " updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (operation_progress_id)"
                          " DO UPDATE SET text = excluded.text, dropped = excluded.dropped,"
                          " updated = excluded.updated"));
  statement.BindText(1, operation_progress_id);
  statement.BindText(2, log.text);
  statement.BindInt(3, log.dropped_bytes);
  statement.BindInt(4, now.millis());
  return statement.Run();
}

Status Session::AddToken(const ApiToken& token) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("INSERT INTO api_token (id, secret_hash, accounts,"
                                           " super_user, title, created, expires_at, last_used,"
                                           " revoked_at, pending_accounts)"
                                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  statement.BindText(1, token.id);
  statement.BindText(2, token.secret_hash);
  statement.BindText(3, AccountsText(token.accounts));
  statement.BindInt(4, token.super_user ? 1 : 0);
  statement.BindText(5, token.title);
  statement.BindInt(6, token.created.millis());
  BindOptionalTime(statement, 7, token.expires_at);
  BindOptionalTime(statement, 8, token.last_used);
  BindOptionalTime(statement, 9, token.revoked_at);
  statement.BindText(10, AccountsText(token.pending_accounts));
  return WithConflictMessage(
      statement.Run(), "a token with id '" + token.id + "' or the same secret already exists");
}

Result<bool> Session::RevokeToken(std::string_view id, Timestamp at) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("UPDATE api_token SET revoked_at ="
                                           " coalesce(revoked_at, ?2) WHERE id = ?1"));
  statement.BindText(1, id);
  statement.BindInt(2, at.millis());
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes() > 0;
}

Status Session::RecordTokenUse(std::string_view id, Timestamp last_used,
                               const std::vector<std::string>& pending_accounts) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("UPDATE api_token SET last_used = ?2,"
                                           " pending_accounts = ?3 WHERE id = ?1"));
  statement.BindText(1, id);
  statement.BindInt(2, last_used.millis());
  statement.BindText(3, AccountsText(pending_accounts));
  POP_RETURN_IF_ERROR(statement.Run());
  if (connection_.Changes() == 0) {
    return Status(ErrorCode::kNotFound, "no token with id '" + std::string(id) + "'");
  }
  return Status::Ok();
}

Status Session::AddIdempotencyKey(std::string_view customer_id, std::string_view key,
                                  std::string_view agenda_id, Timestamp created) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("INSERT INTO idempotency_key (customer_id, key,"
                                           " agenda_id, created) VALUES (?1, ?2, ?3, ?4)"));
  statement.BindText(1, customer_id);
  statement.BindText(2, key);
  statement.BindText(3, agenda_id);
  statement.BindInt(4, created.millis());
  return WithConflictMessage(statement.Run(), "idempotency key '" + std::string(key) +
                                                  "' of customer '" + std::string(customer_id) +
                                                  "' is already recorded");
}

Status Session::AddAuditRecords(const std::vector<AuditRecord>& records) {
  for (const AuditRecord& record : records) {
    // Borrowed from the connection's cache each time: returning it resets it for the next row.
    POP_ASSIGN_OR_RETURN(
        Statement statement,
        connection_.Prepare("INSERT INTO audit_log (at, token_id, accounts, super_user, method,"
                            " route, object_ids, status, correlation_id)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    statement.BindInt(1, record.time.millis());
    statement.BindText(2, record.token_id);
    statement.BindText(3, AccountsText(record.accounts));
    statement.BindInt(4, record.super_user ? 1 : 0);
    statement.BindText(5, record.method);
    statement.BindText(6, record.route);
    statement.BindText(7, AccountsText(record.object_ids));
    statement.BindInt(8, record.status);
    statement.BindText(9, record.correlation_id);
    POP_RETURN_IF_ERROR(statement.Run());
  }
  return Status::Ok();
}

Result<std::vector<AuditRecord>> Session::FindAuditRecords(const AuditQuery& query) {
  std::string sql =
      "SELECT seq, at, token_id, accounts, super_user, method, route, object_ids, status,"
      " correlation_id FROM audit_log WHERE at >= ?1";
  if (query.by_user) {
    sql += " AND (token_id = ?2 OR EXISTS (SELECT 1 FROM json_each(accounts) WHERE value = ?2))";
  }
  sql += " ORDER BY seq DESC LIMIT ?3";
  POP_ASSIGN_OR_RETURN(Statement statement, connection_.Prepare(sql));
  statement.BindInt(1, query.since ? query.since->millis() : INT64_MIN);
  if (query.by_user) statement.BindText(2, *query.by_user);
  statement.BindInt(3, static_cast<int64_t>(std::min<size_t>(query.limit, INT64_MAX)));
  std::vector<AuditRecord> records;
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return records;
    AuditRecord record;
    record.sequence = statement.ColumnInt(0);
    record.time = Timestamp::FromMillis(statement.ColumnInt(1));
    record.token_id = statement.ColumnText(2);
    POP_ASSIGN_OR_RETURN(record.accounts, DecodeAccounts(statement.ColumnText(3)));
    record.super_user = statement.ColumnInt(4) != 0;
    record.method = statement.ColumnText(5);
    record.route = statement.ColumnText(6);
    POP_ASSIGN_OR_RETURN(record.object_ids, DecodeAccounts(statement.ColumnText(7)));
    record.status = static_cast<int>(statement.ColumnInt(8));
    record.correlation_id = statement.ColumnText(9);
    records.push_back(std::move(record));
  }
}

Result<int64_t> Session::DeleteAuditRecordsBefore(Timestamp cutoff, size_t limit) {
  POP_ASSIGN_OR_RETURN(Statement statement,
                       connection_.Prepare("DELETE FROM audit_log WHERE seq IN (SELECT seq FROM"
                                           " audit_log WHERE at < ?1 ORDER BY at LIMIT ?2)"));
  statement.BindInt(1, cutoff.millis());
  statement.BindInt(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  POP_RETURN_IF_ERROR(statement.Run());
  return connection_.Changes();
}

}  // namespace pop::sqlite
