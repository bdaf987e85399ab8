#include "adapters/local_process/process_reactor.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <system_error>

#include "adapters/local_process/handler_outcome.h"

namespace pop::local_process {
namespace {

// What an epoll registration is: the low two bits of its data; the child id is the rest.
enum Source : uint64_t { kWake = 0, kPidfd = 1, kOutput = 2, kReport = 3 };
constexpr size_t kReadChunk = size_t{64} << 10;
// Reads of an ended child's pipes; more than a pipe holds, so everything the handler wrote
// before it ended is read.
constexpr int kMaxDrainReads = 64;
constexpr int kMaxEvents = 64;
// The reactor thread wakes by itself at least this often, so that Follow() needs to wake it only
// for a child whose timeout ends sooner (its events wake it otherwise).
constexpr int kMaxSleepMillis = 10'000;
// Longer durations are taken as this (so that adding one to a time point cannot overflow).
constexpr auto kForever = std::chrono::hours(24 * 365 * 100);

Error SystemError(const std::string& what, int error) {
  const char* description = strerrordesc_np(error);
  return Error(ErrorCode::kUnavailable, "process launcher: " + what + ": " +
                                            (description != nullptr ? description : "error"));
}

std::chrono::milliseconds Bounded(std::chrono::milliseconds duration) {
  return std::clamp<std::chrono::milliseconds>(duration, std::chrono::milliseconds::zero(),
                                               kForever);
}

void SignalGroup(pid_t pid, int signal) {
  // The group id is the child's pid (it called setpgid(0, 0) before exec). The child is not yet
  // reaped whenever this runs, so neither number can have been reused.
  if (kill(-pid, signal) != 0) {
    kill(pid, signal);
  }
}

void KillAndReap(pid_t pid) {
  SignalGroup(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ProcessReactor::Child::Child(Adoption adoption, size_t max_report_line_bytes)
    : id(adoption.id),
      pid(adoption.child.pid),
      pidfd(std::move(adoption.child.pidfd)),
      output(std::move(adoption.child.output)),
      report(std::move(adoption.child.report)),
      run(std::move(adoption.run)),
      limits(adoption.limits),
      reader(run->operation_name, max_report_line_bytes),
      term_at(adoption.deadline) {}

Result<std::unique_ptr<ProcessReactor>> ProcessReactor::Start(const Settings& settings) {
  UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) {
    return SystemError("epoll_create1", errno);
  }
  UniqueFd wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    return SystemError("eventfd", errno);
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWake;
  if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &event) != 0) {
    return SystemError("epoll_ctl", errno);
  }
  std::unique_ptr<ProcessReactor> reactor(
      new ProcessReactor(settings, std::move(epoll), std::move(wake)));
  try {
    reactor->thread_ = std::thread([raw = reactor.get()] { raw->Loop(); });
  } catch (const std::system_error& error) {
    MutexLock lock(reactor->mu_);
    reactor->done_ = true;  // nothing to join
    return Error(ErrorCode::kUnavailable,
                 std::string("process launcher: cannot start its thread: ") + error.what());
  }
  return reactor;
}

ProcessReactor::ProcessReactor(const Settings& settings, UniqueFd epoll, UniqueFd wake)
    : settings_(settings),
      epoll_(std::move(epoll)),
      wake_(std::move(wake)),
      buffer_(new char[kReadChunk]) {}

ProcessReactor::~ProcessReactor() { Shutdown(); }

void ProcessReactor::Shutdown() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  Wake();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) {
    thread_.join();
  }
}

