// Connection's deferred writes: several statements sent in one round trip with libpq's pipeline
// mode (connection.h, Defer).
#include <libpq-fe.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/postgres/connection.h"

namespace pop::postgres {

void Connection::Defer(std::string_view sql, std::vector<Param> params) {
  deferred_.push_back(Queued{std::string(sql), std::move(params)});
}

void Connection::BeginLazily(std::vector<std::string> statements) {
  begin_.clear();
  for (std::string& sql : statements) begin_.push_back(Queued{std::move(sql), {}});
}

std::vector<Connection::Queued> Connection::TakeDeferred() {
  std::vector<Queued> statements = std::exchange(begin_, {});
  for (Queued& statement : deferred_) statements.push_back(std::move(statement));
  deferred_.clear();
  return statements;
}

Result<std::string> Connection::Flush(const std::vector<std::string>& then) {
  std::vector<Queued> statements = TakeDeferred();
  for (const std::string& sql : then) statements.push_back(Queued{sql, {}});
  if (statements.empty()) return std::string();
  POP_ASSIGN_OR_RETURN(Rows last, RunPipeline(statements));
  return std::string(last.command());
}

Result<Rows> Connection::RunPipeline(const std::vector<Queued>& statements) {
  POP_RETURN_IF_ERROR(FinishSent());
  // Prepared before the pipeline starts: PQprepare waits for its answer, which a pipeline may not.
  // Statements without parameters (COMMIT, RELEASE SAVEPOINT) are not worth a prepared name.
  std::vector<const std::string*> names;
  names.reserve(statements.size());
  for (const Queued& statement : statements) {
    const std::string* name = nullptr;
    if (!statement.params.empty()) {
      POP_ASSIGN_OR_RETURN(name,
                           Prepared(statement.sql, static_cast<int>(statement.params.size())));
    }
    names.push_back(name);
  }
  CountRoundTrip();
  if (PQenterPipelineMode(conn_) != 1) return MakeError(nullptr, statements.front().sql);
  bool sent = true;
  for (size_t i = 0; i < statements.size() && sent; ++i) {
    const Queued& statement = statements[i];
    const ParamArrays arrays(statement.params);
    sent = names[i] != nullptr
               ? PQsendQueryPrepared(conn_, names[i]->c_str(), arrays.count(), arrays.values.data(),
                                     arrays.lengths.data(), arrays.formats.data(),
                                     /*resultFormat=*/0) == 1
               : PQsendQueryParams(conn_, statement.sql.c_str(), arrays.count(), nullptr,
                                   arrays.values.data(), arrays.lengths.data(),
                                   arrays.formats.data(), /*resultFormat=*/0) == 1;
  }
  if (!sent || PQpipelineSync(conn_) != 1) {
    // Only a broken connection refuses to send; nothing more can be read from it.
    Error error = MakeError(nullptr, statements.front().sql);
    pipeline_broken_ = true;
    return error;
  }
  return ReadPipeline(statements);
}

Result<Rows> Connection::ReadPipeline(const std::vector<Queued>& statements) {
  std::optional<Error> failure;
  std::optional<Rows> last;
  for (size_t i = 0; i < statements.size(); ++i) {
    // Each statement's result is followed by a null result that ends it.
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) {
      if (!failure) failure = MakeError(nullptr, statements[i].sql);
      pipeline_broken_ = true;
      return *failure;
    }
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      if (i + 1 == statements.size()) {
        last.emplace(result);
      } else {
        PQclear(result);
      }
    } else {
      // PGRES_PIPELINE_ABORTED: skipped after the failure already recorded.
      if (!failure) failure = MakeError(result, statements[i].sql);
      PQclear(result);
    }
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) {
    // Out of step with the server (it broke midway): the connection cannot be used again.
    if (!failure) failure = MakeError(nullptr, statements.back().sql);
    pipeline_broken_ = true;
  }
  if (failure) return *failure;
  return std::move(*last);
}

}  // namespace pop::postgres
