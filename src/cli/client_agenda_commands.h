// ClientAgendaCommands: `pop agenda submit|get|list|watch|rerun|logs|why`, the commands a user
// runs most, over the Agenda routes and services of docs/api.md.
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

// Adds `agenda` and its subcommands to `app`.
void AddAgendaCommands(CLI::App& app, ClientCommandState& state);

// Adds `logs` to the `agenda` command (client_agenda_logs.cc).
void AddAgendaLogsCommand(CLI::App& agenda, ClientCommandState& state);

}  // namespace pop::cli
