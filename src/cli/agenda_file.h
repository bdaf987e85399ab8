// AgendaFile: what `pop agenda submit -f` reads: one Agenda (a JSON object), a bulk submission (a
// JSON array of objects), or JSON lines (one object per line, blank lines skipped; submitted as
// one array). Pure; errors name the file and the element or line.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/json/json.h"

namespace pop::cli {

struct AgendaFile {
  std::vector<JsonObject> agendas;  // in file order; at least one
  bool is_batch = false;            // an array or JSON lines: POST an array, even of one
};

// Parses `text` read from `source` ("agenda.json", "stdin"). A document that is not one JSON
// value is read as JSON lines when its first non-blank line is an object on its own. Errors:
// kInvalidArgument naming the source and, for an array element or a line, which one.
[[nodiscard]] Result<AgendaFile> ParseAgendaFile(const std::string& text,
                                                 const std::string& source);

}  // namespace pop::cli
