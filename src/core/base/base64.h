// Standard Base64 (RFC 4648, padded) encoding and decoding. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pop {

std::string Base64Encode(std::string_view data);
// nullopt for text that is not valid padded Base64 (whitespace is not skipped).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace pop
