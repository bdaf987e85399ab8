// Connection: one libpq connection with its cache of prepared statements and its deferred writes;
// Rows: a query's result. The only types of the adapter that call libpq; libpq-fe.h stays in the
// .cc files. Errors are mapped once, here (docs/design/storage.md, "PostgreSQL"), and never
// contain the password.
// Thread-compatible: a Connection is used by one thread at a time (the writer thread, or the
// reader that leased it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/base/result.h"

struct pg_conn;
struct pg_result;

namespace pop::postgres {

// A NOTIFY this connection received on a channel it LISTENs to.
struct Notification {
  std::string channel;
  std::string payload;
};

// A value bound to a query parameter ($1, $2 ...). Text parameters go as text and PostgreSQL
// infers their type from the statement; bytes go in binary format (a bytea column).
struct Param {
  static Param Text(std::string_view value) { return Param{std::string(value), false, false}; }
  static Param Int(int64_t value) { return Param{std::to_string(value), false, false}; }
  static Param Bool(bool value) { return Param{value ? "true" : "false", false, false}; }
  static Param Null() { return Param{std::string(), true, false}; }
  static Param Bytes(std::string_view value) { return Param{std::string(value), false, true}; }
  static Param OptionalText(const std::optional<std::string>& value) {
    return value ? Text(*value) : Null();
  }
  static Param OptionalInt(std::optional<int64_t> value) { return value ? Int(*value) : Null(); }

  std::string value;
  bool null = false;
  bool binary = false;
};

// The result of one statement. Move-only. Values are valid while the Rows live.
class Rows {
 public:
  explicit Rows(pg_result* result) : result_(result) {}
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows& operator=(Rows&&) = delete;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();

  int size() const;
  bool IsNull(int row, int column) const;
  std::string_view Text(int row, int column) const;
  // Errors: kInternal when the value is not an integer.
  [[nodiscard]] Result<int64_t> Int(int row, int column) const;
  std::optional<int64_t> OptionalInt(int row, int column) const;  // NULL or not an integer: none
  bool Bool(int row, int column) const;                           // PostgreSQL's 't'
  // A bytea column's bytes. Errors: kInternal when the text is not bytea's hex form.
  [[nodiscard]] Result<std::string> Bytes(int row, int column) const;
  // Rows inserted, updated or deleted by the statement.
  int64_t affected() const;
  // The command tag ("COMMIT", or "ROLLBACK" when COMMIT found the transaction failed).
  std::string_view command() const;

