#include "adapters/postgres/connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>
#include <utility>

#include "adapters/postgres/conninfo.h"

namespace pop::postgres {
namespace {

// Past this many distinct statement texts, further ones run unprepared. Queries are built from a
// small set of shapes, so this is only reached by unusual filter combinations.
constexpr size_t kMaxPrepared = 256;

// How much of a statement's text an error message quotes.
constexpr size_t kSqlInMessage = 80;

std::string Quote(std::string_view sql) {
  std::string text(sql.substr(0, kSqlInMessage));
  if (sql.size() > kSqlInMessage) text += "...";
  return "`" + text + "`";
}

// libpq's messages end in newlines and indent their hints with tabs: one line, trimmed, and never
// the password (even one that a message quoted back).
std::string Clean(const char* raw, const std::string& password) {
  std::string message;
  bool space = false;
  for (const char* p = raw == nullptr ? "" : raw; *p != '\0'; ++p) {
    if (std::isspace(static_cast<unsigned char>(*p)) != 0) {
      space = !message.empty();
      continue;
    }
    if (space) message.push_back(' ');
    space = false;
    message.push_back(*p);
  }
  if (!password.empty()) {
    for (size_t at = message.find(password); at != std::string::npos;
         at = message.find(password, at + 3)) {
      message.replace(at, password.size(), "***");
    }
  }
  return RedactPassword(message);
}

std::string EndpointOf(const PGconn* conn) {
  const char* host = PQhost(conn);
  const char* port = PQport(conn);
  std::string endpoint = host != nullptr && *host != '\0' ? host : "localhost";
  endpoint += ":";
  endpoint += port != nullptr && *port != '\0' ? port : "5432";
  return endpoint;
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// What an SQLSTATE means: the error code, the start of the message (docs/design/storage.md), and
// for kUnavailable the cause a client may read (Error::cause), which names the server by
// endpoint ("PostgreSQL at E ...": E is replaced) and never quotes SQL or libpq's text.
struct Classified {
  ErrorCode code;
  std::string_view what;
  std::string_view cause;
};

Classified Classify(std::string_view state) {
  if (state == "23505") return {ErrorCode::kConflict, "unique violation", ""};
  if (StartsWith(state, "08")) {
    return {ErrorCode::kUnavailable, "the PostgreSQL server is unreachable",
            "the connection to PostgreSQL at E failed"};
  }
  if (StartsWith(state, "57P")) {
    return {ErrorCode::kUnavailable, "the PostgreSQL server is shutting down or starting",
            "PostgreSQL at E is shutting down or restarting"};
  }
  if (state == "40001" || state == "40P01") {
    return {ErrorCode::kUnavailable, "the database aborted the transaction",
            "PostgreSQL at E aborted the transaction for a concurrent one"};
  }
  if (StartsWith(state, "53")) {
    return {ErrorCode::kUnavailable, "the database is out of resources",
            "PostgreSQL at E is out of resources"};
  }
  if (state == "25006") {
    return {ErrorCode::kUnavailable, "the database is read-only", "PostgreSQL at E is read-only"};
  }
  if (StartsWith(state, "58")) {
    return {ErrorCode::kUnavailable, "database I/O error", "PostgreSQL at E reports an I/O error"};
  }
  if (state == "57014") {
    return {ErrorCode::kUnavailable, "the statement was cancelled",
            "a statement was cancelled on PostgreSQL at E"};
  }
  if (StartsWith(state, "22")) {
    return {ErrorCode::kInvalidArgument, "the database refused a value", ""};
  }
  return {ErrorCode::kInternal, "database error", ""};
}

std::string StoreUnavailable(std::string_view cause, const std::string& endpoint) {
  std::string text = "the store is unavailable: " + std::string(cause);
  const size_t at = text.find(" at E");
  if (at != std::string::npos) text.replace(at + 4, 1, endpoint);
  return text;
}

// Why a connection could not be made, for a client: from libpq's message (which is not shown,
// as it may quote the connection string), the kind of failure only.
std::string ConnectCause(std::string_view reason, const std::string& endpoint) {
  auto has = [reason](std::string_view text) { return reason.find(text) != std::string::npos; };
  if (has("Connection refused")) {
    return StoreUnavailable("connection to PostgreSQL at E refused", endpoint);
  }
  if (has("timeout expired") || has("timed out")) {
    return StoreUnavailable("connection to PostgreSQL at E timed out", endpoint);
  }
  if (has("starting up") || has("shutting down") || has("recovery mode")) {
    return StoreUnavailable("PostgreSQL at E is starting up or shutting down", endpoint);
  }
  if (has("too many") || has("remaining connection slots")) {
    return StoreUnavailable("PostgreSQL at E has no free connection", endpoint);
  }
  if (has("authentication") || has("password") || has("no pg_hba.conf entry")) {
    return StoreUnavailable("PostgreSQL at E refused the login", endpoint);
  }
  return StoreUnavailable("cannot connect to PostgreSQL at E", endpoint);
}

}  // namespace

std::string LostConnectionCause(const std::string& endpoint) {
  return StoreUnavailable("the connection to PostgreSQL at E was lost", endpoint);
}

Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}

int Rows::size() const { return PQntuples(result_); }

bool Rows::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view Rows::Text(int row, int column) const {
  return {PQgetvalue(result_, row, column), static_cast<size_t>(PQgetlength(result_, row, column))};
}

Result<int64_t> Rows::Int(int row, int column) const {
  std::optional<int64_t> value = OptionalInt(row, column);
  if (!value) {
    return Error(ErrorCode::kInternal, "expected an integer from the database, got '" +
                                           std::string(Text(row, column)) + "'");
  }
  return *value;
}

std::optional<int64_t> Rows::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  std::string_view text = Text(row, column);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool Rows::Bool(int row, int column) const { return Text(row, column) == "t"; }

Result<std::string> Rows::Bytes(int row, int column) const {
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (bytes == nullptr) return Error(ErrorCode::kInternal, "cannot decode a bytea value");
  std::string value(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return value;
}

int64_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_);
  int64_t value = 0;
  std::from_chars(tuples, tuples + std::strlen(tuples), value);
  return value;
}

