#include "adapters/postgres/session.h"

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

namespace pop::postgres {
namespace {

using sql::SqlDialect;
using sql::SqlQuery;
using sql::SqlValue;
using sql::TableFor;

constexpr SqlDialect kDialect = SqlDialect::kPostgres;

std::vector<Param> ParamsOf(const std::vector<SqlValue>& values) {
  std::vector<Param> params;
  params.reserve(values.size());
  for (const SqlValue& value : values) {
    switch (value.type) {
      case SqlValue::Type::kText:
        params.push_back(Param::Text(value.text));
        break;
      case SqlValue::Type::kInteger:
        params.push_back(Param::Int(value.integer));
        break;
      case SqlValue::Type::kNull:
        params.push_back(Param::Null());
        break;
    }
  }
  return params;
}

Result<std::vector<std::string>> DecodeAccounts(std::string_view text) {
  return sql::DecodeStringArray(text, "token accounts");
}

std::optional<Timestamp> OptionalTime(const Rows& rows, int row, int column) {
  std::optional<int64_t> millis = rows.OptionalInt(row, column);
  if (!millis) return std::nullopt;
  return Timestamp::FromMillis(*millis);
}

// The entries of rows whose first columns are sql::kReadyColumns; a row without an id (an outer
// join's row where no entry matched) is none.
Result<std::vector<ReadyAgenda>> ReadyRows(const Rows& rows) {
  std::vector<ReadyAgenda> entries;
  entries.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    if (rows.IsNull(row, 0)) continue;
    ReadyAgenda entry;
    entry.id = rows.Text(row, 0);
    entry.insight_id = rows.Text(row, 1);
    entry.agenda_id = rows.Text(row, 2);
    entry.customer_id = rows.Text(row, 3);
    POP_ASSIGN_OR_RETURN(int64_t added, rows.Int(row, 4));
    entry.added = Timestamp::FromMillis(added);
    POP_ASSIGN_OR_RETURN(entry.priority, rows.Int(row, 5));
    POP_ASSIGN_OR_RETURN(entry.sequence, rows.Int(row, 6));
    if (!rows.IsNull(row, 7)) entry.claimed_by = std::string(rows.Text(row, 7));
    entry.lease_until = OptionalTime(rows, row, 8);
    entry.not_before = OptionalTime(rows, row, 9);
    entry.confirmed = rows.Bool(row, 10);
    entry.claimed_at = OptionalTime(rows, row, 11);
    entries.push_back(std::move(entry));
  }
  return entries;
}

Param TimeParam(std::optional<Timestamp> time) {
  return time ? Param::Int(time->millis()) : Param::Null();
}

int64_t Limit(size_t limit) { return static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)); }

constexpr char kTokenColumns[] =
    "SELECT id, secret_hash, accounts, super_user, title, created, expires_at, last_used,"
    " revoked_at, pending_accounts";

// A row selected with kTokenColumns.
Result<ApiToken> TokenOf(const Rows& rows, int row) {
  ApiToken token;
  token.id = rows.Text(row, 0);
  token.secret_hash = rows.Text(row, 1);
  POP_ASSIGN_OR_RETURN(token.accounts, DecodeAccounts(rows.Text(row, 2)));
  token.super_user = rows.Bool(row, 3);
  token.title = rows.Text(row, 4);
  POP_ASSIGN_OR_RETURN(int64_t created, rows.Int(row, 5));
  token.created = Timestamp::FromMillis(created);
  token.expires_at = OptionalTime(rows, row, 6);
  token.last_used = OptionalTime(rows, row, 7);
  token.revoked_at = OptionalTime(rows, row, 8);
  POP_ASSIGN_OR_RETURN(token.pending_accounts, DecodeAccounts(rows.Text(row, 9)));
  return token;
}

// An insert that found its key taken (ON CONFLICT DO NOTHING, no row): kConflict. The statement
// itself succeeds, so the transaction stays usable and the closure may go on (as with SQLite).
Status ConflictUnlessInserted(const Rows& rows, std::string message) {
  if (rows.affected() > 0) return Status::Ok();
  return Status(ErrorCode::kConflict, std::move(message));
}

}  // namespace

