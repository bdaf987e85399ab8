// ClientPauseCommands: `pop agenda pause|resume ID` and `pop insight pause|resume ID` over
// POST /agenda/service/pause|resume and /insight/service/pause|resume (docs/api.md, "Pause and
// resume").
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

// Adds `pause` and `resume` to the `agenda` command.
void AddAgendaPauseCommands(CLI::App& agenda_command, ClientCommandState& state);

// Adds `pause` and `resume` to the `insight` command.
void AddInsightPauseCommands(CLI::App& insight_command, ClientCommandState& state);

}  // namespace pop::cli