std::string_view Rows::command() const { return PQcmdStatus(result_); }

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                     std::chrono::seconds connect_timeout) {
  // Checked first: a malformed string is a mistake in the configuration, not an outage.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string reason = Clean(parse_error, "");
    if (parse_error != nullptr) PQfreemem(parse_error);
    return Error(ErrorCode::kInvalidArgument, "invalid PostgreSQL connection string '" +
                                                  RedactPassword(conninfo) + "': " + reason);
  }
  PQconninfoFree(parsed);
  // Later entries override the ones expanded from `dbname` (the whole connection string), earlier
  // ones are defaults it may override.
  std::string timeout = std::to_string(connect_timeout.count());
  const char* const keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                                  "client_encoding", nullptr};
  const char* const values[] = {timeout.c_str(), "pop", conninfo.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return Error(ErrorCode::kUnavailable, "cannot allocate a PostgreSQL connection");
  }
  std::string endpoint = EndpointOf(conn);
  std::string password = PQpass(conn) != nullptr ? PQpass(conn) : "";
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = Clean(PQerrorMessage(conn), password);
    PQfinish(conn);
    std::string cause = ConnectCause(reason, endpoint);
    return Error(
        ErrorCode::kUnavailable,
        "the PostgreSQL server is unreachable: cannot connect to " + endpoint + ": " + reason,
        std::move(cause));
  }
  // Notices (e.g. "relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<Connection>(
      new Connection(conn, std::move(endpoint), std::move(password)));
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::IsBroken() const { return pipeline_broken_ || PQstatus(conn_) == CONNECTION_BAD; }

bool Connection::InTransaction() const {
  PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

bool Connection::InFailedTransaction() const {
  return PQtransactionStatus(conn_) == PQTRANS_INERROR;
}

int Connection::server_version() const { return PQserverVersion(conn_); }

int Connection::socket() const { return PQsocket(conn_); }

void Connection::SendWithoutWaiting(const std::string& sql) {
  CountRoundTrip();
  // A send that fails leaves the connection broken (IsBroken), which its next user finds out.
  if (PQsendQuery(conn_, sql.c_str()) == 1) answer_unread_ = true;
}

Status Connection::FinishSent() {
  if (!answer_unread_) return Status::Ok();
  answer_unread_ = false;
  std::optional<Error> failure;
  while (PGresult* result = PQgetResult(conn_)) {
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !failure) {
      failure = MakeError(result, "an unawaited statement");
    }
    PQclear(result);
  }
  if (failure) return Status(*failure);
  return Status::Ok();
}

bool Connection::FoundBroken() {
  // A failure of what was sent shows as IsBroken below, or not at all.
  if (answer_unread_) static_cast<void>(FinishSent());
  if (IsBroken()) return true;
  const int fd = PQsocket(conn_);
  if (fd < 0) return true;
  // Nothing (more) to read: nothing happened since the last statement. Otherwise a notice, or the
  // server's goodbye and then the end of the stream, each read by one PQconsumeInput.
  for (int reads = 0; reads < 8; ++reads) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 0) <= 0) return false;
    if (PQconsumeInput(conn_) == 0 || IsBroken()) return true;
  }
  return IsBroken();
}

