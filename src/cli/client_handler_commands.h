// ClientHandlerCommands: `pop handler list`, the operation types each resource pool's handlers
// run (the pools' `handlerTypes`, which submission checks; docs/handlers.md) and the resident
// types every executor runs.
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

// Adds `list` under the `handler` command group.
void AddHandlerCommands(CLI::App& handler_group, ClientCommandState& state);

}  // namespace pop::cli
