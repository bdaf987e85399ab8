// FakePoolClient: records what an executor reports; can be told to refuse reports (kConflict:
// the claim is gone; kUnavailable: the server is down). Thread-safe.
#pragma once

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
    return ClaimedWork{};
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
  int refuse_next_ = 0;
  ErrorCode refusal_ = ErrorCode::kUnavailable;
};

}  // namespace pop::testing
