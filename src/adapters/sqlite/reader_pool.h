// ReaderPool: the read-only connections of a SqliteStore, leased one per Read() so that
// concurrent readers never share a connection (and, in WAL mode, never block each other or the
// writer). Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <vector>

#include "adapters/sqlite/connection.h"
#include "ports/mutex.h"

namespace pop::sqlite {

class ReaderPool {
 public:
  // `connections` must not be empty.
  explicit ReaderPool(std::vector<std::unique_ptr<Connection>> connections);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // One connection, exclusively, until the lease ends. Move-only.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& connection() const { return *connection_; }

   private:
    friend class ReaderPool;
    Lease(ReaderPool* pool, std::unique_ptr<Connection> connection);
    ReaderPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // Blocks while every connection is leased.
  Lease Acquire();

 private:
  void Return(std::unique_ptr<Connection> connection);

  Mutex mu_;
  std::condition_variable_any available_cv_;
  std::vector<std::unique_ptr<Connection>> idle_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::sqlite