Result<uint64_t> ProcessReactor::Follow(SpawnedChild child, ChildLimits limits,
                                        std::shared_ptr<HandlerRun> run) {
  const pid_t pid = child.pid;
  const int fds[] = {child.output.get(), child.report.get(), child.pidfd.get()};
  Adoption adoption{0, std::move(child), std::move(run), limits,
                    SteadyClock::now() + Bounded(limits.timeout)};
  // Handed over before its descriptors are registered, so that the reactor thread knows the
  // child before any of its events. The descriptors stay open meanwhile: the reactor closes a
  // pipe only at its end of file and the rest only once the pidfd (registered last) fired.
  const uint64_t id = Enqueue(adoption);
  if (id == 0) {
    KillAndReap(pid);
    if (settings_.records != nullptr) settings_.records->Remove(pid);
    return Error(ErrorCode::kUnavailable, "the process launcher is shut down");
  }
  constexpr Source kSources[] = {kOutput, kReport, kPidfd};
  for (size_t index = 0; index < 3; ++index) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = (id << 2) | kSources[index];
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fds[index], &event) != 0) {
      // Out of memory or over max_user_watches. Unfollowed, the child's end would go unseen:
      // the reactor thread kills and reaps it.
      Error error = SystemError("epoll_ctl", errno);
      {
        MutexLock lock(mu_);
        cancels_.push_back(CancelRequest{id, std::chrono::milliseconds::zero(), /*lost=*/true});
      }
      Wake();
      return error;
    }
  }
  return id;
}

uint64_t ProcessReactor::Enqueue(Adoption& adoption) {
  bool wake = false;
  uint64_t id = 0;
  {
    MutexLock lock(mu_);
    if (done_) {
      return 0;
    }
    id = next_child_id_++;
    adoption.id = id;
    wake = stopping_ || adoption.deadline < sleeps_until_;
    adoptions_.push_back(std::move(adoption));
  }
  if (wake) {
    Wake();
  }
  return id;
}

void ProcessReactor::Cancel(uint64_t child_id, std::chrono::milliseconds grace) {
  {
    MutexLock lock(mu_);
    if (done_) {
      return;
    }
    cancels_.push_back(CancelRequest{child_id, grace});
  }
  Wake();
}

void ProcessReactor::Wake() {
  uint64_t one = 1;
  // EAGAIN (the counter is saturated) still leaves the eventfd readable: nothing is lost.
  [[maybe_unused]] ssize_t written = write(wake_.get(), &one, sizeof one);
}

