// LogBuffer: a handler's captured output between two TakeNewLog() calls, bounded, plus the last
// lines for diagnostics. When more than `max_pending_bytes` arrive between two takes, the oldest
// pending bytes are dropped (up to the next line start) and the next Take() begins with
// "[... N bytes dropped ...]". Thread-compatible (HandlerRun guards it).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace pop::local_process {

class LogBuffer {
 public:
  // Lines longer than `max_line_bytes` are cut for LastLines() (Take() returns them whole).
  explicit LogBuffer(size_t max_pending_bytes, size_t max_lines = 10, size_t max_line_bytes = 2048);

  void Append(std::string_view bytes);
  // Everything appended since the last Take() (after the drop marker, if bytes were dropped).
  std::string Take();
  // The last ≤ max_lines lines (an unterminated last line counts), oldest first, without their
  // line ends.
  std::vector<std::string> LastLines() const;

 private:
  void AppendPending(std::string_view bytes);
  void AppendLines(std::string_view bytes);
  void PushLine(std::string line);

  const size_t max_pending_bytes_;
  const size_t max_lines_;
  const size_t max_line_bytes_;

  // Pending bytes: a plain string until it reaches max_pending_bytes_, then a ring whose oldest
  // byte is at ring_head_.
  std::string pending_;
  size_t ring_head_ = 0;
  bool ring_full_ = false;
  size_t dropped_ = 0;        // bytes dropped since the last Take()
  char last_dropped_ = '\n';  // the newest dropped byte

  std::deque<std::string> lines_;  // complete lines, ≤ max_lines_
  std::string partial_;            // the unterminated last line, ≤ max_line_bytes_
};

}  // namespace pop::local_process