 private:
  pg_result* result_;
};

// The cause a client reads (Error::cause) when the connection to `endpoint` ("host:port") broke:
// "the store is unavailable: the connection to PostgreSQL at host:port was lost".
std::string LostConnectionCause(const std::string& endpoint);

class Connection {
 public:
  // Connects with a libpq connection string (URI or key=value; missing settings come from the
  // PG* environment variables). Errors: kInvalidArgument for a malformed string; kUnavailable
  // ("the PostgreSQL server is unreachable: host:port: ...") when no connection can be made,
  // authentication included. Every kUnavailable error of a Connection carries a cause for
  // clients (Error::cause: "the store is unavailable: connection to PostgreSQL at host:port
  // refused"), which never quotes libpq's text, the connection string or SQL.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> Open(
      const std::string& conninfo, std::chrono::seconds connect_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with parameters, prepared once per connection and text (at most
  // kMaxPrepared texts; further ones run unprepared). `sql` must be built from constant pieces
  // only; values are always parameters.
  [[nodiscard]] Result<Rows> Execute(std::string_view sql, const std::vector<Param>& params = {});
  // Runs one or more statements without parameters, unprepared (BEGIN, COMMIT, migrations).
  // Deferred statements are sent first (Flush).
  [[nodiscard]] Status Run(const std::string& sql);
  // The command tag of a Run-style statement, e.g. COMMIT's ("ROLLBACK" when it rolled back).
  [[nodiscard]] Result<std::string> RunForCommand(const std::string& sql);

  // Deferred writes: a statement whose rows nobody reads (an upsert, an insert) is not sent at
  // once but with the next statement, in order, in one round trip (libpq's pipeline mode), so a
  // closure's writes cost one round trip together instead of one each. A deferred statement's
  // failure becomes the error of the statement it went with (Execute, Flush), and leaves the
  // transaction failed as if it had run alone. Prepared as Execute's. Only inside a transaction
  // (BEGIN): outside one, each pipeline would be its own implicit transaction.
  void Defer(std::string_view sql, std::vector<Param> params);
  // Whether anything waits to be sent with the next statement: deferred writes, or a BEGIN
  // (BeginLazily).
  bool HasDeferred() const { return !deferred_.empty() || !begin_.empty(); }
  // Forgets the deferred statements unsent (their closure failed: its savepoint or transaction is
  // rolled back anyway). A BEGIN not sent yet (BeginLazily) stays.
  void DiscardDeferred() { deferred_.clear(); }

  // Begins a transaction without a round trip of its own: `statements` (each a single statement
  // without parameters: "BEGIN ...", "SAVEPOINT x") go first in the pipeline of the next
  // statement sent, whatever sends it. Until then InTransaction() is false and BeginPending()
  // true. Call FoundBroken() first: a broken connection is otherwise only found out inside the
  // transaction's first statement.
  void BeginLazily(std::vector<std::string> statements);
  bool BeginPending() const { return !begin_.empty(); }
  // Forgets the deferred statements and a BEGIN not sent yet: nothing of them reached the server.
  void DiscardUnsent() {
    deferred_.clear();
    begin_.clear();
  }
  // Sends one statement without parameters (the COMMIT of a read-only transaction) and returns
  // without waiting for its answer, which FinishSent() reads: the caller is not held for a
  // round trip whose outcome changes nothing it has. Every other call reads it first.
  void SendWithoutWaiting(const std::string& sql);
  // Reads the answer of what SendWithoutWaiting sent, if any (waiting for it when it has not
  // arrived). Error: that statement's failure (the connection may be broken).
  [[nodiscard]] Status FinishSent();

  // For an idle connection: reads, without waiting, whatever the server sent since the last
  // statement (a server that shut down or restarted sends its goodbye and closes the socket) and
  // says whether the connection is now known to be broken. No round trip.
  bool FoundBroken();
  // Sends the deferred statements and then each of `then` (single statements without parameters,
  // e.g. "RELEASE SAVEPOINT x", "COMMIT") in one round trip, and returns the command tag of the
  // last one sent ("" when nothing was sent). Error: the first statement that failed (those after
  // it were skipped by PostgreSQL).
  [[nodiscard]] Result<std::string> Flush(const std::vector<std::string>& then = {});

  // The server is gone (the connection broke): the connection must be replaced.
  bool IsBroken() const;
  bool InTransaction() const;        // inside BEGIN ... COMMIT, failed or not
  bool InFailedTransaction() const;  // a statement failed; only ROLLBACK (TO) is accepted now
  int server_version() const;        // e.g. 150004

  // The connection's socket, to wait with poll(2) for what the server sends (notifications).
  int socket() const;
  // Reads what the server sent without blocking and returns the notifications that arrived
  // (LISTEN), oldest first. kUnavailable when the connection broke.
  [[nodiscard]] Result<std::vector<Notification>> TakeNotifications();

  // Adds every round trip to the server from now on (a statement, a pipeline, a PQprepare) to
  // `counter`, for statistics; it must outlive the connection. nullptr: not counted.
  void CountRoundTripsIn(std::atomic<int64_t>* counter) { round_trips_ = counter; }

  // "host:port" of the server, for messages.
  const std::string& endpoint() const { return endpoint_; }
  // The error of the last failed call; kept for a caller that has to report why a transaction
  // failed after a closure ignored the error. Empty message when nothing failed yet.
  const Error& last_error() const { return last_error_; }
  void ClearLastError() { last_error_ = Error(); }

 private:
  Connection(pg_conn* conn, std::string endpoint, std::string password)
      : conn_(conn), endpoint_(std::move(endpoint)), password_(std::move(password)) {}
  // A statement of a pipeline: a deferred write, or what goes with them.
  struct Queued {
    std::string sql;
    std::vector<Param> params;
  };

  // libpq's parallel arrays of a statement's parameters; `values` point into the Params, which
  // must outlive them.
  struct ParamArrays {
    explicit ParamArrays(const std::vector<Param>& params);
    int count() const { return static_cast<int>(values.size()); }
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
  };

  // The pending BEGIN and the deferred statements, in order, taken out to be sent (none are left).
  std::vector<Queued> TakeDeferred();
  void CountRoundTrip() {
    if (round_trips_ != nullptr) round_trips_->fetch_add(1, std::memory_order_relaxed);
  }
  // Maps the failure of `result` (nullptr: no result at all) to an Error and remembers it.
  Error MakeError(pg_result* result, std::string_view sql);
  // The name `sql` is prepared under on this connection (preparing it now when new), or nullptr
  // when kMaxPrepared statements are prepared already (it runs unprepared).
  [[nodiscard]] Result<const std::string*> Prepared(const std::string& sql, int param_count);
  // Sends `statements` in one pipeline and returns the last one's rows
  // (connection_pipeline.cc). Error: the first failure.
  [[nodiscard]] Result<Rows> RunPipeline(const std::vector<Queued>& statements);
  // Reads the results of a pipeline of `statements` up to its sync point.
  [[nodiscard]] Result<Rows> ReadPipeline(const std::vector<Queued>& statements);

  pg_conn* conn_;
  std::string endpoint_;
  std::string password_;                                   // only to take it out of messages
  std::unordered_map<std::string, std::string> prepared_;  // SQL text → statement name
  std::vector<Queued> deferred_;                           // Defer()red, not sent yet
  std::vector<Queued> begin_;                              // BeginLazily()'s, not sent yet
  std::atomic<int64_t>* round_trips_ = nullptr;
  bool pipeline_broken_ = false;  // a pipeline could not be ended: the connection is unusable
  bool answer_unread_ = false;    // SendWithoutWaiting's answer is not read yet
  Error last_error_;
};

}  // namespace pop::postgres
