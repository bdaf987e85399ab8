#include "adapters/graphite/graphite_reporter.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "adapters/graphite/graphite_lines.h"
#include "core/metrics/catalogue.h"

namespace pop {
namespace {

// Waits until `fd` can be written, up to `timeout`. False on timeout or error.
bool WaitWritable(int fd, Duration timeout) {
  pollfd polled{fd, POLLOUT, 0};
  const int ready = ::poll(&polled, 1, static_cast<int>(timeout.millis()));
  return ready == 1 && (polled.revents & (POLLERR | POLLHUP | POLLNVAL)) == 0;
}

}  // namespace

Result<GraphiteOptions> ParseGraphiteTarget(const std::string& flag, const std::string& text) {
  const size_t colon = text.rfind(':');
  const auto invalid = [&] {
    return Error(ErrorCode::kInvalidArgument,
                 flag + ": expected host:port (e.g. 127.0.0.1:2003), got '" + text + "'");
  };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return invalid();
  const std::string port_text = text.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
    return invalid();
  }
  const int port = std::stoi(port_text);
  if (port < 1 || port > 65535) return invalid();
  GraphiteOptions options;
  options.host = text.substr(0, colon);
  options.port = port;
  return options;
}

Result<std::unique_ptr<GraphiteReporter>> GraphiteReporter::Create(GraphiteOptions options,
                                                                   MetricsSource& source,
                                                                   MetricsSink& sink,
                                                                   const Clock& clock,
                                                                   Logger& logger) {
  if (options.host.empty()) return Error(ErrorCode::kInvalidArgument, "graphite: host is empty");
  if (options.port < 1 || options.port > 65535) {
    return Error(ErrorCode::kInvalidArgument,
                 "graphite: port must be in 1..65535, got " + std::to_string(options.port));
  }
  if (options.interval < Duration::Seconds(1)) {
    return Error(ErrorCode::kInvalidArgument, "graphite-interval-seconds: must be at least 1");
  }
  if (!options.prefix.empty() && options.prefix.find_first_not_of(". \t") == std::string::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "graphite-prefix: '" + options.prefix + "' has no usable character");
  }
  return std::unique_ptr<GraphiteReporter>(
      new GraphiteReporter(std::move(options), source, sink, clock, logger));
}

GraphiteReporter::GraphiteReporter(GraphiteOptions options, MetricsSource& source,
                                   MetricsSink& sink, const Clock& clock, Logger& logger)
    : options_(std::move(options)),
      source_(source),
      sink_(sink),
      clock_(clock),
      logger_(logger),
      backoff_(options_.initial_backoff) {}

GraphiteReporter::~GraphiteReporter() {
  Stop();
  CloseSocket();
}

void GraphiteReporter::Start() {
  {
    MutexLock lock(mu_);
    stopping_ = false;
  }
  // The first deadline is taken here, not on the thread: time that passes before the thread runs
  // still counts toward the first push.
  const Timestamp first = clock_.Now() + options_.interval;
  if (!thread_.joinable()) thread_ = std::thread([this, first] { Loop(first); });
}

void GraphiteReporter::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GraphiteReporter::Loop(Timestamp next) {
  while (true) {
    {
      MutexLock lock(mu_);
      while (!stopping_ && clock_.Now() < next) mu_.WaitUntil(clock_, cv_, next);
    }
    // Whether stopping or due, push: the last push reports a process's final counts.
    Status pushed = PushOnce();
    (void)pushed;  // counted in pop_graphite_dropped_lines_total and logged by PushOnce
    MutexLock lock(mu_);
    if (stopping_) return;
    // The next slot; when more than a slot behind (a slow push, a jump of the clock), one push
    // now instead of one per missed slot.
    const Timestamp now = clock_.Now();
    next = next + options_.interval;
    if (next + options_.interval <= now) next = now;
  }
}

Status GraphiteReporter::PushOnce() {
  const Timestamp now = clock_.Now();
  const std::vector<std::string> lines =
      GraphiteLines(source_.Collect(), options_.prefix, now.millis() / 1000);
  std::string data;
  for (const std::string& line : lines) data += line;
  Status sent = fd_ >= 0 ? SendAll(data) : Status(Error(ErrorCode::kUnavailable, "not connected"));
  if (!sent.ok() && fd_ < 0) {
    // One reconnect per push at most, and only once the backoff has passed.
    sent = Connect(now);
    if (sent.ok()) sent = SendAll(data);
  }
  if (!sent.ok()) {
    sink_.Add(metrics::kGraphiteDropped, {}, static_cast<double>(lines.size()));
    if (!logged_down_) {  // once per outage, not once per push
      logger_.Log(LogLevel::kWarning, "graphite: dropped " + std::to_string(lines.size()) +
                                          " lines for " + options_.host + ":" +
                                          std::to_string(options_.port) + ": " +
                                          sent.error().message);
      logged_down_ = true;
    }
    return sent;
  }
  if (logged_down_) {
    logger_.Log(LogLevel::kInfo, "graphite: delivering to " + options_.host + ":" +
                                     std::to_string(options_.port) + " again");
  }
  logged_down_ = false;
  backoff_ = options_.initial_backoff;
  sink_.Add(metrics::kGraphiteSent, {}, static_cast<double>(lines.size()));
  return Status::Ok();
}

Status GraphiteReporter::Connect(Timestamp now) {
  if (now < reconnect_at_) {
    return Error(ErrorCode::kUnavailable, "carbon unreachable; next connect attempt in " +
                                              std::to_string((reconnect_at_ - now).millis()) +
                                              " ms");
  }
  const auto fail = [&](const std::string& why) -> Status {
    CloseSocket();
    reconnect_at_ = now + backoff_;
    backoff_ = std::min(options_.max_backoff, backoff_ + backoff_);
    return Error(ErrorCode::kUnavailable, why);
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (const int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return fail("cannot resolve " + options_.host + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    fd_ = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   address->ai_protocol);
    if (fd_ < 0) continue;
    int rc = ::connect(fd_, address->ai_addr, address->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS && WaitWritable(fd_, options_.io_timeout)) {
      int error = 0;
      socklen_t length = sizeof error;
      rc = ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0 ? 0 : -1;
      if (rc != 0) errno = error;
    }
    if (rc == 0) {
      ::freeaddrinfo(found);
      return Status::Ok();
    }
    last_error = std::strerror(errno);
    CloseSocket();
  }
  ::freeaddrinfo(found);
  return fail("cannot connect to " + options_.host + ":" + port + ": " + last_error);
}

Status GraphiteReporter::SendAll(const std::string& data) {
  size_t offset = 0;
  while (offset < data.size()) {
    const ssize_t wrote = ::send(fd_, data.data() + offset, data.size() - offset, MSG_NOSIGNAL);
    if (wrote > 0) {
      offset += static_cast<size_t>(wrote);
      continue;
    }
    if (wrote < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        WaitWritable(fd_, options_.io_timeout)) {
      continue;
    }
    const std::string why = wrote < 0 ? std::strerror(errno) : "connection closed";
    CloseSocket();
    return Error(ErrorCode::kUnavailable, "send to carbon failed: " + why);
  }
  return Status::Ok();
}

void GraphiteReporter::CloseSocket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace pop
