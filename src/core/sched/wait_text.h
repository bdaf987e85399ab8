// Small text helpers for WaitReason sentences, shared by the policies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pop::sched {

// "1 agenda", "3 agendas": `n` and the noun in the right number.
inline std::string CountOf(size_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

// "is" or "are" to agree with `n`.
inline std::string_view IsAre(size_t n) { return n == 1 ? "is" : "are"; }

}  // namespace pop::sched
