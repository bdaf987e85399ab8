// ClientTokenCommands: `pop token create|list|revoke` over the token routes (POST, GET and
// DELETE /token): issue a token (its secret alone on stdout, once), list them without secrets,
// and revoke one by id.
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

// Adds `token` with create, list and revoke.
void AddTokenCommands(CLI::App& app, ClientCommandState& state);

}  // namespace pop::cli
