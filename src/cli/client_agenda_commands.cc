// `pop agenda submit|watch|rerun|cancel` (they start, follow or stop a run) and the registration
// of every `agenda` subcommand (pause and resume are in client_pause_commands.cc). The read-only
// views (get, list, why) are in client_agenda_views.cc.
#include "cli/client_agenda_commands.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/agenda_file.h"
#include "cli/client_agenda_views.h"
#include "cli/client_agenda_watch.h"
#include "cli/client_output.h"
#include "cli/client_pause_commands.h"
#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

struct SubmitOptions {
  ConnectionFlags connection;
  std::string file;
  bool wait = false;
  std::string timeout;
  std::string idempotency_key;
  std::string customer;
  bool quiet = false;
};

struct WatchOptions {
  ConnectionFlags connection;
  std::string id;
  std::string timeout;
};

struct RerunOptions {
  ConnectionFlags connection;
  std::string id;
  bool reset_all = false;
  std::vector<std::string> operations;
  bool continue_run = false;
  bool skip_execution = false;
  bool wait = false;
  std::string timeout;
};

struct CancelOptions {
  ConnectionFlags connection;
  std::string id;
  OutputFormat output = OutputFormat::kTable;
};

void AddWaitFlags(CLI::App& command, bool& wait, std::string& timeout) {
  command.add_flag("--wait", wait, "follow the agenda until it completes; exit 1 if it failed");
  command.add_option("--timeout", timeout,
                     "with --wait: give up after this long (e.g. 30s, 10m) and exit 4");
}

struct SubmittedAgenda {
  std::string id;
  std::string progress_id;
};

// --wait over several agendas: each in turn, within one --timeout for all. Returns the first
// timeout or request error at once; else kExitRefusedOrFailed if any failed, else kExitOk.
int WaitForAll(ApiClient& client, const std::vector<SubmittedAgenda>& agendas,
               WaitOptions options) {
  using std::chrono::milliseconds;
  const auto started = std::chrono::steady_clock::now();
  const std::optional<milliseconds> timeout = options.timeout;
  int exit_code = kExitOk;
  for (const SubmittedAgenda& agenda : agendas) {
    if (timeout) {
      const auto spent =
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
      options.timeout = std::max(*timeout - spent, milliseconds(1));
    }
    const int code = WaitForAgenda(client, agenda.id, agenda.progress_id, options);
    if (code == kExitOk) continue;
    if (code != kExitRefusedOrFailed) return code;
    exit_code = code;
  }
  return exit_code;
}

int RunSubmit(const SubmitOptions& options) {
  auto wait = MakeWaitOptions(options.timeout, options.quiet);
  if (!wait.ok()) return Fail(wait.error());
  auto text = ReadInput(options.file);
  if (!text.ok()) return Fail(text.error());
  auto file = ParseAgendaFile(*text, options.file == "-" ? "stdin" : options.file);
  if (!file.ok()) return Fail(file.error());
  for (JsonObject& agenda : file->agendas) {
    if (!agenda.Contains("customerId")) {
      agenda.Set("customerId", Json(ResolveCustomer(options.customer)));
    }
  }
  const size_t count = file->agendas.size();
  Json body;
  if (file->is_batch) {
    JsonArray agendas;
    agendas.reserve(count);
    for (JsonObject& agenda : file->agendas) agendas.emplace_back(std::move(agenda));
    body = Json(std::move(agendas));
  } else {
    body = Json(std::move(file->agendas.front()));
  }
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  HttpHeaders headers;
  if (!options.idempotency_key.empty()) {
    headers.emplace_back("Idempotency-Key", options.idempotency_key);
  }
  auto response = client->Call("POST", "/agenda", ToJsonText(body), headers);
  if (!response.ok()) return Fail(response.error());
  const Json* created = response->Find("all");
  if (created == nullptr || !created->is_array() || created->AsArray().size() != count) {
    return Fail(Error(ErrorCode::kInternal, "the server accepted " + std::to_string(count) +
                                                " agenda(s) but did not return as many"));
  }
  std::vector<SubmittedAgenda> submitted;
  std::string printed;
  for (const Json& agenda : created->AsArray()) {
    SubmittedAgenda one{StringField(agenda, "id"), StringField(agenda, "progressId")};
    printed += options.quiet
                   ? one.id + "\n"
                   : "agenda " + one.id + " submitted (progress " + one.progress_id + ")\n";
    submitted.push_back(std::move(one));
  }
  Print(printed);
  if (!options.wait) return kExitOk;
  return WaitForAll(*client, submitted, *wait);
}

int RunWatch(const WatchOptions& options) {
  auto wait = MakeWaitOptions(options.timeout, false);
  if (!wait.ok()) return Fail(wait.error());
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto agenda = FetchAgenda(*client, options.id);
  if (!agenda.ok()) return Fail(agenda.error());
  return WaitForAgenda(*client, options.id, StringField(*agenda, "progressId"), *wait);
}

