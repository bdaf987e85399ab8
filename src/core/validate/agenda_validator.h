// AgendaValidator of spec §6.1, with the fixes of docs/compat.md: `dependsOn` edges count in the
// cycle check, and a `dependsOn` naming no operation of the agenda is an issue (the original
// accepted it and then deadlocked at run time). Pure.
#pragma once

#include "core/base/result.h"
#include "core/model/agenda.h"

namespace pop {

// kValidation with the spec's message:
//   "No operations specified in Agenda." / "Operations must have names." /
//   "Operation names must be unique." (first failing of these three), else
//   "Validation Issues detected: <up to 10 issues joined by ','>[Truncating additional issues]".
Status ValidateAgenda(const Agenda& agenda);

// Names listed in an operation's `params.dependsOn` (comma-separated or a JSON array of names;
// entries trimmed, empty ones dropped), as the executor reads them.
std::vector<std::string> DependsOnNames(const Operation& operation);

// "Issues detected: a,b" / "Validation Issues detected: a,b" formatting with the 10-issue cap.
std::string FormatIssues(std::string_view prefix, const std::vector<std::string>& issues);

}  // namespace pop
