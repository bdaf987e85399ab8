#include "adapters/local_process/log_buffer.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace pop::local_process {
namespace {

// After a drop, Take() starts at the next line start when one comes within this many bytes.
constexpr size_t kMaxLineRealign = size_t{64} << 10;

}  // namespace

LogBuffer::LogBuffer(size_t max_pending_bytes, size_t max_lines, size_t max_line_bytes)
    : max_pending_bytes_(std::max<size_t>(max_pending_bytes, 1)),
      max_lines_(max_lines),
      max_line_bytes_(max_line_bytes) {}

void LogBuffer::Append(std::string_view bytes) {
  if (bytes.empty()) {
    return;
  }
  AppendPending(bytes);
  AppendLines(bytes);
}

void LogBuffer::AppendPending(std::string_view bytes) {
  const size_t max = max_pending_bytes_;
  if (bytes.size() >= max) {
    if (bytes.size() > max) {
      last_dropped_ = bytes[bytes.size() - max - 1];
    } else if (ring_full_) {
      last_dropped_ = pending_[(ring_head_ + max - 1) % max];
    } else if (!pending_.empty()) {
      last_dropped_ = pending_.back();
    }
    dropped_ += (ring_full_ ? max : pending_.size()) + (bytes.size() - max);
    pending_.assign(bytes.substr(bytes.size() - max));
    ring_head_ = 0;
    ring_full_ = true;
    return;
  }
  if (!ring_full_) {
    size_t room = max - pending_.size();
    pending_.append(bytes.substr(0, room));
    bytes.remove_prefix(std::min(room, bytes.size()));
    if (pending_.size() < max) {
      return;
    }
    ring_full_ = true;
    ring_head_ = 0;
  }
  // Ring: each new byte overwrites the oldest one.
  dropped_ += bytes.size();
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), max - ring_head_);
    last_dropped_ = pending_[ring_head_ + n - 1];
    std::memcpy(pending_.data() + ring_head_, bytes.data(), n);
    ring_head_ = (ring_head_ + n) % max;
    bytes.remove_prefix(n);
  }
}

void LogBuffer::AppendLines(std::string_view bytes) {
  size_t last_newline = bytes.rfind('\n');
  if (last_newline == std::string_view::npos) {
    partial_.append(bytes.substr(0, max_line_bytes_ - std::min(max_line_bytes_, partial_.size())));
    return;
  }
  // Only the last max_lines_ complete lines of `bytes` can survive: find them from the end
  // instead of splitting megabytes of output into lines.
  std::vector<std::string_view> recent;  // newest first
  bool reached_start = false;
  size_t end = last_newline;
  while (recent.size() < max_lines_) {
    size_t previous = end == 0 ? std::string_view::npos : bytes.rfind('\n', end - 1);
    size_t start = previous == std::string_view::npos ? 0 : previous + 1;
    recent.push_back(bytes.substr(start, end - start));
    if (previous == std::string_view::npos) {
      reached_start = true;
      break;
    }
    end = previous;
  }
  for (size_t index = recent.size(); index-- > 0;) {
    if (reached_start && index == recent.size() - 1) {
      PushLine(std::move(partial_) + std::string(recent[index]));
    } else {
      PushLine(std::string(recent[index]));
    }
  }
  partial_.assign(bytes.substr(last_newline + 1, max_line_bytes_));
}

void LogBuffer::PushLine(std::string line) {
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  if (line.size() > max_line_bytes_) {
    line.resize(max_line_bytes_);
  }
  lines_.push_back(std::move(line));
  while (lines_.size() > max_lines_) {
    lines_.pop_front();
  }
}

std::string LogBuffer::Take() {
  std::string data;
  if (ring_full_) {
    data.reserve(pending_.size());
    data.append(pending_, ring_head_, std::string::npos);
    data.append(pending_, 0, ring_head_);
    pending_ = std::string();  // gives the ring's memory back
  } else {
    data = std::move(pending_);
    pending_.clear();
  }
  ring_full_ = false;
  ring_head_ = 0;
  std::string out;
  if (dropped_ > 0) {
    // When the drop cut a line in two, begin with the next whole line.
    size_t newline = data.find('\n');
    if (last_dropped_ != '\n' && newline != std::string::npos && newline < kMaxLineRealign &&
        newline + 1 < data.size()) {
      dropped_ += newline + 1;
      data.erase(0, newline + 1);
    }
    out = "[... " + std::to_string(dropped_) + " bytes dropped ...]\n";
    dropped_ = 0;
  }
  if (out.empty()) {
    return data;
  }
  out.append(data);
  return out;
}

std::vector<std::string> LogBuffer::LastLines() const {
  std::vector<std::string> lines(lines_.begin(), lines_.end());
  if (!partial_.empty()) {
    lines.push_back(partial_);
  }
  if (lines.size() > max_lines_) {
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(max_lines_));
  }
  return lines;
}

}  // namespace pop::local_process