Timestamp ProcessReactor::WallNow() const {
  if (settings_.clock != nullptr) {
    return settings_.clock->Now();
  }
  return Timestamp::FromMillis(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

void ProcessReactor::Loop() {
  // Process-directed signals go to the executor's other threads.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  epoll_event events[kMaxEvents];
  while (true) {
    int timeout = NextTimeoutMillis();
    {
      MutexLock lock(mu_);
      if (!adoptions_.empty() || !cancels_.empty() || (stopping_ && !shutdown_applied_)) {
        timeout = 0;
      } else {
        sleeps_until_ = SteadyClock::now() + std::chrono::milliseconds(timeout);
      }
    }
    int count = epoll_wait(epoll_.get(), events, kMaxEvents, timeout);
    TakeWork();
    // epoll_wait fails only with EINTR here (the descriptors and the buffer are valid); the
    // events are looked at again on the next round either way.
    for (int index = 0; index < count; ++index) {
      HandleEvent(events[index].data.u64);
    }
    FireTimers();
    if (MayExit()) {
      return;
    }
  }
}

void ProcessReactor::TakeWork() {
  std::vector<Adoption> adoptions;
  std::vector<CancelRequest> cancels;
  bool stopping = false;
  {
    MutexLock lock(mu_);
    sleeps_until_ = TimePoint::min();
    adoptions.swap(adoptions_);
    cancels.swap(cancels_);
    stopping = stopping_;
  }
  // Adoptions first: a Cancel(id) is queued only after its child's adoption.
  for (Adoption& adoption : adoptions) {
    Adopt(std::move(adoption));
  }
  for (const CancelRequest& cancel : cancels) {
    auto found = children_.find(cancel.child_id);
    if (found == children_.end()) {
      continue;
    }
    Child& child = *found->second;
    if (!cancel.lost) {
      Terminate(child, cancel.grace);
      continue;
    }
    for (UniqueFd* fd : {&child.output, &child.report, &child.pidfd}) {
      epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd->get(), nullptr);  // those that were added
    }
    KillAndReap(child.pid);
    if (settings_.records != nullptr) settings_.records->Remove(child.pid);
    if (child.timer_key.has_value()) {
      timers_.erase({*child.timer_key, child.id});
    }
    child.run->End(LaunchOutcome{});  // nobody waits: Launch() returned the error
    children_.erase(found);
  }
  if (stopping && !shutdown_applied_) {
    shutdown_applied_ = true;
    for (auto& [id, child] : children_) {
      {
        MutexLock lock(child->run->mu);
        child->run->cancel_requested = true;
      }
      Terminate(*child, settings_.shutdown_grace);
    }
  }
}

void ProcessReactor::Adopt(Adoption adoption) {
  uint64_t id = adoption.id;
  auto child = std::make_unique<Child>(std::move(adoption), settings_.max_report_line_bytes);
  Reschedule(*child);
  if (shutdown_applied_) {  // started while the launcher was being shut down
    {
      MutexLock lock(child->run->mu);
      child->run->cancel_requested = true;
    }
    Terminate(*child, settings_.shutdown_grace);
  }
  children_.emplace(id, std::move(child));
}

bool ProcessReactor::MayExit() {
  if (!shutdown_applied_ || !children_.empty()) {
    return false;
  }
  MutexLock lock(mu_);
  if (!adoptions_.empty() || !cancels_.empty()) {
    return false;
  }
  done_ = true;
  return true;
}

void ProcessReactor::HandleEvent(uint64_t data) {
  if (data == kWake) {
    uint64_t counter = 0;
    [[maybe_unused]] ssize_t got = read(wake_.get(), &counter, sizeof counter);
    return;  // TakeWork() has run this round
  }
  auto found = children_.find(data >> 2);
  if (found == children_.end()) {
    return;  // finished earlier in this batch, or adopted next round
  }
  Child& child = *found->second;
  switch (static_cast<Source>(data & 3)) {
    case kPidfd:
      Finish(child);  // erases it
      return;
    case kOutput:
      if (child.output.valid()) {  // else: closed earlier in this batch
        ReadOutput(child);
      }
      return;
    case kReport:
      if (child.report.valid()) {
        ReadReport(child);
      }
      return;
    case kWake:
      return;
  }
}

bool ProcessReactor::ReadOutput(Child& child) {
  ssize_t got = read(child.output.get(), buffer_.get(), kReadChunk);
  if (got > 0) {
    MutexLock lock(child.run->mu);
    child.run->log.Append(std::string_view(buffer_.get(), static_cast<size_t>(got)));
    return true;
  }
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
    return false;
  }
  // End of file (the handler and its children closed stdout and stderr) or a read error.
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, child.output.get(), nullptr);
  child.output.Reset();
  return false;
}

bool ProcessReactor::ReadReport(Child& child) {
  ssize_t got = read(child.report.get(), buffer_.get(), kReadChunk);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
    return false;
  }
  if (got <= 0) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, child.report.get(), nullptr);
    child.report.Reset();
    return false;
  }
  bool was_complete = child.reader.complete();
  std::vector<std::string> notes;
  bool changed =
      child.reader.Feed(std::string_view(buffer_.get(), static_cast<size_t>(got)), notes);
  if (changed || !notes.empty()) {
    Publish(*child.run, notes, changed ? &child.reader.latest() : nullptr);
  }
  if (!was_complete && child.reader.complete()) {
    // The handler is done; it may linger only for complete_grace (spec §15.4 tolerates a hang
    // after COMPLETE).
    TimePoint deadline = SteadyClock::now() + Bounded(settings_.complete_grace);
    if (!child.terminated && (!child.term_at.has_value() || deadline < *child.term_at)) {
      child.term_at = deadline;
      Reschedule(child);
    }
  }
  return true;
}

void ProcessReactor::Publish(HandlerRun& run, const std::vector<std::string>& notes,
                             const std::optional<OperationProgress>* latest) {
  MutexLock lock(run.mu);
  for (const std::string& note : notes) {
    run.log.Append(note + "\n");
  }
  if (latest != nullptr) {
    run.latest = *latest;
  }
}

