// ProgressReporter: the pacing of a handler's reports to its pod (spec §16 item 4). The handler
// reports as often as it likes; a reporter thread sends only the latest report, at most one per
// `interval` (5 s), the first one at once. A COMPLETE report is sent at once, and every report
// offered after it is ignored. Close() (RunHandler calls it before `HandlerComplete`) stops the
// thread and makes up to `final_attempts` (5) more attempts, `retry_delay` (1 s) apart, to
// deliver the latest report if it has not been delivered. The pod channel (pod_report.h) sends
// through it; the local channel does not (the launcher coalesces to its own progress check).
// Time comes from the `now` and `wait_until` it is given, so tests drive it with a fake clock.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/base/time.h"
#include "pop_sdk/handler_environment.h"

namespace pop::sdk {

struct ProgressReporterOptions {
  Duration interval = Duration::Seconds(5);     // at most one report sent per interval
  int final_attempts = 5;                       // Close(): more attempts for an undelivered report
  Duration retry_delay = Duration::Seconds(1);  // between an attempt that failed and the next
};

class ProgressReporter {
 public:
  // Delivers one report: the OperationProgress JSON and, with the COMPLETE one, the result JSON.
  // Returns the error text, or nullopt when it was delivered. Called on the reporter's thread
  // (and by Close() on the caller's), never twice at once.
  using SendFunction = std::function<std::optional<std::string>(
      const std::string& progress_json, const std::optional<std::string>& result_json)>;

  // Starts the reporter thread. `now` and `wait_until` are one clock (HandlerEnvironment's).
  static std::unique_ptr<ProgressReporter> Start(SendFunction send, std::function<Timestamp()> now,
                                                 WaitUntilFunction wait_until,
                                                 ProgressReporterOptions options = {});
  ~ProgressReporter();  // Close()
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // Makes this report the latest one (replacing one not yet sent). Returns false, and ignores it,
  // when a COMPLETE report was offered before or the reporter is closed.
  bool Offer(std::string progress_json, std::optional<std::string> result_json, bool complete);

  // Stops the thread (after the send in progress, if any), then delivers the latest report if it
  // has not been: up to final_attempts attempts, the first at once unless the last one failed,
  // each failed one followed by retry_delay. Returns the last attempt's error when the report
  // stays undelivered, else nullopt. Idempotent: later calls return the same.
  std::optional<std::string> Close();

  // The first error any attempt met, delivered later or not (for the handler's log).
  std::optional<std::string> first_error() const;

 private:
  struct Report {
    std::string progress_json;
    std::optional<std::string> result_json;
    bool complete = false;
  };

  ProgressReporter(SendFunction send, std::function<Timestamp()> now, WaitUntilFunction wait_until,
                   ProgressReporterOptions options);
  void Loop();
  // Sends `report` with `lock` released; true when delivered. Records the attempt's time and
  // error. `lock` is held on entry and on return.
  bool SendUnlocked(const Report& report, std::unique_lock<std::mutex>& lock);
  // Waits (with `lock` held) until the clock reaches `deadline`, or `stop` returns true.
  void WaitUntil(std::unique_lock<std::mutex>& lock, Timestamp deadline,
                 const std::function<bool()>& stop);

  const SendFunction send_;
  const std::function<Timestamp()> now_;
  const WaitUntilFunction wait_until_;
  const ProgressReporterOptions options_;
  std::thread thread_;

  std::mutex close_mu_;  // one Close() at a time (the thread is joined once)

  mutable std::mutex mu_;  // guards the members below
  std::condition_variable wake_;
  std::optional<Report> pending_;           // the latest report, not yet delivered
  bool complete_offered_ = false;           // later offers are ignored
  bool complete_attempted_ = false;         // the thread sent it once; Close() retries it
  bool closing_ = false;                    // the thread stops; offers are ignored
  bool closed_ = false;                     // Close() has finished
  std::optional<Timestamp> last_attempt_;   // when the last send began
  std::optional<std::string> last_error_;   // the last send's error (nullopt: delivered)
  std::optional<std::string> first_error_;  // the first send's error
  std::optional<std::string> close_error_;  // what Close() returns
};

}  // namespace pop::sdk
