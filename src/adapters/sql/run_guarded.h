// RunGuarded: runs a caller's store closure so that no exception crosses the Store port; one
// escaping the closure becomes kInternal, and the thread that ran it (a store's writer thread)
// survives. Used by both SQL stores. Thread-safe (stateless).
#pragma once

#include <exception>
#include <string>

#include "core/base/result.h"

namespace pop::sql {

template <typename Fn, typename Arg>
Status RunGuarded(const Fn& fn, Arg& arg) {
  try {
    return fn(arg);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("store closure threw: ") + e.what());
  } catch (...) {
    return Status(ErrorCode::kInternal, "store closure threw a non-standard exception");
  }
}

}  // namespace pop::sql