Result<std::optional<DataObject>> Session::Get(ObjectKind kind, std::string_view id) {
  POP_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Execute("SELECT doc FROM " + std::string(TableFor(kind).name) + " WHERE id = $1",
                          {Param::Text(id)}));
  if (rows.size() == 0) return std::optional<DataObject>();
  POP_ASSIGN_OR_RETURN(DataObject object, sql::DecodeStoredObject(kind, rows.Text(0, 0)));
  return std::optional<DataObject>(std::move(object));
}

Result<std::vector<DataObject>> Session::Find(ObjectKind kind, const ObjectQuery& query) {
  std::vector<DataObject> objects;
  std::optional<SqlQuery> sql = sql::BuildFind(kDialect, kind, query);
  if (!sql.has_value()) return objects;
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(sql->sql, ParamsOf(sql->params)));
  objects.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    POP_ASSIGN_OR_RETURN(DataObject object, sql::DecodeStoredObject(kind, rows.Text(row, 0)));
    objects.push_back(std::move(object));
  }
  return objects;
}

Result<int64_t> Session::Count(ObjectKind kind, const ObjectQuery& query) {
  std::optional<SqlQuery> sql = sql::BuildCount(kDialect, kind, query);
  if (!sql.has_value()) return int64_t{0};
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(sql->sql, ParamsOf(sql->params)));
  if (rows.size() != 1) return Error(ErrorCode::kInternal, "count returned no row");
  return rows.Int(0, 0);
}

Result<std::vector<ReadyAgenda>> Session::QueryReady(std::string_view where,
                                                     const std::vector<Param>& params) {
  return QueryReadySql(
      std::string("SELECT ") + sql::kReadyColumns + " FROM ready_agenda " + std::string(where),
      params);
}

Result<std::vector<ReadyAgenda>> Session::QueryReadySql(const std::string& statement,
                                                        const std::vector<Param>& params) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(statement, params));
  return ReadyRows(rows);
}

Result<std::vector<ReadyAgenda>> Session::ReadyAgendasOf(std::string_view agenda_id) {
  return QueryReady("WHERE agenda_id = $1 ORDER BY added, seq", {Param::Text(agenda_id)});
}

Result<AgendaReadyState> Session::ReadyStateOf(std::string_view agenda_id) {
  POP_ASSIGN_OR_RETURN(Rows rows,
                       connection_.Execute(sql::ReadyStateSql(kDialect), {Param::Text(agenda_id)}));
  AgendaReadyState state;
  POP_ASSIGN_OR_RETURN(state.entries, ReadyRows(rows));
  if (rows.size() > 0) state.paused_since = OptionalTime(rows, 0, sql::kReadyColumnCount);
  return state;
}

Result<std::vector<ReadyAgenda>> Session::ListReadyAgendas() {
  return QueryReady("ORDER BY seq", {});
}

Result<std::vector<ReadyAgenda>> Session::ListHeldReadyAgendas(
    const std::vector<std::string>& insight_ids, Timestamp now) {
  if (insight_ids.empty()) return std::vector<ReadyAgenda>();
  std::vector<Param> params{Param::Int(now.millis())};
  for (const std::string& id : insight_ids) params.push_back(Param::Text(id));
  return QueryReadySql(sql::HeldReadySql(kDialect, insight_ids.size()), params);
}

Result<std::optional<Timestamp>> Session::PausedSince(PauseTarget target, std::string_view id) {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute("SELECT since FROM paused WHERE target = $1 AND id = $2",
                                     {Param::Text(PauseTargetName(target)), Param::Text(id)}));
  if (rows.size() == 0) return std::optional<Timestamp>();
  POP_ASSIGN_OR_RETURN(int64_t since, rows.Int(0, 0));
  return std::optional<Timestamp>(Timestamp::FromMillis(since));
}

Result<std::vector<PausedTarget>> Session::ListPaused() {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute("SELECT target, id, since FROM paused"
                                                      " ORDER BY since, target, id",
                                                      {}));
  std::vector<PausedTarget> paused;
  for (int row = 0; row < rows.size(); ++row) {
    PausedTarget item;
    item.target = rows.Text(row, 0) == "insight" ? PauseTarget::kInsight : PauseTarget::kAgenda;
    item.id = std::string(rows.Text(row, 1));
    POP_ASSIGN_OR_RETURN(int64_t since, rows.Int(row, 2));
    item.since = Timestamp::FromMillis(since);
    paused.push_back(std::move(item));
  }
  return paused;
}

