#include "cli/client_commands.h"

#include <CLI/CLI.hpp>

#include "cli/client_agenda_commands.h"
#include "cli/client_audit_commands.h"
#include "cli/client_object_commands.h"
#include "cli/client_token_commands.h"

namespace pop::cli {

void AddClientCommands(CLI::App& app, ClientCommandState& state) {
  AddAgendaCommands(app, state);
  AddObjectCommands(app, state);
  AddTokenCommands(app, state);
  AddAuditCommands(app, state);
}

int RunClientCommand(const ClientCommandState& state) {
  for (const ClientCommandState::Entry& entry : state.commands) {
    if (entry.app->parsed()) return entry.command->Run();
  }
  return -1;
}

}  // namespace pop::cli
