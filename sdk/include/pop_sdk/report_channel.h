// ReportChannel: the handler's end of the report channel (docs/handlers.md). Each report is one
// line of JSON: OperationProgress fields plus an optional "result" member holding the
// operation's output. The launcher reads the file named by POP_REPORT; a handler in a Kubernetes
// pod (MY_POD_NAME set) writes them to its pod's annotations instead (pod_report.h); a handler run
// by hand writes its reports to stdout prefixed "pop-report: ".
// The first COMPLETE line ends the channel: later writes are dropped. Close() delivers what is
// still pending (the pod channel's final report) before the handler prints HandlerComplete.
// Thread-safe.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/operation_progress.h"
#include "pop_sdk/progress_reporter.h"

namespace pop::sdk {

// Prefix of report lines written to stdout when there is no POP_REPORT.
inline constexpr char kStdoutReportPrefix[] = "pop-report: ";

class ReportChannel {
 public:
  // Appends to the file at `path` (POP_REPORT; typically /dev/fd/3, a pipe to the launcher).
  // Errors: kUnavailable when it cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<ReportChannel>> OpenFile(const std::string& path);
  // Hands each line, prefixed with kStdoutReportPrefix, to `write_line`.
  static std::unique_ptr<ReportChannel> ToStdout(std::function<void(std::string_view)> write_line);
  // Offers each report to `reporter`, which sends the latest one at its own pace (the pod
  // channel, pod_report.h); Close() closes it.
  static std::unique_ptr<ReportChannel> ToReporter(std::unique_ptr<ProgressReporter> reporter);

  ~ReportChannel();
  ReportChannel(const ReportChannel&) = delete;
  ReportChannel& operator=(const ReportChannel&) = delete;

  // Writes `progress` (and `result`, when given, as the "result" member) as one line, unless a
  // COMPLETE line was written before. Returns whether the line was written. Errors writing the
  // file are not returned: a handler cannot do better than carry on, and the launcher turns a
  // missing COMPLETE into a failure. The first error is remembered (write_error()).
  bool Write(const OperationProgress& progress, const std::optional<Json>& result);

  // Delivers what is still pending and ends the channel: a reporter's Close() (its final report,
  // with up to 5 more attempts); nothing to do for a file or stdout, whose lines are written at
  // once. Later writes are dropped. Idempotent; the destructor calls it.
  void Close();

  // Whether a COMPLETE line has been written.
  bool complete() const;
  // The first error writing the file (or sending a report), if any ("<path>: <strerror>").
  std::optional<std::string> write_error() const;

  // The line Write() would produce (without the line end and without the stdout prefix).
  static std::string FormatLine(const OperationProgress& progress,
                                const std::optional<Json>& result);

 private:
  ReportChannel(std::FILE* file, std::string path, std::function<void(std::string_view)> sink);

  mutable std::mutex mu_;
  std::FILE* file_;  // owned; nullptr when writing to `sink_`
  const std::string path_;
  const std::function<void(std::string_view)> sink_;
  std::unique_ptr<ProgressReporter> reporter_;  // set by ToReporter; thread-safe itself
  bool complete_ = false;                       // guarded by mu_
  bool closed_ = false;                         // guarded by mu_
  std::optional<std::string> write_error_;      // guarded by mu_
};

}  // namespace pop::sdk