Result<std::optional<InsightScheduleInfo>> Session::GetScheduleInfo(std::string_view insight_id) {
  POP_ASSIGN_OR_RETURN(Rows rows,
                       connection_.Execute("SELECT pending_customer_ids, last_executed"
                                           " FROM insight_schedule_info WHERE insight_id = $1",
                                           {Param::Text(insight_id)}));
  if (rows.size() == 0) return std::optional<InsightScheduleInfo>();
  InsightScheduleInfo info;
  info.insight_id = std::string(insight_id);
  POP_ASSIGN_OR_RETURN(info.pending_customer_ids, DecodeAccounts(rows.Text(0, 0)));
  info.last_executed = OptionalTime(rows, 0, 1);
  return std::optional<InsightScheduleInfo>(std::move(info));
}

Result<std::optional<ApiToken>> Session::FindTokenByHash(std::string_view secret_hash) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(std::string(kTokenColumns) +
                                                          " FROM api_token WHERE secret_hash = $1",
                                                      {Param::Text(secret_hash)}));
  if (rows.size() == 0) return std::optional<ApiToken>();
  POP_ASSIGN_OR_RETURN(ApiToken token, TokenOf(rows, 0));
  return std::optional<ApiToken>(std::move(token));
}

Result<int64_t> Session::CountTokens() {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute("SELECT count(*) FROM api_token"));
  return rows.Int(0, 0);
}

Result<std::vector<ApiToken>> Session::ListTokens() {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute(std::string(kTokenColumns) + " FROM api_token ORDER BY seq"));
  std::vector<ApiToken> tokens;
  for (int row = 0; row < rows.size(); ++row) {
    POP_ASSIGN_OR_RETURN(ApiToken token, TokenOf(rows, row));
    tokens.push_back(std::move(token));
  }
  return tokens;
}

Result<std::optional<std::string>> Session::FindIdempotentAgenda(std::string_view customer_id,
                                                                 std::string_view key) {
  POP_ASSIGN_OR_RETURN(Rows rows,
                       connection_.Execute("SELECT agenda_id FROM idempotency_key"
                                           " WHERE customer_id = $1 AND key = $2",
                                           {Param::Text(customer_id), Param::Text(key)}));
  if (rows.size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(rows.Text(0, 0)));
}

Status Session::Put(const DataObject& object) {
  POP_ASSIGN_OR_RETURN(Json encoded, sql::EncodeForStorage(object, max_document_depth_));
  SqlQuery upsert = sql::BuildUpsert(kDialect, KindOf(object), encoded, ToJsonText(encoded));
  // Nothing is read back: it goes with the closure's next statement (Connection::Defer).
  connection_.Defer(upsert.sql, ParamsOf(upsert.params));
  return Status::Ok();
}

Result<bool> Session::Delete(ObjectKind kind, std::string_view id) {
  POP_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Execute("DELETE FROM " + std::string(TableFor(kind).name) + " WHERE id = $1",
                          {Param::Text(id)}));
  return rows.affected() > 0;
}

Status Session::AddReadyAgenda(const ReadyAgenda& ready) {
  POP_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Execute(
          "INSERT INTO ready_agenda (id, insight_id, agenda_id, customer_id, added, priority,"
          " claimed_by, lease_until, not_before, confirmed) VALUES ($1, $2, $3, $4, $5, $6, $7,"
          " $8, $9, $10) ON CONFLICT DO NOTHING",
          {Param::Text(ready.id), Param::Text(ready.insight_id), Param::Text(ready.agenda_id),
           Param::Text(ready.customer_id), Param::Int(ready.added.millis()),
           Param::Int(ready.priority), Param::OptionalText(ready.claimed_by),
           TimeParam(ready.lease_until), TimeParam(ready.not_before),
           Param::Bool(ready.confirmed)}));
  return ConflictUnlessInserted(rows, "a ready agenda with id '" + ready.id + "' already exists");
}

Result<int64_t> Session::DeleteReadyAgendasOf(std::string_view agenda_id) {
  POP_ASSIGN_OR_RETURN(Rows rows,
                       connection_.Execute("DELETE FROM ready_agenda WHERE agenda_id = $1",
                                           {Param::Text(agenda_id)}));
  return rows.affected();
}

