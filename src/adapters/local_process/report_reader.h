// ReportReader: the executor's end of a handler's report channel (docs/handlers.md). The handler
// writes one JSON object per line: OperationProgress fields plus an optional "result" holding the
// operation's output. Each valid line replaces the latest progress; a line with a result replaces
// the result; the first COMPLETE line ends the channel (later lines are ignored). Invalid lines
// are skipped with a note for the log. Thread-compatible (one reactor thread feeds it).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/operation_progress.h"

namespace pop::local_process {

class ReportReader {
 public:
  // `operation_name` is written into every progress (as the pod launcher forces `operation`).
  ReportReader(std::string operation_name, size_t max_line_bytes);

  // Consumes channel bytes. Returns true when the latest progress or result changed. Notes about
  // skipped lines are appended to `notes` (one log line each, without line end).
  bool Feed(std::string_view bytes, std::vector<std::string>& notes);
  // End of the channel: a last line without a line end still counts.
  bool Finish(std::vector<std::string>& notes);

  // The latest valid progress, with `operation` set and `resultPayload` = result() when there
  // is one.
  const std::optional<OperationProgress>& latest() const { return latest_; }
  const std::optional<std::string>& result() const { return result_; }  // JSON text
  bool complete() const { return complete_; }

 private:
  bool HandleLine(std::string_view line, std::vector<std::string>& notes);

  const std::string operation_name_;
  const size_t max_line_bytes_;
  std::string line_;            // the unterminated line so far
  bool line_too_long_ = false;  // line_ overflowed; skip to the next line end
  size_t line_number_ = 0;
  std::optional<OperationProgress> latest_;
  std::optional<std::string> result_;
  bool complete_ = false;
  bool noted_after_complete_ = false;
};

}  // namespace pop::local_process
