// POP_CHECK(cond) << "context": invariants that, when broken, mean a bug. Always on; aborts with
// the message. Never use it on user input or on anything an OS, network or database returned.
#pragma once

#include <sstream>
#include <string>

namespace pop::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  template <typename T>
  CheckFailure& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

// Makes `cond ? (void)0 : Voidify() & CheckFailure(...) << ...` type-check.
struct Voidify {
  void operator&(const CheckFailure&) {}
};

}  // namespace pop::internal

// The trailing `<<` must bind to CheckFailure, so the expansion cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define POP_CHECK(cond)         \
  (cond) ? static_cast<void>(0) \
         : ::pop::internal::Voidify() & ::pop::internal::CheckFailure(__FILE__, __LINE__, #cond)
// NOLINTEND(bugprone-macro-parentheses)
