#include "cli/client_pause_commands.h"

#include <string>

#include <CLI/CLI.hpp>

#include "cli/client_output.h"
#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

struct PauseOptions {
  ConnectionFlags connection;
  std::string id;
  OutputFormat output = OutputFormat::kTable;
  bool pause = true;
  const char* target = "agenda";  // agenda or insight: the route and the body's id field
};

// Exit 0 when the agenda or insight is now as asked, whether this call changed it or it was
// so already (the output says which); a refusal (a finished agenda, an unknown id) exits 1.
int RunPause(const PauseOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  const std::string target = options.target;
  JsonObject body;
  body.Set(target + "Id", Json(options.id));
  auto response =
      client->Call("POST", "/" + target + "/service/" + (options.pause ? "pause" : "resume"),
                   ToJsonText(Json(std::move(body))));
  if (!response.ok()) return Fail(response.error());
  JsonObject answer = response->is_object() ? response->AsObject() : JsonObject();
  answer.Erase("error");
  answer.Erase("cid");
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(std::move(answer))));
    return kExitOk;
  }
  const Json view(std::move(answer));
  std::string text = StringField(view, "message");
  if (options.pause && target == "agenda") {
    text += "; resume it with: pop agenda resume " + options.id;
  } else if (options.pause) {
    text += "; resume it with: pop insight resume " + options.id;
  }
  Print(text + "\n");
  return kExitOk;
}

void AddPauseCommands(CLI::App& group, ClientCommandState& state, const char* target,
                      const std::string& pause_help, const std::string& resume_help) {
  for (bool pause : {true, false}) {
    CLI::App* command =
        group.add_subcommand(pause ? "pause" : "resume", pause ? pause_help : resume_help);
    auto& options = RegisterCommand<PauseOptions>(state, command, &RunPause);
    options.pause = pause;
    options.target = target;
    AddConnectionFlags(*command, options.connection);
    command->add_option("id", options.id, std::string(target) + " id")->required();
    AddOutputFlag(*command, options.output);
  }
}

}  // namespace

void AddAgendaPauseCommands(CLI::App& agenda_command, ClientCommandState& state) {
  AddPauseCommands(agenda_command, state, "agenda",
                   "pause an agenda: it is not claimed, and its executor starts no new operation "
                   "(running ones finish) until it is resumed",
                   "resume a paused agenda: it is claimed again, or its executor starts the "
                   "ready operations at once");
}

void AddInsightPauseCommands(CLI::App& insight_command, ClientCommandState& state) {
  AddPauseCommands(insight_command, state, "insight",
                   "pause an insight: nothing is claimed from it until it is resumed (claimed "
                   "and running agendas go on)",
                   "resume a paused insight: its pullers are served at once");
}

}  // namespace pop::cli
