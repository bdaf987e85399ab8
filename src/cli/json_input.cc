#include "cli/json_input.h"

#include "core/codec/json_text.h"

namespace pop::cli {

Result<Json> ParseJsonInput(const std::string& text, const std::string& source) {
  Result<Json> parsed = ParseJson(text);
  if (!parsed.ok()) {
    std::string message = parsed.error().message;
    const std::string prefix = "Malformed JSON: ";
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    return Error(ErrorCode::kInvalidArgument, source + " is not valid JSON: " + message);
  }
  return parsed;
}

}  // namespace pop::cli