Result<std::vector<Notification>> Connection::TakeNotifications() {
  if (PQconsumeInput(conn_) == 0) {
    std::string reason = Clean(PQerrorMessage(conn_), password_);
    last_error_ = Error(ErrorCode::kUnavailable,
                        "the PostgreSQL server is unreachable: " + endpoint_ + ": " + reason,
                        LostConnectionCause(endpoint_));
    return last_error_;
  }
  std::vector<Notification> received;
  while (PGnotify* notify = PQnotifies(conn_)) {
    received.push_back({notify->relname != nullptr ? notify->relname : "",
                        notify->extra != nullptr ? notify->extra : ""});
    PQfreemem(notify);
  }
  return received;
}

Error Connection::MakeError(pg_result* result, std::string_view sql) {
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string reason = Clean(primary != nullptr ? primary : PQerrorMessage(conn_), password_);
  if (IsBroken()) {
    last_error_ = Error(ErrorCode::kUnavailable,
                        "the PostgreSQL server is unreachable: " + endpoint_ + ": " + reason,
                        LostConnectionCause(endpoint_));
    return last_error_;
  }
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  auto [code, what, cause] = Classify(state != nullptr ? state : "");
  std::string message(what);
  if (code == ErrorCode::kUnavailable && what.find("unreachable") != std::string_view::npos) {
    message += ": " + endpoint_;
  }
  message += ": " + Quote(sql) + ": " + reason;
  if (state != nullptr) message += std::string(" (SQLSTATE ") + state + ")";
  last_error_ = Error(code, std::move(message),
                      cause.empty() ? std::string() : StoreUnavailable(cause, endpoint_));
  return last_error_;
}

Result<const std::string*> Connection::Prepared(const std::string& sql, int param_count) {
  auto prepared = prepared_.find(sql);
  if (prepared != prepared_.end()) return &prepared->second;
  if (prepared_.size() >= kMaxPrepared) return static_cast<const std::string*>(nullptr);
  std::string name = "pop_" + std::to_string(prepared_.size() + 1);
  CountRoundTrip();
  PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), param_count, nullptr);
  if (result == nullptr || PQresultStatus(result) != PGRES_COMMAND_OK) {
    Error error = MakeError(result, sql);
    if (result != nullptr) PQclear(result);
    return error;
  }
  PQclear(result);
  return &prepared_.emplace(sql, std::move(name)).first->second;
}

Connection::ParamArrays::ParamArrays(const std::vector<Param>& params) {
  values.reserve(params.size());
  lengths.reserve(params.size());
  formats.reserve(params.size());
  for (const Param& param : params) {
    values.push_back(param.null ? nullptr : param.value.c_str());
    lengths.push_back(static_cast<int>(param.value.size()));
    formats.push_back(param.binary ? 1 : 0);
  }
}

Result<Rows> Connection::Execute(std::string_view sql, const std::vector<Param>& params) {
  POP_RETURN_IF_ERROR(FinishSent());
  if (HasDeferred()) {
    // A pending BEGIN and the deferred writes go first, in the same round trip.
    std::vector<Queued> statements = TakeDeferred();
    statements.push_back(Queued{std::string(sql), params});
    return RunPipeline(statements);
  }
  const ParamArrays arrays(params);
  const int count = arrays.count();
  std::string text(sql);
  POP_ASSIGN_OR_RETURN(const std::string* name, Prepared(text, count));
  CountRoundTrip();
  PGresult* result = name != nullptr
                         ? PQexecPrepared(conn_, name->c_str(), count, arrays.values.data(),
                                          arrays.lengths.data(), arrays.formats.data(),
                                          /*resultFormat=*/0)
                         : PQexecParams(conn_, text.c_str(), count, nullptr, arrays.values.data(),
                                        arrays.lengths.data(), arrays.formats.data(),
                                        /*resultFormat=*/0);
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  Error error = MakeError(result, sql);
  if (result != nullptr) PQclear(result);
  return error;
}

Result<std::string> Connection::RunForCommand(const std::string& sql) {
  POP_RETURN_IF_ERROR(FinishSent());
  if (HasDeferred()) POP_RETURN_IF_ERROR(Flush().status());
  CountRoundTrip();
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    std::string command = PQcmdStatus(result);
    PQclear(result);
    return command;
  }
  Error error = MakeError(result, sql);
  if (result != nullptr) PQclear(result);
  return error;
}

Status Connection::Run(const std::string& sql) { return RunForCommand(sql).status(); }

}  // namespace pop::postgres
