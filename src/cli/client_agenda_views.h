// ClientAgendaViews: the read-only agenda commands, `pop agenda get|list|why`: an Agenda joined
// with its AgendaProgress for people, or the API's JSON with --json.
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

// Adds `get`, `list` and `why` to the `agenda` command.
void AddAgendaViewCommands(CLI::App& agenda, ClientCommandState& state);

}  // namespace pop::cli
