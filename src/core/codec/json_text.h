// Parsing JSON text into Json and printing Json as compact JSON text. The only place (with the
// object codec) that uses the JSON library. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/json/json_depth.h"

namespace pop {

struct JsonParseLimits {
  // Deeper documents are refused with kInvalidArgument (a guard against stack exhaustion). The
  // default is the one limit every path in keeps to (core/json/json_depth.h).
  size_t max_depth = kMaxJsonDepth;
};

// Errors: kInvalidArgument with the byte offset and what was wrong.
[[nodiscard]] Result<Json> ParseJson(std::string_view text, const JsonParseLimits& limits = {});

// Compact JSON text. Doubles print in shortest round-trip form with a ".0" for integral values
// (as Jackson did: 100.0); non-finite doubles print as null; invalid UTF-8 in strings becomes
// U+FFFD.
std::string ToJsonText(const Json& value);
void AppendJsonText(const Json& value, std::string& out);
// Appends `s` as a quoted, escaped JSON string.
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace pop
