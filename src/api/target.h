// Splits a request target into URL-decoded path segments and query parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pop::api {

struct Target {
  std::string path;                                        // raw path, without the query
  std::vector<std::string> segments;                       // decoded, empty segments dropped
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order

  const std::string* QueryValue(std::string_view name) const;  // first occurrence
};

// nullopt when the target has invalid percent-encoding.
std::optional<Target> ParseTarget(std::string_view target);

// Percent-decoding; `plus_is_space` for query components (application/x-www-form-urlencoded).
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace pop::api