Result<int64_t> Session::DeleteConfirmedReadyAgendasOf(std::string_view agenda_id) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(sql::DeleteConfirmedReadySql(kDialect),
                                                      {Param::Text(agenda_id)}));
  return rows.affected();
}

Result<bool> Session::DeleteReadyAgenda(std::string_view ready_id) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute("DELETE FROM ready_agenda WHERE id = $1",
                                                      {Param::Text(ready_id)}));
  return rows.affected() > 0;
}

Status Session::SetReadyClaim(std::string_view ready_id,
                              const std::optional<std::string>& claimed_by,
                              std::optional<Timestamp> lease_until) {
  POP_ASSIGN_OR_RETURN(Rows rows,
                       connection_.Execute(sql::SetReadyClaimSql(kDialect),
                                           {Param::Text(ready_id), Param::OptionalText(claimed_by),
                                            TimeParam(lease_until)}));
  if (rows.affected() == 0) {
    return Status(ErrorCode::kNotFound, "ready agenda '" + std::string(ready_id) + "' is gone");
  }
  return Status::Ok();
}

Result<bool> Session::ClaimReady(std::string_view ready_id, std::string_view claimer,
                                 Timestamp lease_until, Timestamp now) {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute(sql::ClaimReadySql(kDialect),
                                     {Param::Text(ready_id), Param::Text(claimer),
                                      Param::Int(lease_until.millis()), Param::Int(now.millis())}));
  return rows.affected() > 0;
}

Result<bool> Session::ReleaseReadyClaim(std::string_view ready_id, std::string_view claimer,
                                        Timestamp lease_until) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(sql::ReleaseReadyClaimSql(kDialect),
                                                      {Param::Text(ready_id), Param::Text(claimer),
                                                       Param::Int(lease_until.millis())}));
  return rows.affected() > 0;
}

Result<bool> Session::ConfirmReadyClaim(std::string_view ready_id, std::string_view claimer,
                                        Timestamp now) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(sql::ConfirmReadyClaimSql(kDialect),
                                                      {Param::Text(ready_id), Param::Text(claimer),
                                                       Param::Int(now.millis())}));
  return rows.affected() > 0;
}

Result<bool> Session::DeleteHeldReadyClaim(std::string_view ready_id, std::string_view claimer,
                                           Timestamp now) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(sql::DeleteHeldReadyClaimSql(kDialect),
                                                      {Param::Text(ready_id), Param::Text(claimer),
                                                       Param::Int(now.millis())}));
  return rows.affected() > 0;
}

Result<int64_t> Session::ReleaseAllClaims() {
  // Several servers share this store: every claim but this server's own belongs to another
  // server's puller, and taking them away would let two executors run one agenda.
  return Error(ErrorCode::kInvalidArgument,
               "releasing every claim is refused on PostgreSQL: other servers sharing the store "
               "hold claims too (only a store with one server, pop dev's SQLite, may)");
}

Result<bool> Session::SetPaused(PauseTarget target, std::string_view id,
                                std::optional<Timestamp> since) {
  // Pausing again keeps the first time: the row is only inserted when absent.
  Result<Rows> rows =
      since ? connection_.Execute(
                  "INSERT INTO paused (target, id, since) VALUES ($1, $2, $3)"
                  " ON CONFLICT (target, id) DO NOTHING",
                  {Param::Text(PauseTargetName(target)), Param::Text(id), TimeParam(since)})
            : connection_.Execute("DELETE FROM paused WHERE target = $1 AND id = $2",
                                  {Param::Text(PauseTargetName(target)), Param::Text(id)});
  if (!rows.ok()) return rows.error();
  return rows->affected() > 0;
}

Status Session::PutScheduleInfo(const InsightScheduleInfo& info) {
  connection_.Defer(
      "INSERT INTO insight_schedule_info (insight_id, pending_customer_ids, last_executed)"
      " VALUES ($1, $2, $3) ON CONFLICT (insight_id) DO UPDATE"
      " SET pending_customer_ids = excluded.pending_customer_ids,"
      " last_executed = excluded.last_executed",
      {Param::Text(info.insight_id), Param::Text(sql::JsonArrayText(info.pending_customer_ids)),
       TimeParam(info.last_executed)});
  return Status::Ok();
}

