// ClientObjectCommands: `pop pool|insight|customer|template create|get|list` over the data
// routes (resourcepool, insight, customer, agendatemplate), and the service commands
// `pop template run`, `pop customer set-weight` and `pop progress summary`.
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

// Adds `pool`, `insight`, `customer` and `template` with create, get and list; `template` also
// gets `run` (AddTemplateRunCommand), `customer` gets `set-weight` (AddSetWeightCommand).
void AddObjectCommands(CLI::App& app, ClientCommandState& state);

// Adds `run` to the `template` command (client_service_commands.cc).
void AddTemplateRunCommand(CLI::App& template_command, ClientCommandState& state);

// Adds `set-weight` to the `customer` command (client_service_commands.cc).
void AddSetWeightCommand(CLI::App& customer_command, ClientCommandState& state);

// Adds `progress summary` (client_service_commands.cc).
void AddProgressCommands(CLI::App& app, ClientCommandState& state);

}  // namespace pop::cli
