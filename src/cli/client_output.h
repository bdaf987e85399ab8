// ClientOutput: how client commands show things to people: aligned tables, indented JSON,
// "key: value" descriptions, times, ages, percentages and the one-word state of a progress.
// The read commands' --output formats (table, json, yaml). Pure formatting; every function is
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json.h"

namespace pop::cli {

// Columns separated by at least two spaces, headers in upper case, every row ends in "\n".
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// JSON with two-space indentation and a final newline; parses back to the same value.
std::string PrettyJson(const Json& value);

// YAML in block style with two-space indentation and a final newline; parses back to the same
// value: strings are always double-quoted (JSON's escapes are YAML's), keys are plain unless
// they could read as something else, empty containers are {} and [].
std::string Yaml(const Json& value);

// What a read command prints (`--output`): its own table or description, or the API's data.
enum class OutputFormat { kTable, kJson, kYaml };
// True for json and yaml: the command prints `Structured(format, data)` instead of its table.
inline bool IsStructured(OutputFormat format) { return format != OutputFormat::kTable; }
// PrettyJson or Yaml of `value`; "" for kTable.
std::string Structured(OutputFormat format, const Json& value);

// A string as is, null as "", anything else as compact JSON.
std::string ScalarText(const Json* value);

// One "key:  value" line per member (values by ScalarText), keys aligned; times (`*Time`
// members holding epoch milliseconds) shown as local time.
std::string Describe(const Json& object);

// Epoch milliseconds as local "2006-01-02 15:04:05".
std::string FormatTime(int64_t epoch_millis);
// How long ago `epoch_millis` was: "12s", "5m", "3h", "2d".
std::string FormatAge(int64_t epoch_millis);
// A number as "37%" (rounded); "-" when absent or not a number.
std::string FormatPercent(const Json* value);
// "1 operation", "2 operations".
std::string Plural(size_t count, const std::string& noun);
// A duration in seconds as "0.4s", "12s", "3m05s".
std::string FormatElapsed(double seconds);

// WAITING, EXECUTING, SUCCEEDED, FAILED or CANCELLED from a progress object's processingState
// and processingStateMessage (COMPLETE for any other message).
std::string StateLabel(const Json& progress);
// True when the progress is COMPLETE.
bool IsComplete(const Json& progress);

// The integer member `key`, if present.
std::optional<int64_t> IntField(const Json& object, const char* key);

}  // namespace pop::cli
