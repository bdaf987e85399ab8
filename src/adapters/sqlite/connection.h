// Connection: one SQLite database handle with its cache of prepared statements, and Statement,
// a cached statement borrowed for one use. The only types of the adapter that call the SQLite
// C API for statements; sqlite3.h stays in the .cc. Thread-compatible: a Connection is used by
// one thread at a time (the writer thread, or the reader that leased it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pop::sqlite {

class Connection;

// A prepared statement borrowed from a Connection's cache. Destruction resets it and clears its
// bindings, so nothing stays bound or half-stepped between uses. Move-only.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameter indexes start at 1, as in SQL (`?1`). Values are copied.
  void BindText(int index, std::string_view value);
  void BindInt(int index, int64_t value);
  void BindNull(int index);

  // True when a row is ready to be read, false when the statement is done.
  [[nodiscard]] Result<bool> Step();
  // Steps to completion, ignoring any rows.
  [[nodiscard]] Status Run();

  // Valid until the next Step() or the end of this Statement. Column indexes start at 0.
  std::string_view ColumnText(int column) const;
  int64_t ColumnInt(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Connection;
  // `in_use` is the cache entry's flag, cleared on destruction; nullptr for a statement used
  // once and finalized here.
  Statement(Connection* connection, sqlite3_stmt* stmt, bool* in_use);

  Connection* connection_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (kReadWrite also creates) the database file. Errors: kUnavailable when the file cannot
  // be opened, kInternal otherwise.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> Open(
      const std::string& path, Mode mode, std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A prepared statement for `sql`, reused across calls with the same text. `sql` must be
  // built from constant pieces only; values are always bound.
  [[nodiscard]] Result<Statement> Prepare(std::string_view sql);
  // Runs one cached statement without parameters to completion (BEGIN, COMMIT, SAVEPOINT ...).
  [[nodiscard]] Status Run(std::string_view sql);
  // Runs one or more statements without caching (migrations).
  [[nodiscard]] Status Execute(const std::string& sql);
  // Runs a statement returning one integer (e.g. `PRAGMA user_version`).
  [[nodiscard]] Result<int64_t> QueryInt(std::string_view sql);
  // Runs a statement returning one text value (e.g. `PRAGMA journal_mode=WAL`).
  [[nodiscard]] Result<std::string> QueryText(std::string_view sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // False after COMMIT/ROLLBACK, and after SQLite rolled back a transaction on its own (which it
  // may do on a full disk or an I/O error).
  bool InTransaction() const;
  bool IsReadOnly() const;

  // The error of the last failed call on this connection, kept for a caller that has to report
  // why a transaction disappeared. Empty message when nothing failed yet.
  const Error& last_error() const { return last_error_; }
  void ClearLastError() { last_error_ = Error(); }

  // Maps an SQLite result code to an Error (see docs/design/storage.md, "Error mapping") and
  // remembers it as last_error(). `context` says what was being done.
  Error MakeError(int rc, std::string_view context);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  // Finalizes idle cached statements once there are too many.
  void TrimCache();

  // Map nodes do not move, so a Statement may point at its entry's `in_use` while it is out;
  // TrimCache never erases an entry in use.
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement> cache_;
  Error last_error_;
};

}  // namespace pop::sqlite
