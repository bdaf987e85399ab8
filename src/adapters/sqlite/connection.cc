#include "adapters/sqlite/connection.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cstdint>

namespace pop::sqlite {
namespace {

// Past this many distinct statement texts, idle cached statements are finalized. Queries are
// built from a small set of shapes, so this is only reached by unusual filter combinations.
constexpr size_t kMaxCachedStatements = 256;

// How much of a statement's text an error message quotes.
constexpr size_t kSqlInMessage = 80;

// SQLITE_TRANSIENT is an old-style cast in a macro; spell it once, here.
const sqlite3_destructor_type kCopyValue = SQLITE_TRANSIENT;

std::string Quote(const char* sql) {
  std::string text = sql == nullptr ? "" : sql;
  if (text.size() > kSqlInMessage) text = text.substr(0, kSqlInMessage) + "...";
  return "`" + text + "`";
}

}  // namespace

Statement::Statement(Connection* connection, sqlite3_stmt* stmt, bool* in_use)
    : connection_(connection), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  // Both calls only repeat the error of the last step, which Step() already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) {
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

void Statement::BindText(int index, std::string_view value) {
  // Binding can only fail for a wrong index or out of memory, both bugs here; a failed bind
  // leaves the parameter NULL, which then fails the query's NOT NULL constraints or matches
  // nothing, so it cannot write wrong data silently.
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), kCopyValue, SQLITE_UTF8);
}

void Statement::BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Statement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->MakeError(rc, Quote(sqlite3_sql(stmt_)));
}

Status Statement::Run() {
  for (;;) {
    POP_ASSIGN_OR_RETURN(bool has_row, Step());
    if (!has_row) return Status::Ok();
  }
}

std::string_view Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  auto size = static_cast<size_t>(sqlite3_column_bytes(stmt_, column));
  return {reinterpret_cast<const char*>(text), size};
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                     std::chrono::milliseconds busy_timeout) {
  int flags =
      mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  // Each connection is confined to one thread at a time, so SQLite's own mutexes are not needed.
  flags |= SQLITE_OPEN_NOMUTEX;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (db == nullptr) return Error(ErrorCode::kInternal, "cannot allocate an SQLite connection");
  std::unique_ptr<Connection> connection(new Connection(db));
  if (rc != SQLITE_OK) return connection->MakeError(rc, "opening " + path);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(std::clamp<int64_t>(busy_timeout.count(), 0, INT_MAX)));
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  // Every statement is finalized, so closing cannot fail with SQLITE_BUSY; any other failure
  // leaves nothing that could still be done about it.
  sqlite3_close(db_);
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement(this, it->second.stmt, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return MakeError(rc, "preparing " + Quote(std::string(sql).c_str()));
  }
  if (it != cache_.end()) {
    // The cached copy is busy (a nested use of the same text): this one is used once.
    return Statement(this, stmt, /*in_use=*/nullptr);
  }
  TrimCache();
  auto entry = cache_.emplace(std::string(sql), CachedStatement{stmt, true}).first;
  return Statement(this, entry->second.stmt, &entry->second.in_use);
}

void Connection::TrimCache() {
  if (cache_.size() < kMaxCachedStatements) return;
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second.in_use) {
      ++it;
      continue;
    }
    sqlite3_finalize(it->second.stmt);
    it = cache_.erase(it);
  }
}

Status Connection::Run(std::string_view sql) {
  POP_ASSIGN_OR_RETURN(Statement statement, Prepare(sql));
  return statement.Run();
}

Status Connection::Execute(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return MakeError(rc, Quote(sql.c_str()));
  return Status::Ok();
}

Result<int64_t> Connection::QueryInt(std::string_view sql) {
  POP_ASSIGN_OR_RETURN(Statement statement, Prepare(sql));
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return Error(ErrorCode::kInternal, "no result from " + std::string(sql));
  return statement.ColumnInt(0);
}

Result<std::string> Connection::QueryText(std::string_view sql) {
  POP_ASSIGN_OR_RETURN(Statement statement, Prepare(sql));
  POP_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return Error(ErrorCode::kInternal, "no result from " + std::string(sql));
  return std::string(statement.ColumnText(0));
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

bool Connection::IsReadOnly() const { return sqlite3_db_readonly(db_, "main") == 1; }

Error Connection::MakeError(int rc, std::string_view context) {
  ErrorCode code = ErrorCode::kUnavailable;
  const char* what = nullptr;
  switch (rc & 0xff) {
    case SQLITE_FULL:
      what = "database is full";
      break;
    case SQLITE_READONLY:
      what = "database is read-only";
      break;
    case SQLITE_IOERR:
      what = "database I/O error";
      break;
    case SQLITE_CANTOPEN:
      what = "cannot open database";
      break;
    case SQLITE_BUSY:
      what = "database is busy (locked by another connection for longer than the busy timeout)";
      break;
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        code = ErrorCode::kConflict;
        what = "already exists";
      } else {
        code = ErrorCode::kInternal;
        what = "database constraint failed";
      }
      break;
    case SQLITE_CORRUPT:
      code = ErrorCode::kInternal;
      what = "database file is corrupt";
      break;
    case SQLITE_NOTADB:
      code = ErrorCode::kInternal;
      what = "file is not an SQLite database";
      break;
    default:
      code = ErrorCode::kInternal;
      what = "database error";
      break;
  }
  std::string message = std::string(what) + ": " + std::string(context) + ": " +
                        sqlite3_errmsg(db_) + " (" + sqlite3_errstr(rc) + ")";
  last_error_ = Error(code, message);
  return last_error_;
}

}  // namespace pop::sqlite