Result<std::optional<OperationLog>> Session::GetOperationLog(
    std::string_view operation_progress_id) {
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute("SELECT text, dropped, updated"
                                                      " FROM operation_log"
                                                      " WHERE operation_progress_id = $1",
                                                      {Param::Text(operation_progress_id)}));
  if (rows.size() == 0) return std::optional<OperationLog>();
  OperationLog log;
  POP_ASSIGN_OR_RETURN(log.text, rows.Bytes(0, 0));
  POP_ASSIGN_OR_RETURN(log.dropped_bytes, rows.Int(0, 1));
  POP_ASSIGN_OR_RETURN(int64_t updated, rows.Int(0, 2));
  log.updated = Timestamp::FromMillis(updated);
  return std::optional<OperationLog>(std::move(log));
}

Result<bool> Session::DeleteOperationLog(std::string_view operation_progress_id) {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute("DELETE FROM operation_log WHERE operation_progress_id = $1",
                                     {Param::Text(operation_progress_id)}));
  return rows.affected() > 0;
}

Result<bool> Session::TryAcquireJobLease(std::string_view job, std::string_view holder,
                                         Timestamp now, Timestamp until) {
  // One statement: insert, or take over when expired or already ours; otherwise nothing changes.
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute(
                     "INSERT INTO job_lease (job, holder, lease_until) VALUES ($1, $2, $4)"
                     " ON CONFLICT (job) DO UPDATE SET holder = excluded.holder,"
                     " lease_until = excluded.lease_until"
                     " WHERE job_lease.holder = excluded.holder OR job_lease.lease_until <= $3",
                     {Param::Text(job), Param::Text(holder), Param::Int(now.millis()),
                      Param::Int(until.millis())}));
  return rows.affected() > 0;
}

Status Session::ReleaseJobLease(std::string_view job, std::string_view holder) {
  return connection_
      .Execute("DELETE FROM job_lease WHERE job = $1 AND holder = $2",
               {Param::Text(job), Param::Text(holder)})
      .status();
}

Status Session::AppendOperationLog(std::string_view operation_progress_id, std::string_view text,
                                   size_t max_bytes, Timestamp now) {
  // The row is locked until the transaction ends, so an append from another server cannot be
  // lost between this read and the write below.
  POP_ASSIGN_OR_RETURN(Rows existing, connection_.Execute("SELECT text, dropped FROM operation_log"
                                                          " WHERE operation_progress_id = $1"
                                                          " FOR UPDATE",
                                                          {Param::Text(operation_progress_id)}));
  OperationLog log;
  if (existing.size() > 0) {
    POP_ASSIGN_OR_RETURN(log.text, existing.Bytes(0, 0));
    POP_ASSIGN_OR_RETURN(log.dropped_bytes, existing.Int(0, 1));
  }
  log.text.append(text);
  if (log.text.size() > max_bytes) {
    size_t cut = log.text.size() - max_bytes;
    // Cut at a line start when one is near, so the kept log begins with a whole line.
    size_t newline = log.text.find('\n', cut);
    if (newline != std::string::npos && newline - cut < 4096) cut = newline + 1;
    log.text.erase(0, cut);
    log.dropped_bytes += static_cast<int64_t>(cut);
  }
  connection_.Defer(
      "INSERT INTO operation_log (operation_progress_id, text, dropped, updated)"
      " VALUES ($1, $2, $3, $4) ON CONFLICT (operation_progress_id) DO UPDATE"
      " SET text = excluded.text, dropped = excluded.dropped, updated = excluded.updated",
      {Param::Text(operation_progress_id), Param::Bytes(log.text), Param::Int(log.dropped_bytes),
       Param::Int(now.millis())});
  return Status::Ok();
}

Status Session::AddToken(const ApiToken& token) {
  POP_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Execute(
          "INSERT INTO api_token (id, secret_hash, accounts, super_user, title, created,"
          " expires_at, last_used, revoked_at, pending_accounts)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
          {Param::Text(token.id), Param::Text(token.secret_hash),
           Param::Text(sql::JsonArrayText(token.accounts)), Param::Bool(token.super_user),
           Param::Text(token.title), Param::Int(token.created.millis()),
           TimeParam(token.expires_at), TimeParam(token.last_used), TimeParam(token.revoked_at),
           Param::Text(sql::JsonArrayText(token.pending_accounts))}));
  return ConflictUnlessInserted(
      rows, "a token with id '" + token.id + "' or the same secret already exists");
}

