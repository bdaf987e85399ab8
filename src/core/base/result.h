// Result<T> (a value or an Error) and Status (success or an Error). A small stand-in for
// std::expected, which needs C++23. Expected failures are values; see CONTRIBUTING.md.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/base/check.h"
#include "core/base/error.h"

namespace pop {

class [[nodiscard]] Status {
 public:
  Status() = default;                                // OK
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  Status(ErrorCode code, std::string message) : error_(Error(code, std::move(message))) {}

  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  const Error& error() const {
    POP_CHECK(error_.has_value());
    return *error_;
  }
  ErrorCode code() const { return error().code; }
  const std::string& message() const { return error().message; }

 private:
  std::optional<Error> error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(ErrorCode code, std::string message)
      : v_(std::in_place_index<1>, Error(code, std::move(message))) {}
  // Converts a failed Status into a failed Result. The Status must not be OK.
  Result(const Status& status)  // NOLINT(google-explicit-constructor)
      : v_(std::in_place_index<1>, status.error()) {}

  bool ok() const { return v_.index() == 0; }
  const T& value() const& {
    POP_CHECK(ok()) << ErrorCodeName(error().code) << ": " << error().message;
    return std::get<0>(v_);
  }
  T& value() & {
    POP_CHECK(ok()) << ErrorCodeName(std::get<1>(v_).code) << ": " << std::get<1>(v_).message;
    return std::get<0>(v_);
  }
  T&& value() && {
    POP_CHECK(ok()) << ErrorCodeName(std::get<1>(v_).code) << ": " << std::get<1>(v_).message;
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    POP_CHECK(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Error> v_;
};

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace pop

#define POP_CONCAT_INNER(a, b) a##b
#define POP_CONCAT(a, b) POP_CONCAT_INNER(a, b)

// Returns the error of a failed Status or Result from the enclosing function.
#define POP_RETURN_IF_ERROR(expr)                               \
  do {                                                          \
    auto&& pop_status_or_ = (expr);                             \
    if (!pop_status_or_.ok()) {                                 \
      return ::pop::internal::AsStatus(pop_status_or_).error(); \
    }                                                           \
  } while (false)

// `lhs` may be a declaration (`auto x`), so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define POP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) {                                \
    return tmp.error();                           \
  }                                               \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

// `POP_ASSIGN_OR_RETURN(auto x, FunctionReturningResult());`
#define POP_ASSIGN_OR_RETURN(lhs, expr) \
  POP_ASSIGN_OR_RETURN_IMPL(POP_CONCAT(pop_result_, __LINE__), lhs, expr)
