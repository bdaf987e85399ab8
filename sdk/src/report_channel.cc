#include "pop_sdk/report_channel.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::sdk {

Result<std::unique_ptr<ReportChannel>> ReportChannel::OpenFile(const std::string& path) {
  // "e" (close-on-exec): child processes a handler starts must not write to the channel.
  std::FILE* file = std::fopen(path.c_str(), "ae");
  if (file == nullptr) {
    return Error(ErrorCode::kUnavailable,
                 "cannot open report channel " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<ReportChannel>(new ReportChannel(file, path, nullptr));
}

std::unique_ptr<ReportChannel> ReportChannel::ToStdout(
    std::function<void(std::string_view)> write_line) {
  return std::unique_ptr<ReportChannel>(
      new ReportChannel(nullptr, std::string(), std::move(write_line)));
}

std::unique_ptr<ReportChannel> ReportChannel::ToReporter(
    std::unique_ptr<ProgressReporter> reporter) {
  std::unique_ptr<ReportChannel> channel(new ReportChannel(nullptr, std::string(), nullptr));
  channel->reporter_ = std::move(reporter);
  return channel;
}

ReportChannel::ReportChannel(std::FILE* file, std::string path,
                             std::function<void(std::string_view)> sink)
    : file_(file), path_(std::move(path)), sink_(std::move(sink)) {}

ReportChannel::~ReportChannel() {
  Close();
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

std::string ReportChannel::FormatLine(const OperationProgress& progress,
                                      const std::optional<Json>& result) {
  Json line = Encode(progress);
  if (result.has_value()) {
    line.AsObject().Set("result", *result);
  }
  return ToJsonText(line);
}

bool ReportChannel::Write(const OperationProgress& progress, const std::optional<Json>& result) {
  std::string line = FormatLine(progress, result);
  // The lock is held while writing so that lines reach the channel in the order their
  // COMPLETE check passed: after the first COMPLETE line nothing else may be written.
  std::lock_guard<std::mutex> lock(mu_);
  if (complete_ || closed_) {
    return false;
  }
  complete_ = progress.processing_state == ProcessingState::kComplete;
  if (reporter_) {
    // Never blocks: the reporter's thread sends.
    return reporter_->Offer(
        ToJsonText(Encode(progress)),
        result.has_value() ? std::optional<std::string>(ToJsonText(*result)) : std::nullopt,
        complete_);
  }
  if (file_ == nullptr) {
    sink_(kStdoutReportPrefix + line);
    return true;
  }
  line += '\n';
  bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size();
  ok = std::fflush(file_) == 0 && ok;
  if (!ok && !write_error_.has_value()) {
    write_error_ = path_ + ": " + std::strerror(errno);
  }
  return true;
}

void ReportChannel::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  // Without the lock: the final attempts take seconds, and the reporter is thread-safe.
  if (reporter_) reporter_->Close();
}

bool ReportChannel::complete() const {
  std::lock_guard<std::mutex> lock(mu_);
  return complete_;
}

std::optional<std::string> ReportChannel::write_error() const {
  if (reporter_) return reporter_->first_error();
  std::lock_guard<std::mutex> lock(mu_);
  return write_error_;
}

}  // namespace pop::sdk
