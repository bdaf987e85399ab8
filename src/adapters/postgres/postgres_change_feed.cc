#include "adapters/postgres/postgres_change_feed.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <utility>

#include "adapters/postgres/connection.h"
#include "adapters/sql/object_table.h"
#include "core/codec/json_text.h"

namespace pop {
namespace {

using postgres::Connection;

constexpr char kListen[] = "LISTEN pop_change";

// The row of a ready entry in an announcement (migration 0002, pop_ready_agenda_changed):
// [id, insight_id, agenda_id, customer_id, added, priority, claimed_by, lease_until,
// not_before, confirmed].
Result<ReadyAgenda> DecodeReadyRow(const Json& body) {
  if (!body.is_array() || body.AsArray().size() != 10) {
    return Error(ErrorCode::kInvalidArgument, "a ready entry announced without its 10 fields");
  }
  const JsonArray& f = body.AsArray();
  for (size_t i : {0, 1, 2, 3}) {
    if (!f[i].is_string()) return Error(ErrorCode::kInvalidArgument, "a ready entry's id");
  }
  if (!f[4].is_integer() || !f[5].is_integer() || !f[9].is_bool()) {
    return Error(ErrorCode::kInvalidArgument, "a ready entry's added, priority or confirmed");
  }
  ReadyAgenda row;
  row.id = f[0].AsString();
  row.insight_id = f[1].AsString();
  row.agenda_id = f[2].AsString();
  row.customer_id = f[3].AsString();
  row.added = Timestamp::FromMillis(f[4].AsInt());
  row.priority = f[5].AsInt();
  if (f[6].is_string()) row.claimed_by = f[6].AsString();
  if (f[7].is_integer()) row.lease_until = Timestamp::FromMillis(f[7].AsInt());
  if (f[8].is_integer()) row.not_before = Timestamp::FromMillis(f[8].AsInt());
  row.confirmed = f[9].AsBool();
  return row;
}

Result<Change> DecodeObject(const Json& body) {
  if (!body.is_array() || body.AsArray().size() != 2 || !body.AsArray()[0].is_string() ||
      !body.AsArray()[1].is_string()) {
    return Error(ErrorCode::kInvalidArgument, "an object announced without its table and id");
  }
  const std::string& table = body.AsArray()[0].AsString();
  for (ObjectKind kind : kAllObjectKinds) {
    if (sql::TableFor(kind).name == table) {
      return Change::ObjectTouched(kind, body.AsArray()[1].AsString());
    }
  }
  return Error(ErrorCode::kInvalidArgument, "an object of table '" + table + "' announced");
}

}  // namespace

Result<std::optional<ChangeAnnouncement>> DecodeChangeAnnouncement(std::string_view payload,
                                                                   std::string_view own_origin) {
  POP_ASSIGN_OR_RETURN(Json parsed, ParseJson(payload));
  if (!parsed.is_array() || parsed.AsArray().size() != 3 || !parsed.AsArray()[0].is_string() ||
      !parsed.AsArray()[1].is_string()) {
    return Error(ErrorCode::kInvalidArgument, "not an [origin, kind, body] announcement");
  }
  const JsonArray& parts = parsed.AsArray();
  if (!own_origin.empty() && parts[0].AsString() == own_origin) {
    return std::optional<ChangeAnnouncement>();
  }
  const std::string& kind = parts[1].AsString();
  const Json& body = parts[2];
  ChangeAnnouncement announcement;
  if (kind == "resync") {
    announcement.resync = true;
  } else if (kind == "ready_added" || kind == "ready_changed" || kind == "ready_removed") {
    POP_ASSIGN_OR_RETURN(ReadyAgenda row, DecodeReadyRow(body));
    announcement.change = kind == "ready_added"     ? Change::ReadyAdded(std::move(row))
                          : kind == "ready_changed" ? Change::ReadyChanged(std::move(row))
                                                    : Change::ReadyRemoved(std::move(row));
  } else if (kind == "object") {
    POP_ASSIGN_OR_RETURN(announcement.change, DecodeObject(body));
  } else if (kind == "schedule") {
    if (!body.is_array() || body.AsArray().size() != 1 || !body.AsArray()[0].is_string()) {
      return Error(ErrorCode::kInvalidArgument, "a schedule announced without its insight");
    }
    announcement.change = Change::ScheduleState(body.AsArray()[0].AsString());
  } else if (kind == "pause") {
    // [target, id, since or null] (migration 0003, pop_paused_changed).
    const bool well_formed = body.is_array() && body.AsArray().size() == 3 &&
                             body.AsArray()[0].is_string() && body.AsArray()[1].is_string() &&
                             (body.AsArray()[2].is_integer() || body.AsArray()[2].is_null());
    if (!well_formed) {
      return Error(ErrorCode::kInvalidArgument, "a pause announced without target, id and time");
    }
    const std::string& target = body.AsArray()[0].AsString();
    if (target != "agenda" && target != "insight") {
      return Error(ErrorCode::kInvalidArgument, "a pause of unknown target '" + target + "'");
    }
    announcement.change = Change::PauseChanged(
        target == "agenda" ? PauseTarget::kAgenda : PauseTarget::kInsight,
        body.AsArray()[1].AsString(),
        body.AsArray()[2].is_integer()
            ? std::optional<Timestamp>(Timestamp::FromMillis(body.AsArray()[2].AsInt()))
            : std::nullopt);
  } else {
    return Error(ErrorCode::kInvalidArgument, "an announcement of unknown kind '" + kind + "'");
  }
  return std::optional<ChangeAnnouncement>(std::move(announcement));
}

Result<std::unique_ptr<PostgresChangeFeed>> PostgresChangeFeed::Open(
    PostgresChangeFeedOptions options, const Clock& clock, Logger& logger) {
  POP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                       Connection::Open(options.conninfo, options.connect_timeout));
  POP_RETURN_IF_ERROR(connection->Run(kListen));
  const int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return Error(ErrorCode::kInternal, "cannot create an eventfd for the feed");
  return std::unique_ptr<PostgresChangeFeed>(
      new PostgresChangeFeed(std::move(options), clock, logger, std::move(connection), wake_fd));
}

