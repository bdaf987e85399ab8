#include "adapters/postgres/connection_pool.h"

#include <utility>

#include "core/base/check.h"

namespace pop::postgres {

ConnectionPool::ConnectionPool(std::string conninfo, std::chrono::seconds connect_timeout,
                               std::vector<std::unique_ptr<Connection>> connections)
    : conninfo_(std::move(conninfo)),
      connect_timeout_(connect_timeout),
      idle_(std::move(connections)) {
  MutexLock lock(mu_);
  POP_CHECK(!idle_.empty()) << "a connection pool needs at least one connection";
}

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)), leased_(other.leased_) {
  other.leased_ = false;
}

ConnectionPool::Lease::~Lease() {
  if (!leased_) return;
  // A broken connection is not given back: its slot connects again on its next lease.
  if (connection_ != nullptr && connection_->IsBroken()) connection_.reset();
  pool_->Return(std::move(connection_));
}

Result<Connection*> ConnectionPool::Lease::Get() {
  if (connection_ == nullptr) {
    POP_ASSIGN_OR_RETURN(connection_, Connection::Open(pool_->conninfo_, pool_->connect_timeout_));
  }
  return connection_.get();
}

ConnectionPool::Lease ConnectionPool::Acquire() {
  MutexLock lock(mu_);
  while (idle_.empty()) available_cv_.wait(mu_);
  std::unique_ptr<Connection> connection = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(connection));
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  {
    MutexLock lock(mu_);
    idle_.push_back(std::move(connection));
  }
  available_cv_.notify_one();
}

}  // namespace pop::postgres
