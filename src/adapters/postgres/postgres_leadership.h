// PostgresLeadership: the Leadership port on PostgreSQL. Each job is a session-level advisory
// lock (pg_try_advisory_lock on a key hashed from "pop-job:" and the job's name) held on one
// connection of its own. PostgreSQL releases a session's locks when its backend ends, so a server
// that dies (kill -9, a crash, a lost network connection once PostgreSQL notices) loses its jobs
// at once and the next server to try takes them: within one period of the job. A leader whose
// connection broke leads nothing until it takes a lock again on a new connection.
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "core/base/result.h"
#include "ports/leadership.h"
#include "ports/mutex.h"

namespace pop {

namespace postgres {
class Connection;
}  // namespace postgres

class PostgresLeadership final : public Leadership {
 public:
  // Connects lazily, at the first TryLead (and again after the connection broke). `conninfo`: a
  // libpq connection string, as PostgresStoreOptions::conninfo.
  PostgresLeadership(std::string conninfo, std::chrono::seconds connect_timeout);
  ~PostgresLeadership() override;  // closes the connection: every lock held is released
  PostgresLeadership(const PostgresLeadership&) = delete;
  PostgresLeadership& operator=(const PostgresLeadership&) = delete;

  // Errors: kUnavailable ("the PostgreSQL server is unreachable: ...").
  [[nodiscard]] Result<bool> TryLead(const std::string& job) override;
  void Resign(const std::string& job) override;

 private:
  // Connects when there is no connection or it broke (the locks of a broken one are gone).
  Status ConnectLocked() POP_REQUIRES(mu_);

  const std::string conninfo_;
  const std::chrono::seconds connect_timeout_;
  Mutex mu_;
  std::unique_ptr<postgres::Connection> connection_ POP_GUARDED_BY(mu_);
  std::set<std::string> held_ POP_GUARDED_BY(mu_);  // jobs whose lock this connection holds
};

}  // namespace pop