Result<bool> Session::RevokeToken(std::string_view id, Timestamp at) {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute(
                     "UPDATE api_token SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
                     {Param::Text(id), Param::Int(at.millis())}));
  return rows.affected() > 0;
}

Status Session::RecordTokenUse(std::string_view id, Timestamp last_used,
                               const std::vector<std::string>& pending_accounts) {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute(
                     "UPDATE api_token SET last_used = $2, pending_accounts = $3 WHERE id = $1",
                     {Param::Text(id), Param::Int(last_used.millis()),
                      Param::Text(sql::JsonArrayText(pending_accounts))}));
  if (rows.affected() == 0) {
    return Status(ErrorCode::kNotFound, "no token with id '" + std::string(id) + "'");
  }
  return Status::Ok();
}

Status Session::AddIdempotencyKey(std::string_view customer_id, std::string_view key,
                                  std::string_view agenda_id, Timestamp created) {
  POP_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Execute("INSERT INTO idempotency_key (customer_id, key, agenda_id, created)"
                          " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                          {Param::Text(customer_id), Param::Text(key), Param::Text(agenda_id),
                           Param::Int(created.millis())}));
  return ConflictUnlessInserted(rows, "idempotency key '" + std::string(key) + "' of customer '" +
                                          std::string(customer_id) + "' is already recorded");
}

Status Session::AddAuditRecords(const std::vector<AuditRecord>& records) {
  // All of them in one round trip, with the closure's next statement (Connection::Defer).
  for (const AuditRecord& record : records) {
    connection_.Defer(
        "INSERT INTO audit_log (at, token_id, accounts, super_user, method, route,"
        " object_ids, status, correlation_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {Param::Int(record.time.millis()), Param::Text(record.token_id),
         Param::Text(sql::JsonArrayText(record.accounts)), Param::Bool(record.super_user),
         Param::Text(record.method), Param::Text(record.route),
         Param::Text(sql::JsonArrayText(record.object_ids)), Param::Int(record.status),
         Param::Text(record.correlation_id)});
  }
  return Status::Ok();
}

Result<std::vector<AuditRecord>> Session::FindAuditRecords(const AuditQuery& query) {
  std::string sql =
      "SELECT seq, at, token_id, accounts, super_user, method, route, object_ids, status,"
      " correlation_id FROM audit_log WHERE at >= $1";
  std::vector<Param> params = {Param::Int(query.since ? query.since->millis() : INT64_MIN)};
  if (query.by_user) {
    sql += " AND (token_id = $2 OR accounts ? $2) ORDER BY seq DESC LIMIT $3";
    params.push_back(Param::Text(*query.by_user));
  } else {
    sql += " ORDER BY seq DESC LIMIT $2";
  }
  params.push_back(Param::Int(Limit(query.limit)));
  POP_ASSIGN_OR_RETURN(Rows rows, connection_.Execute(sql, params));
  std::vector<AuditRecord> records;
  records.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    AuditRecord record;
    POP_ASSIGN_OR_RETURN(record.sequence, rows.Int(row, 0));
    POP_ASSIGN_OR_RETURN(int64_t at, rows.Int(row, 1));
    record.time = Timestamp::FromMillis(at);
    record.token_id = rows.Text(row, 2);
    POP_ASSIGN_OR_RETURN(record.accounts, DecodeAccounts(rows.Text(row, 3)));
    record.super_user = rows.Bool(row, 4);
    record.method = rows.Text(row, 5);
    record.route = rows.Text(row, 6);
    POP_ASSIGN_OR_RETURN(record.object_ids, DecodeAccounts(rows.Text(row, 7)));
    POP_ASSIGN_OR_RETURN(int64_t status, rows.Int(row, 8));
    record.status = static_cast<int>(status);
    record.correlation_id = rows.Text(row, 9);
    records.push_back(std::move(record));
  }
  return records;
}

Result<int64_t> Session::DeleteAuditRecordsBefore(Timestamp cutoff, size_t limit) {
  POP_ASSIGN_OR_RETURN(
      Rows rows, connection_.Execute("DELETE FROM audit_log WHERE seq IN (SELECT seq FROM"
                                     " audit_log WHERE at < $1 ORDER BY at LIMIT $2)",
                                     {Param::Int(cutoff.millis()), Param::Int(Limit(limit))}));
  return rows.affected();
}

}  // namespace pop::postgres
