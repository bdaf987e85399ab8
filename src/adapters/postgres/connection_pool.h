// ConnectionPool: the connections a PostgresStore reads on, leased one per Read() so that
// concurrent readers never share one. A connection that broke (the server restarted, a network
// cut, pg_terminate_backend) is dropped when its lease ends, and the next lease of its slot
// connects again; one found broken before it was used is replaced by its holder (Reset), so the
// pool heals itself without failing a call. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <string>
#include <vector>

#include "adapters/postgres/connection.h"
#include "ports/mutex.h"

namespace pop::postgres {

class ConnectionPool {
 public:
  // `connections`: one per slot, already connected; must not be empty. `conninfo` and
  // `connect_timeout` are used to connect a slot again.
  ConnectionPool(std::string conninfo, std::chrono::seconds connect_timeout,
                 std::vector<std::unique_ptr<Connection>> connections);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // One slot, exclusively, until the lease ends. Move-only.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    // The slot's connection, connecting it first if it has none (it broke earlier). Errors:
    // kUnavailable ("the PostgreSQL server is unreachable: ...") when that fails.
    [[nodiscard]] Result<Connection*> Get();
    // Drops the slot's connection; the next Get() connects again.
    void Reset() { connection_.reset(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection);
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;  // nullptr: not connected
    bool leased_ = true;
  };

  // Blocks while every slot is leased.
  Lease Acquire();

 private:
  void Return(std::unique_ptr<Connection> connection);

  const std::string conninfo_;
  const std::chrono::seconds connect_timeout_;
  Mutex mu_;
  std::condition_variable_any available_cv_;
  // Idle slots; a nullptr slot connects on its next lease.
  std::vector<std::unique_ptr<Connection>> idle_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::postgres
