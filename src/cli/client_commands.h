// ClientCommands: every client command of `pop` (agenda, template, pool, insight, customer,
// progress) added to the CLI11 tree in one call, and run in one call after parsing, so that
// bin/pop/main.cc stays a page of wiring. Exit codes: client_command.h.
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

// Adds the client commands to `app`. `state` must outlive parsing and RunClientCommand.
void AddClientCommands(CLI::App& app, ClientCommandState& state);

// Runs the client command that was parsed and returns its exit code; -1 when none was. While it
// runs, SIGINT and SIGTERM end the process at once with exit status 130 and 143 (128 + signal),
// whatever the command is waiting for; the server roles block these signals instead, for their
// orderly shutdown (server_runtime.h, BlockTerminationSignals).
int RunClientCommand(const ClientCommandState& state);

}  // namespace pop::cli
