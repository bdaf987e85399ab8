// ClientAuditCommands: `pop audit list`, the audit log of state-changing calls (GET /audit; super
// users only: any other token gets "not found").
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

void AddAuditCommands(CLI::App& app, ClientCommandState& state);

}  // namespace pop::cli
