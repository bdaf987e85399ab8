#include "adapters/local_process/report_reader.h"

#include <utility>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::local_process {
namespace {

// How much of a skipped line its note quotes.
constexpr size_t kQuotedChars = 200;

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::string SkipNote(size_t line_number, const std::string& why, std::string_view line) {
  std::string note = "[pop] report line " + std::to_string(line_number) + " ignored: " + why;
  if (!line.empty()) {
    note += ": ";
    note += line.substr(0, kQuotedChars);
    if (line.size() > kQuotedChars) {
      note += "...";
    }
  }
  return note;
}

}  // namespace

ReportReader::ReportReader(std::string operation_name, size_t max_line_bytes)
    : operation_name_(std::move(operation_name)), max_line_bytes_(max_line_bytes) {}

bool ReportReader::Feed(std::string_view bytes, std::vector<std::string>& notes) {
  bool changed = false;
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    bytes.remove_prefix(newline == std::string_view::npos ? bytes.size() : newline + 1);
    if (!line_too_long_ && line_.size() + piece.size() > max_line_bytes_) {
      line_too_long_ = true;
      line_.clear();
    }
    if (newline == std::string_view::npos) {
      if (!line_too_long_) {
        line_.append(piece);
      }
      break;
    }
    if (line_too_long_) {
      ++line_number_;
      notes.push_back(
          SkipNote(line_number_, "longer than " + std::to_string(max_line_bytes_) + " bytes", {}));
      line_too_long_ = false;
    } else if (line_.empty()) {
      changed = HandleLine(piece, notes) || changed;
    } else {
      line_.append(piece);
      changed = HandleLine(line_, notes) || changed;
      line_.clear();
    }
  }
  return changed;
}

bool ReportReader::Finish(std::vector<std::string>& notes) {
  bool changed = false;
  if (line_too_long_) {
    notes.push_back(
        SkipNote(++line_number_, "longer than " + std::to_string(max_line_bytes_) + " bytes", {}));
  } else if (!line_.empty()) {
    changed = HandleLine(line_, notes);
  }
  line_.clear();
  line_too_long_ = false;
  return changed;
}

bool ReportReader::HandleLine(std::string_view raw_line, std::vector<std::string>& notes) {
  ++line_number_;
  std::string_view line = Trim(raw_line);
  if (line.empty()) {
    return false;
  }
  if (complete_) {
    if (!noted_after_complete_) {
      notes.push_back(SkipNote(line_number_, "COMPLETE was already reported", {}));
      noted_after_complete_ = true;
    }
    return false;
  }
  Result<Json> json = ParseJson(line);
  if (!json.ok()) {
    notes.push_back(SkipNote(line_number_, json.error().message, line));
    return false;
  }
  if (!json->is_object()) {
    notes.push_back(SkipNote(line_number_, "expected a JSON object", line));
    return false;
  }
  Result<OperationProgress> decoded = Decode<OperationProgress>(*json);
  if (!decoded.ok()) {
    notes.push_back(SkipNote(line_number_, decoded.error().message, line));
    return false;
  }
  OperationProgress progress = std::move(decoded).value();
  const Json* result = json->Find("result");
  if (result != nullptr && !result->is_null()) {
    result_ = ToJsonText(*result);
  }
  progress.operation = operation_name_;
  if (result_.has_value()) {
    progress.result_payload = result_;
  }
  complete_ = progress.processing_state == ProcessingState::kComplete;
  latest_ = std::move(progress);
  return true;
}

}  // namespace pop::local_process
