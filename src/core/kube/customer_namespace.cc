#include "core/kube/customer_namespace.h"

#include <algorithm>
#include <cstdint>

namespace pop {
namespace {

constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxPrefix = 40;  // leaves room for a dash, some of the id and the hash

bool IsLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool IsDnsLabel(std::string_view text) {
  if (text.empty() || text.size() > kMaxLabel || text.front() == '-' || text.back() == '-') {
    return false;
  }
  for (const char c : text) {
    if (!IsLabelChar(c)) return false;
  }
  return true;
}

// 32-bit FNV-1a: stable across builds and machines (the name must not change between pullers).
std::string HashHex(std::string_view text) {
  uint32_t hash = 2166136261U;
  for (const char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619U;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(8, '0');
  for (int i = 7; i >= 0; --i) {
    hex[static_cast<size_t>(i)] = kDigits[hash & 0xFU];
    hash >>= 4U;
  }
  return hex;
}

}  // namespace

Result<std::string> CustomerNamespace(std::string_view prefix, std::string_view customer_id) {
  if (!IsDnsLabel(prefix) || prefix.size() > kMaxPrefix) {
    return Error(ErrorCode::kInvalidArgument,
                 "namespace prefix '" + std::string(prefix) +
                     "' is not a DNS label of at most 40 characters (a-z, 0-9, '-')");
  }
  if (customer_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an Agenda without customerId has no namespace of its own");
  }
  std::string label;
  bool changed = false;
  for (const char c : customer_id) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (IsLabelChar(lower)) {
      label += lower;
    } else {
      label += '-';
      changed = true;
    }
  }
  const size_t first = label.find_first_not_of('-');
  const size_t last = label.find_last_not_of('-');
  if (first == std::string::npos) {
    label.clear();
    changed = true;
  } else if (first != 0 || last + 1 != label.size()) {
    label = label.substr(first, last - first + 1);
    changed = true;
  }
  std::string name = std::string(prefix) + "-" + label;
  if (!changed && name.size() <= kMaxLabel) return name;
  const std::string suffix = HashHex(customer_id);
  // prefix + '-' + kept + '-' + suffix, at most 63 characters; no dash left at the cut.
  const size_t room = kMaxLabel - prefix.size() - 2 - suffix.size();
  std::string kept = label.substr(0, std::min(room, label.size()));
  while (!kept.empty() && kept.back() == '-') kept.pop_back();
  return std::string(prefix) + "-" + (kept.empty() ? std::string() : kept + "-") + suffix;
}

}  // namespace pop