int RunRerun(const RerunOptions& options) {
  auto wait = MakeWaitOptions(options.timeout, false);
  if (!wait.ok()) return Fail(wait.error());
  JsonArray params;
  std::string what = "every operation";
  if (options.reset_all) params.emplace_back("resetAll");
  if (!options.operations.empty()) {
    std::string names;
    for (const std::string& name : options.operations) names += (names.empty() ? "" : ",") + name;
    params.emplace_back("operationsToReset=" + names);
    what = "operations " + names + " and what depends on them";
  }
  if (options.continue_run) {
    params.emplace_back("continue");
    what = "what has not succeeded";
  }
  if (options.skip_execution) params.emplace_back("skipExecution");
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  JsonObject body;
  body.Set("agendaId", Json(options.id));
  body.Set("params", Json(std::move(params)));
  auto response = client->Call("POST", "/agenda/service/rerun", ToJsonText(Json(std::move(body))));
  if (!response.ok()) return Fail(response.error());
  Print("agenda " + options.id + " reset (" + what + ")" +
        (options.skip_execution ? "; not scheduled (--skip-execution)\n" : "; scheduled to run\n"));
  if (!options.wait) return kExitOk;
  auto agenda = FetchAgenda(*client, options.id);
  if (!agenda.ok()) return Fail(agenda.error());
  return WaitForAgenda(*client, options.id, StringField(*agenda, "progressId"), *wait);
}

// Exit 0 whether it was cancelled now or had already finished (the output says which).
int RunCancel(const CancelOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  JsonObject body;
  body.Set("agendaId", Json(options.id));
  auto response = client->Call("POST", "/agenda/service/cancel", ToJsonText(Json(std::move(body))));
  if (!response.ok()) return Fail(response.error());
  JsonObject answer = response->is_object() ? response->AsObject() : JsonObject();
  answer.Erase("error");
  answer.Erase("cid");
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(std::move(answer))));
    return kExitOk;
  }
  const Json view(std::move(answer));
  const Json* cancelled = view.Find("cancelled");
  const Json* progress = view.Find("agendaProgress");
  const std::string state = progress != nullptr ? StateLabel(*progress) : "COMPLETE";
  if (cancelled == nullptr || !cancelled->is_bool() || !cancelled->AsBool()) {
    Print("agenda " + options.id + " had already finished (" + state + "); nothing to cancel\n");
    return kExitOk;
  }
  const Json* was_running = view.Find("wasRunning");
  const bool running = was_running != nullptr && was_running->is_bool() && was_running->AsBool();
  Print("agenda " + options.id + " cancelled" +
        (running ? " (it was running: its handlers are being stopped)\n"
                 : " (it had not started: it left its queue)\n"));
  return kExitOk;
}

void AddSubmitCommand(CLI::App& agenda, ClientCommandState& state) {
  CLI::App* command =
      agenda.add_subcommand("submit", "submit an agenda, or several at once (a JSON file)");
  auto& options = RegisterCommand<SubmitOptions>(state, command, &RunSubmit);
  AddConnectionFlags(*command, options.connection);
  command
      ->add_option("-f,--file", options.file,
                   "the agenda JSON; a JSON array or JSON lines (one agenda per line) submits "
                   "them all in one transaction (at most the server's --max-batch); - reads stdin")
      ->required();
  AddWaitFlags(*command, options.wait, options.timeout);
  command->add_option("--idempotency-key", options.idempotency_key,
                      "a repeated key returns the agenda (or agendas) first submitted with it");
  command->add_option("--customer", options.customer,
                      "customerId when the file has none (env POP_CUSTOMER, default dev)");
  command->add_flag("-q,--quiet", options.quiet,
                    "print only the agenda id; with --wait show no progress");
}

void AddWatchCommand(CLI::App& agenda, ClientCommandState& state) {
  CLI::App* command = agenda.add_subcommand("watch", "follow an agenda until it completes");
  auto& options = RegisterCommand<WatchOptions>(state, command, &RunWatch);
  AddConnectionFlags(*command, options.connection);
  command->add_option("id", options.id, "agenda id")->required();
  command->add_option("--timeout", options.timeout, "give up after this long and exit 4");
}

void AddRerunCommand(CLI::App& agenda, ClientCommandState& state) {
  CLI::App* command = agenda.add_subcommand("rerun", "run an agenda again");
  auto& options = RegisterCommand<RerunOptions>(state, command, &RunRerun);
  AddConnectionFlags(*command, options.connection);
  command->add_option("id", options.id, "agenda id")->required();
  CLI::Option* all =
      command->add_flag("--reset-all", options.reset_all, "reset every operation (the default)");
  CLI::Option* some = command
                          ->add_option("--operations", options.operations,
                                       "reset these operations (a,b) and their dependents")
                          ->delimiter(',');
  CLI::Option* resume = command->add_flag("--continue", options.continue_run,
                                          "reset nothing; run what has not succeeded yet");
  all->excludes(some)->excludes(resume);
  some->excludes(resume);
  CLI::Option* skip = command->add_flag("--skip-execution", options.skip_execution,
                                        "reset the progress but do not schedule the agenda");
  AddWaitFlags(*command, options.wait, options.timeout);
  skip->excludes("--wait");
}

void AddCancelCommand(CLI::App& agenda, ClientCommandState& state) {
  CLI::App* command = agenda.add_subcommand(
      "cancel", "stop an agenda: take it out of its queue, or stop its running handlers");
  auto& options = RegisterCommand<CancelOptions>(state, command, &RunCancel);
  AddConnectionFlags(*command, options.connection);
  command->add_option("id", options.id, "agenda id")->required();
  AddOutputFlag(*command, options.output);
}

}  // namespace

void AddAgendaCommands(CLI::App& app, ClientCommandState& state) {
  CLI::App* agenda =
      app.add_subcommand("agenda", "submit, inspect, rerun, cancel, pause and resume agendas");
  agenda->require_subcommand(1);
  AddSubmitCommand(*agenda, state);
  AddAgendaViewCommands(*agenda, state);
  AddWatchCommand(*agenda, state);
  AddRerunCommand(*agenda, state);
  AddCancelCommand(*agenda, state);
  AddAgendaPauseCommands(*agenda, state);
  AddAgendaLogsCommand(*agenda, state);
}

}  // namespace pop::cli