void ProcessReactor::Finish(Child& child) {
  // Whatever the handler left running in its group ends with it (as a pod's containers do).
  SignalGroup(child.pid, SIGKILL);
  for (int reads = 0; child.output.valid() && reads < kMaxDrainReads && ReadOutput(child);) {
    ++reads;
  }
  for (int reads = 0; child.report.valid() && reads < kMaxDrainReads && ReadReport(child);) {
    ++reads;
  }
  std::vector<std::string> notes;
  bool changed = child.reader.Finish(notes);
  if (changed || !notes.empty()) {
    Publish(*child.run, notes, changed ? &child.reader.latest() : nullptr);
  }

  HandlerEnd end;
  int status = 0;
  pid_t reaped = -1;
  do {
    reaped = waitpid(child.pid, &status, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (settings_.records != nullptr) settings_.records->Remove(child.pid);
  if (reaped == child.pid && WIFSIGNALED(status)) {
    end.how = HandlerEnd::How::kKilledBySignal;
    end.signal = WTERMSIG(status);
  } else if (reaped == child.pid && WIFEXITED(status)) {
    end.exit_status = WEXITSTATUS(status);
    end.exit_zero_is_success = child.limits.exit_zero_is_success;
  }
  // Otherwise someone else in the process reaped it (waitpid(-1)): its status is unknown, and
  // the outcome rests on its reports alone.
  end.timed_out = child.timed_out;
  end.timeout = child.limits.timeout;

  for (UniqueFd* fd : {&child.pidfd, &child.output, &child.report}) {
    if (fd->valid()) {
      epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd->get(), nullptr);
      fd->Reset();
    }
  }
  if (child.timer_key.has_value()) {
    timers_.erase({*child.timer_key, child.id});
  }
  Timestamp now = WallNow();
  HandlerRun& run = *child.run;
  std::vector<std::string> last_lines;
  {
    MutexLock lock(run.mu);
    end.cancelled = run.cancel_requested;
    last_lines = run.log.LastLines();
  }
  run.End(BuildOutcome(run.operation_name, end, child.reader.latest(), child.reader.complete(),
                       child.reader.result(), last_lines, now));
  children_.erase(child.id);  // destroys `child`
}

void ProcessReactor::Terminate(Child& child, std::chrono::milliseconds grace) {
  TimePoint now = SteadyClock::now();
  if (!child.terminated) {
    SignalGroup(child.pid, SIGTERM);
    child.terminated = true;
    child.term_at.reset();
  }
  TimePoint kill_at = now + Bounded(grace);
  if (!child.kill_at.has_value() || kill_at < *child.kill_at) {
    child.kill_at = kill_at;
  }
  Reschedule(child);
}

void ProcessReactor::Reschedule(Child& child) {
  if (child.timer_key.has_value()) {
    timers_.erase({*child.timer_key, child.id});
    child.timer_key.reset();
  }
  std::optional<TimePoint> next = child.term_at;
  if (child.kill_at.has_value() && (!next.has_value() || *child.kill_at < *next)) {
    next = child.kill_at;
  }
  if (next.has_value()) {
    timers_.emplace(*next, child.id);
    child.timer_key = next;
  }
}

void ProcessReactor::FireTimers() {
  TimePoint now = SteadyClock::now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    uint64_t id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto found = children_.find(id);
    if (found == children_.end()) {
      continue;  // not reached: Finish() removes a child's timer
    }
    Child& child = *found->second;
    child.timer_key.reset();
    if (child.kill_at.has_value() && *child.kill_at <= now) {
      SignalGroup(child.pid, SIGKILL);
      child.kill_at.reset();
    }
    if (child.term_at.has_value() && *child.term_at <= now) {
      // Due after COMPLETE: the grace ran out. Otherwise: the timeout.
      child.timed_out = !child.reader.complete();
      Terminate(child, child.limits.cancel_grace);
    }
    Reschedule(child);
  }
}

int ProcessReactor::NextTimeoutMillis() const {
  if (timers_.empty()) {
    return kMaxSleepMillis;
  }
  auto wait = timers_.begin()->first - SteadyClock::now();
  if (wait <= SteadyClock::duration::zero()) {
    return 0;
  }
  // Rounded up, so the loop does not wake just before the deadline and spin.
  auto millis = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  return static_cast<int>(std::min<int64_t>(millis, kMaxSleepMillis));
}

}  // namespace pop::local_process
