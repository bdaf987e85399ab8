#include "adapters/postgres/postgres_leadership.h"

#include <utility>

#include "adapters/postgres/connection.h"

namespace pop {
namespace {

using postgres::Param;

// One 64-bit advisory lock key per job name; "pop-job:" keeps them apart from other users of
// advisory locks in the same database (the migration lock is a constant key).
constexpr char kTryLock[] = "SELECT pg_try_advisory_lock(hashtextextended('pop-job:' || $1, 0))";
constexpr char kUnlock[] = "SELECT pg_advisory_unlock(hashtextextended('pop-job:' || $1, 0))";

}  // namespace

PostgresLeadership::PostgresLeadership(std::string conninfo, std::chrono::seconds connect_timeout)
    : conninfo_(std::move(conninfo)), connect_timeout_(connect_timeout) {}

PostgresLeadership::~PostgresLeadership() = default;

Status PostgresLeadership::ConnectLocked() {
  if (connection_ != nullptr && !connection_->IsBroken()) return Status::Ok();
  held_.clear();  // a broken connection's backend ended, and its locks with it
  connection_.reset();
  POP_ASSIGN_OR_RETURN(connection_, postgres::Connection::Open(conninfo_, connect_timeout_));
  return Status::Ok();
}

Result<bool> PostgresLeadership::TryLead(const std::string& job) {
  MutexLock lock(mu_);
  // Twice at most: a connection found broken now (PostgreSQL restarted) is replaced once.
  for (int attempt = 0;; ++attempt) {
    POP_RETURN_IF_ERROR(ConnectLocked());
    // Held already: the lock lasts as long as the connection, so a live connection suffices
    // (taking it again would only count it twice).
    Result<postgres::Rows> rows = held_.count(job) != 0
                                      ? connection_->Execute("SELECT true")
                                      : connection_->Execute(kTryLock, {Param::Text(job)});
    if (rows.ok()) {
      const bool led = rows->Bool(0, 0);
      if (led) held_.insert(job);
      return led;
    }
    if (attempt > 0 || !connection_->IsBroken()) return rows.error();
  }
}

void PostgresLeadership::Resign(const std::string& job) {
  MutexLock lock(mu_);
  if (held_.erase(job) == 0 || connection_ == nullptr || connection_->IsBroken()) return;
  // A failure leaves the lock to end with the connection (the destructor or a break).
  Result<postgres::Rows> unlocked = connection_->Execute(kUnlock, {Param::Text(job)});
  if (!unlocked.ok()) connection_.reset();
}

}  // namespace pop
