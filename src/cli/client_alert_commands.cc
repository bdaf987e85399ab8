#include "cli/client_alert_commands.h"

#include <CLI/CLI.hpp>

#include "cli/client_output.h"

namespace pop::cli {
namespace {

struct AlertListOptions {
  ConnectionFlags connection;
  std::string status;  // "", "firing" or "resolved"
  OutputFormat output = OutputFormat::kTable;
};

int RunAlertList(const AlertListOptions& options) {
  if (!options.status.empty() && options.status != "firing" && options.status != "resolved") {
    return Fail(Error(ErrorCode::kInvalidArgument, "--status must be firing or resolved"));
  }
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto found =
      client->Call("GET", options.status.empty() ? "/alert" : "/alert?status=" + options.status);
  if (!found.ok()) return Fail(found.error());
  const Json* all = found->Find("all");
  const JsonArray alerts = all != nullptr && all->is_array() ? all->AsArray() : JsonArray();
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(alerts)));
    return kExitOk;
  }
  Table table(
      {"STATUS", "RULE", "INSIGHT", "CUSTOMER", "AGENDA", "COUNT", "FIRST", "LAST", "SUMMARY"});
  for (const Json& a : alerts) {
    table.AddRow({StringField(a, "status"), StringField(a, "rule"), StringField(a, "insightId"),
                  StringField(a, "customerId"), StringField(a, "agendaId"),
                  ScalarText(a.Find("count")), StringField(a, "firstSeen"),
                  StringField(a, "lastSeen"), StringField(a, "summary")});
  }
  Print(table.Render());
  return kExitOk;
}

}  // namespace

void AddAlertCommands(CLI::App& app, ClientCommandState& state) {
  CLI::App* group = app.add_subcommand("alert", "alerts the server's rules raised");
  group->require_subcommand(1);
  CLI::App* list =
      group->add_subcommand("list", "list alerts firing now, then those resolved lately");
  auto& options = RegisterCommand<AlertListOptions>(state, list, &RunAlertList);
  AddConnectionFlags(*list, options.connection);
  list->add_option("--status", options.status, "only firing or only resolved alerts");
  AddOutputFlag(*list, options.output);
}

}  // namespace pop::cli
