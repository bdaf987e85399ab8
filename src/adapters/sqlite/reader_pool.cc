#include "adapters/sqlite/reader_pool.h"

#include <utility>

#include "core/base/check.h"

namespace pop::sqlite {

ReaderPool::ReaderPool(std::vector<std::unique_ptr<Connection>> connections)
    : idle_(std::move(connections)) {
  MutexLock lock(mu_);
  POP_CHECK(!idle_.empty()) << "a reader pool needs at least one connection";
}

ReaderPool::Lease::Lease(ReaderPool* pool, std::unique_ptr<Connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

ReaderPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}

ReaderPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Return(std::move(connection_));
}

ReaderPool::Lease ReaderPool::Acquire() {
  MutexLock lock(mu_);
  while (idle_.empty()) available_cv_.wait(mu_);
  std::unique_ptr<Connection> connection = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(connection));
}

void ReaderPool::Return(std::unique_ptr<Connection> connection) {
  {
    MutexLock lock(mu_);
    idle_.push_back(std::move(connection));
  }
  available_cv_.notify_one();
}

}  // namespace pop::sqlite