PostgresChangeFeed::PostgresChangeFeed(PostgresChangeFeedOptions options, const Clock& clock,
                                       Logger& logger,
                                       std::unique_ptr<postgres::Connection> connection,
                                       int wake_fd)
    : options_(std::move(options)),
      clock_(clock),
      logger_(logger),
      connection_(std::move(connection)),
      wake_fd_(wake_fd) {}

PostgresChangeFeed::~PostgresChangeFeed() {
  Stop();
  ::close(wake_fd_);
}

void PostgresChangeFeed::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void PostgresChangeFeed::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  const uint64_t one = 1;
  ssize_t written = ::write(wake_fd_, &one, sizeof one);
  static_cast<void>(written);  // a full counter wakes the poll just as well
  if (thread_.joinable()) thread_.join();
}

PostgresChangeFeedStats PostgresChangeFeed::Stats() const {
  MutexLock lock(mu_);
  return stats_;
}

bool PostgresChangeFeed::Stopping() const {
  MutexLock lock(mu_);
  return stopping_;
}

bool PostgresChangeFeed::Pause(Duration delay) {
  const Timestamp until = clock_.Now() + delay;
  MutexLock lock(mu_);
  while (!stopping_ && clock_.Now() < until) mu_.WaitUntil(clock_, cv_, until);
  return !stopping_;
}

bool PostgresChangeFeed::Listen() {
  Result<std::unique_ptr<Connection>> connected =
      Connection::Open(options_.conninfo, options_.connect_timeout);
  Status listening = connected.ok() ? (*connected)->Run(kListen) : Status(connected.error());
  if (!listening.ok()) {
    logger_.Log(LogLevel::kWarning,
                "change feed: cannot listen to PostgreSQL (retrying): " + listening.message());
    return false;
  }
  connection_ = std::move(connected).value();
  return true;
}

bool PostgresChangeFeed::WaitForInput() {
  pollfd fds[2] = {{connection_->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) >= 0) break;
    if (errno != EINTR) return !Stopping();
  }
  return (fds[1].revents & POLLIN) == 0 && !Stopping();
}

void PostgresChangeFeed::Deliver(std::string_view payload) {
  Result<std::optional<ChangeAnnouncement>> decoded =
      DecodeChangeAnnouncement(payload, options_.origin);
  if (!decoded.ok()) {
    // Something this version does not understand changed: read everything rather than miss it.
    logger_.Log(LogLevel::kWarning, "change feed: " + decoded.error().message + "; re-reading");
    decoded = std::optional<ChangeAnnouncement>(ChangeAnnouncement{true, std::nullopt});
  }
  if (!decoded->has_value()) return;  // this server's own change
  {
    MutexLock lock(mu_);
    ++stats_.received;
    if ((*decoded)->resync) ++stats_.resyncs;
  }
  if ((*decoded)->resync) {
    resync_due_ = true;  // Loop reads the store again, and again until that succeeds
  } else {
    local_.Publish(*(*decoded)->change);
  }
}

void PostgresChangeFeed::Loop() {
  Duration retry = options_.first_retry;
  bool lost = false;
  while (!Stopping()) {
    if (connection_ == nullptr) {
      if (!Listen()) {
        if (!Pause(retry)) return;
        retry = std::min(options_.last_retry, retry + retry);
        continue;
      }
      retry = options_.first_retry;
      if (lost) {
        // Listening again: everything committed from now on arrives; what was committed while
        // the connection was down is read now.
        logger_.Log(LogLevel::kInfo, "change feed: listening again; re-reading the store");
        {
          MutexLock lock(mu_);
          ++stats_.resyncs;
        }
        resync_due_ = true;
        lost = false;
      }
    }
    if (resync_due_) {
      // A re-read that failed (the store is still unreachable) is tried again after a pause,
      // while the changes announced meanwhile wait on the connection.
      Status read = local_.Resync();
      if (!read.ok()) {
        logger_.Log(LogLevel::kWarning, "change feed: the store could not be re-read (" +
                                            read.message() + "); trying again");
        if (!Pause(retry)) return;
        retry = std::min(options_.last_retry, retry + retry);
        continue;
      }
      resync_due_ = false;
      retry = options_.first_retry;
    }
    // libpq may have read notifications already (with a command's reply): take those first.
    Result<std::vector<postgres::Notification>> received = connection_->TakeNotifications();
    if (!received.ok()) {
      logger_.Log(LogLevel::kWarning, "change feed: lost its PostgreSQL connection (" +
                                          received.error().message + "); connecting again");
      connection_.reset();
      lost = true;
      continue;
    }
    for (const postgres::Notification& notification : *received) Deliver(notification.payload);
    if (!received->empty()) continue;
    if (!WaitForInput()) return;
  }
}

}  // namespace pop
