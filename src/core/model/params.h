// Typed getters over a ParamsMap with the coercions of spec §2.1, and the well-known keys of §3.4.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/common.h"

namespace pop {

inline constexpr const char kParamDependsOn[] = "dependsOn";
inline constexpr const char kParamGeneratedOperationParent[] = "generatedOperationParent";
inline constexpr const char kParamExternalId[] = "externalId";
inline constexpr const char kParamMaximumAttempts[] = "maximumAttempts";
inline constexpr const char kParamDoNotRun[] = "doNotRun";
inline constexpr const char kParamDefaultInsight[] = "defaultInsight";
inline constexpr const char kParamOperationGenerator[] = "agenda.operation.generator";
inline constexpr const char kParamAdded[] = "added";
inline constexpr const char kParamPriority[] = "priority";

// Whether the key is present at all (any value, even null): the doNotRun rule.
bool HasParam(const std::optional<ParamsMap>& params, std::string_view key);
const Json* FindParam(const std::optional<ParamsMap>& params, std::string_view key);

// The value's string form: strings raw, other scalars as JSON text, containers as JSON text.
// nullopt when absent or null.
std::optional<std::string> GetParamString(const std::optional<ParamsMap>& params,
                                          std::string_view key);
// The entries of a list parameter such as dependsOn, untrimmed: a string is split on ',' (empty
// parts dropped, the original's form), an array gives its string elements in order (not in the
// original: lists are easier to write as JSON arrays). nullopt when absent or null; `ok` is false
// when the value is neither (a number, an object, an array with a non-string element).
struct ParamList {
  std::vector<std::string> entries;
  bool ok = true;
};
std::optional<ParamList> GetParamList(const std::optional<ParamsMap>& params, std::string_view key);

// An integer, or a string that parses as one; nullopt when absent, null or not an integer.
std::optional<int64_t> GetParamInt(const std::optional<ParamsMap>& params, std::string_view key);

// Text form used in comparisons and composite strings (Jackson's asText): strings raw, numbers
// as JSON, booleans true/false, null as "null", containers as JSON text.
std::string JsonAsText(const Json& value);

}  // namespace pop
