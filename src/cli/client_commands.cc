#include "cli/client_commands.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>

#include "cli/client_agenda_commands.h"
#include "cli/client_alert_commands.h"
#include "cli/client_audit_commands.h"
#include "cli/client_object_commands.h"
#include "cli/client_token_commands.h"

namespace pop::cli {
namespace {

// Whether stdout is a terminal, decided before any signal can arrive (isatty is not
// async-signal-safe).
volatile std::sig_atomic_t g_stdout_is_terminal = 0;

extern "C" void ExitOnTerminationSignal(int signal_number) {
  // A live display (agenda watch) may have left the cursor mid-line: the shell prompt starts on
  // a line of its own.
  if (g_stdout_is_terminal != 0) {
    const char newline = '\n';
    (void)!::write(STDOUT_FILENO, &newline, 1);
  }
  ::_exit(128 + signal_number);
}

void ExitOnTerminationSignals() {
  g_stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1 ? 1 : 0;
  struct sigaction action {};
  action.sa_handler = &ExitOnTerminationSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  // A closed pipe (`pop agenda list | head`) is an EPIPE error of the write, not a silent death.
  ::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

void AddClientCommands(CLI::App& app, ClientCommandState& state) {
  AddAgendaCommands(app, state);
  AddObjectCommands(app, state);
  AddTokenCommands(app, state);
  AddAlertCommands(app, state);
  AddAuditCommands(app, state);
}

int RunClientCommand(const ClientCommandState& state) {
  for (const ClientCommandState::Entry& entry : state.commands) {
    if (entry.app->parsed()) {
      ExitOnTerminationSignals();
      return entry.command->Run();
    }
  }
  return -1;
}

}  // namespace pop::cli
