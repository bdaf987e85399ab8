// Parsing JSON the user gave the CLI (a file, stdin, a flag), with errors that name where it
// came from. Pure; the CLI's unit tests compile it without the rest of pop_cli.
#pragma once

#include <string>

#include "core/base/result.h"
#include "core/json/json.h"

namespace pop::cli {

// Parses `text` as JSON; errors (kInvalidArgument) name `source` ("--payload", "agenda.json")
// and the parser's line and column.
[[nodiscard]] Result<Json> ParseJsonInput(const std::string& text, const std::string& source);

}  // namespace pop::cli
