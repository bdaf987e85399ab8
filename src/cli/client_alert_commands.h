// ClientAlertCommands: `pop alert list`, the alerts firing now and those resolved lately
// (GET /alert; a customer's token sees alerts about its own Agendas only).
#pragma once

#include "cli/client_command.h"

namespace pop::cli {

void AddAlertCommands(CLI::App& app, ClientCommandState& state);

}  // namespace pop::cli
