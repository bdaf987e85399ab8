#include "pop_sdk/progress_reporter.h"

#include <utility>

namespace pop::sdk {

std::unique_ptr<ProgressReporter> ProgressReporter::Start(SendFunction send,
                                                          std::function<Timestamp()> now,
                                                          WaitUntilFunction wait_until,
                                                          ProgressReporterOptions options) {
  std::unique_ptr<ProgressReporter> reporter(
      new ProgressReporter(std::move(send), std::move(now), std::move(wait_until), options));
  reporter->thread_ = std::thread(&ProgressReporter::Loop, reporter.get());
  return reporter;
}

ProgressReporter::ProgressReporter(SendFunction send, std::function<Timestamp()> now,
                                   WaitUntilFunction wait_until, ProgressReporterOptions options)
    : send_(std::move(send)),
      now_(std::move(now)),
      wait_until_(std::move(wait_until)),
      options_(options) {}

ProgressReporter::~ProgressReporter() { Close(); }

bool ProgressReporter::Offer(std::string progress_json, std::optional<std::string> result_json,
                             bool complete) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (complete_offered_ || closing_) return false;
    complete_offered_ = complete;
    pending_ = Report{std::move(progress_json), std::move(result_json), complete};
  }
  wake_.notify_all();
  return true;
}

void ProgressReporter::WaitUntil(std::unique_lock<std::mutex>& lock, Timestamp deadline,
                                 const std::function<bool()>& stop) {
  // The clock's waits may wake early (a fake clock's do): the deadline is checked again.
  while (!stop() && now_() < deadline) wait_until_(wake_, lock, deadline);
}

bool ProgressReporter::SendUnlocked(const Report& report, std::unique_lock<std::mutex>& lock) {
  last_attempt_ = now_();
  lock.unlock();
  std::optional<std::string> error = send_(report.progress_json, report.result_json);
  lock.lock();
  if (error.has_value() && !first_error_.has_value()) first_error_ = error;
  last_error_ = std::move(error);
  return !last_error_.has_value();
}

void ProgressReporter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!closing_) {
    // Nothing to send, or a COMPLETE report that failed once: Close() retries that one, so that
    // its attempts are counted in one place.
    if (!pending_.has_value() || (pending_->complete && complete_attempted_)) {
      wake_.wait(lock);
      continue;
    }
    if (!pending_->complete && last_attempt_.has_value()) {
      const Timestamp due = *last_attempt_ + options_.interval;
      if (now_() < due) {
        // Newer reports replace the pending one meanwhile; a COMPLETE one goes at once.
        WaitUntil(lock, due, [this] { return closing_ || (pending_ && pending_->complete); });
        continue;
      }
    }
    Report report = std::move(*pending_);
    pending_.reset();
    complete_attempted_ = report.complete;
    if (!SendUnlocked(report, lock) && !pending_.has_value()) {
      // Not delivered and nothing newer: the same report goes again at the next turn (an
      // EXECUTING one after the interval, a COMPLETE one by Close()).
      pending_ = std::move(report);
    }
  }
}

std::optional<std::string> ProgressReporter::Close() {
  std::lock_guard<std::mutex> closing(close_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return close_error_;
    closing_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();

  std::unique_lock<std::mutex> lock(mu_);
  for (int attempt = 0; pending_.has_value() && attempt < options_.final_attempts; ++attempt) {
    if (last_error_.has_value() && last_attempt_.has_value()) {
      WaitUntil(lock, *last_attempt_ + options_.retry_delay, [] { return false; });
    }
    const Report report = *pending_;  // the thread is gone and offers are refused: it stays
    if (SendUnlocked(report, lock)) pending_.reset();
  }
  if (pending_.has_value()) close_error_ = last_error_.value_or("the report was not sent");
  closed_ = true;
  return close_error_;
}

std::optional<std::string> ProgressReporter::first_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

}  // namespace pop::sdk
