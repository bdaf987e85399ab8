// FakePoolClient: records what an executor reports; can be told to refuse reports (kConflict:
// the claim is gone; kUnavailable: the server is down). GetAgenda answers nothing at once,
// unless HandOut was called: then each call takes the next queued answer, waiting for one until
// Close(). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ports/pool_client.h"

namespace pop::testing {

class FakePoolClient final : public PoolClient {
 public:
  Result<ClaimedWork> GetAgenda(const std::string&, int64_t, Duration,
                                const std::string&) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++polls_;
    cv_.notify_all();
    if (!scripted_) return ClaimedWork{};
    cv_.wait(lock, [&] { return closed_ || !handouts_.empty(); });
    if (handouts_.empty()) return ClaimedWork{};
    ClaimedWork work = std::move(handouts_.front());
    handouts_.pop_front();
    return work;
  }
  // Queues `work` as the answer of a coming GetAgenda; from now on GetAgenda waits for one.
  void HandOut(ClaimedWork work) {
    std::lock_guard<std::mutex> lock(mu_);
    scripted_ = true;
    handouts_.push_back(std::move(work));
    cv_.notify_all();
  }
  // GetAgenda waits no more (answers nothing when nothing is queued).
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  // Blocks until `n` progress reports have been accepted.
  void WaitForReports(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return reports_.size() >= n; });
  }
  // As WaitForReports, for at most `patience` of real time; whether `n` were made.
  bool WaitForReportsFor(size_t n, std::chrono::milliseconds patience) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, patience, [&] { return reports_.size() >= n; });
  }
  // Blocks until GetAgenda has been called `n` times.
  void WaitForPolls(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return polls_ >= n; });
  }
  Result<ProgressReportAnswer> UpdateAgendaProgress(const AgendaProgress& progress,
                                                    const std::string& puller) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (refuse_next_ > 0) {
      --refuse_next_;
      return Error(refusal_, "refused by the test");
    }
    reports_.push_back(progress);
    pullers_.push_back(puller);
    cv_.notify_all();
    return ProgressReportAnswer{paused_};
  }
  Status UpdateAgenda(const std::string& agenda_id, const std::vector<Operation>& operations,
                      const std::optional<ParamsMap>&) override {
    std::lock_guard<std::mutex> lock(mu_);
    updated_agenda_ = agenda_id;
    generated_ = operations;
    return Status::Ok();
  }
  Status AppendOperationLogs(const std::map<std::string, std::string>& chunks) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, text] : chunks) logs_[id] += text;
    return Status::Ok();
  }

  // From now on the reports' answers say the agenda is (or is not) paused.
  void AnswerPaused(bool paused) {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = paused;
  }

  // The next `count` progress reports fail with `code`.
  void Refuse(int count, ErrorCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_next_ = count;
    refusal_ = code;
  }
  std::vector<AgendaProgress> reports() {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }
  std::vector<std::string> pullers() {
    std::lock_guard<std::mutex> lock(mu_);
    return pullers_;
  }
  std::map<std::string, std::string> logs() {
    std::lock_guard<std::mutex> lock(mu_);
    return logs_;
  }
  std::vector<Operation> generated() {
    std::lock_guard<std::mutex> lock(mu_);
    return generated_;
  }
  // The latest reported state of each operation, across all reports.
  std::map<std::string, OperationProgress> LatestOperations() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, OperationProgress> latest;
    for (const auto& report : reports_) {
      if (!report.operation_progress) continue;
      for (const auto& op : *report.operation_progress) latest[*op.operation] = op;
    }
    return latest;
  }

 private:
  std::mutex mu_;
  std::vector<AgendaProgress> reports_;
  bool paused_ = false;
  std::vector<std::string> pullers_;
  std::map<std::string, std::string> logs_;
  std::optional<std::string> updated_agenda_;
  std::vector<Operation> generated_;
  std::condition_variable cv_;
  std::deque<ClaimedWork> handouts_;
  bool scripted_ = false;
  bool closed_ = false;
  size_t polls_ = 0;
  int refuse_next_ = 0;
  ErrorCode refusal_ = ErrorCode::kUnavailable;
};

}  // namespace pop::testing
