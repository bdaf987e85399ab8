// PostgresChangeFeed: the ChangeFeed of pop servers sharing one PostgreSQL database. Their own
// changes reach this process's listeners as they are published; the changes other servers
// commit arrive through LISTEN pop_change: the triggers of migration 0002 announce every change
// of a ready entry, an insight, a customer and a RoundRobin state at commit, with the origin of
// the writer, and the feed skips its own server's (PostgresStoreOptions::origin). So a submission
// on one server wakes a long poll parked on another within milliseconds. When the listening
// connection breaks, the feed connects again and, once it listens again, tells its listeners to
// read the store again (OnResync): what happened meanwhile is caught up at once, not when some
// timer fires. Design: docs/design/scheduler.md, "Change notification". Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/base/result.h"
#include "ports/change_feed.h"
#include "ports/clock.h"
#include "ports/logger.h"
#include "ports/mutex.h"

namespace pop {

namespace postgres {
class Connection;
}  // namespace postgres

struct PostgresChangeFeedOptions {
  std::string conninfo;  // as PostgresStoreOptions::conninfo
  std::string origin;    // this server's (PostgresStoreOptions::origin): its announcements skipped
  std::chrono::seconds connect_timeout{10};
  // Between attempts to connect again: doubling from the first to the last.
  Duration first_retry = Duration::Millis(100);
  Duration last_retry = Duration::Seconds(5);
};

// Counters for tests and metrics.
struct PostgresChangeFeedStats {
  int64_t received = 0;  // announcements of other servers delivered
  int64_t resyncs = 0;   // times the listeners were told to read the store again
};

// One announcement of the channel pop_change, decoded. nullopt: this origin's own, or
// malformed (then `error` says why).
struct ChangeAnnouncement {
  bool resync = false;  // read everything again
  std::optional<Change> change;
};
[[nodiscard]] Result<std::optional<ChangeAnnouncement>> DecodeChangeAnnouncement(
    std::string_view payload, std::string_view own_origin);

class PostgresChangeFeed final : public ChangeFeed {
 public:
  // Connects and LISTENs at once, so that no change committed from now on is missed; nothing is
  // delivered before Start(). Errors: those of connecting (kUnavailable, kInvalidArgument).
  [[nodiscard]] static Result<std::unique_ptr<PostgresChangeFeed>> Open(
      PostgresChangeFeedOptions options, const Clock& clock, Logger& logger);
  ~PostgresChangeFeed() override;  // Stop()
  PostgresChangeFeed(const PostgresChangeFeed&) = delete;
  PostgresChangeFeed& operator=(const PostgresChangeFeed&) = delete;

  // Starts delivering other servers' changes (those since Open included) on the feed's thread.
  void Start();
  // Joins the thread. Idempotent.
  void Stop();

  void Publish(const Change& change) override { local_.Publish(change); }
  void PublishAll(const std::vector<Change>& changes) override { local_.PublishAll(changes); }
  void Subscribe(ChangeListener* listener) override { local_.Subscribe(listener); }
  void Unsubscribe(ChangeListener* listener) override { local_.Unsubscribe(listener); }

  PostgresChangeFeedStats Stats() const;

 private:
  PostgresChangeFeed(PostgresChangeFeedOptions options, const Clock& clock, Logger& logger,
                     std::unique_ptr<postgres::Connection> connection, int wake_fd);

  void Loop();
  // Connects and LISTENs; false (after logging) when it cannot.
  bool Listen();
  // Waits for the socket or for Stop(); false when stopping.
  bool WaitForInput();
  void Deliver(std::string_view payload);
  // Waits `delay` on the clock unless Stop() comes first; false when stopping.
  bool Pause(Duration delay);
  bool Stopping() const;

  const PostgresChangeFeedOptions options_;
  const Clock& clock_;
  Logger& logger_;
  LocalChangeFeed local_;
  std::unique_ptr<postgres::Connection> connection_;  // the thread's (Open's until Start)
  bool resync_due_ = false;                           // the thread's: listeners must re-read
  const int wake_fd_;                                 // an eventfd: Stop() wakes the poll
  mutable Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  PostgresChangeFeedStats stats_ POP_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace pop
