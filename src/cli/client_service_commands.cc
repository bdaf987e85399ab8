// `pop template run` (POST /agenda/service/run), `pop progress summary`
// (POST /progress/agenda/service) and `pop customer set-weight`
// (POST /resourcepool/service/setCustomerWeight).
#include <CLI/CLI.hpp>

#include "cli/client_agenda_watch.h"
#include "cli/client_object_commands.h"
#include "cli/client_output.h"
#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

struct TemplateRunOptions {
  ConnectionFlags connection;
  std::string id;
  std::string payload;
  std::string payload_file;
  bool wait = false;
  std::string timeout;
  bool quiet = false;
};

struct SummaryOptions {
  ConnectionFlags connection;
  std::string link_id;
  OutputFormat output = OutputFormat::kTable;
};

struct SetWeightOptions {
  ConnectionFlags connection;
  std::string customer;
  double weight = 0;
};

// The payload's JSON text, checked to be JSON (the service wants it as a string).
Result<std::string> PayloadOf(const TemplateRunOptions& options) {
  if (options.payload.empty() == options.payload_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "pass exactly one of --payload and --payload-file");
  }
  std::string text = options.payload;
  std::string source = "--payload";
  if (!options.payload_file.empty()) {
    POP_ASSIGN_OR_RETURN(text, ReadInput(options.payload_file));
    source = options.payload_file == "-" ? "stdin" : options.payload_file;
  }
  POP_RETURN_IF_ERROR(ParseJsonInput(text, source).status());
  return text;
}

int RunTemplate(const TemplateRunOptions& options) {
  auto wait = MakeWaitOptions(options.timeout, options.quiet);
  if (!wait.ok()) return Fail(wait.error());
  auto payload = PayloadOf(options);
  if (!payload.ok()) return Fail(payload.error());
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  JsonObject body;
  body.Set("agendaTemplateId", Json(options.id));
  body.Set("payload", Json(std::move(payload).value()));
  auto response = client->Call("POST", "/agenda/service/run", ToJsonText(Json(std::move(body))));
  if (!response.ok()) return Fail(response.error());
  const Json* agenda = FirstOf(*response, "agendas");
  if (agenda == nullptr) {
    return Fail(Error(ErrorCode::kInternal, "the server ran the template but returned no agenda"));
  }
  const std::string agenda_id = StringField(*agenda, "id");
  const std::string progress_id = StringField(*agenda, "progressId");
  Print(options.quiet ? agenda_id + "\n"
                      : "agenda " + agenda_id + " submitted from template " + options.id +
                            " (progress " + progress_id + ")\n");
  if (!options.wait) return kExitOk;
  return WaitForAgenda(*client, agenda_id, progress_id, *wait);
}

std::string OperationsDone(const Json& progress) {
  const Json* ops = progress.Find("operationProgress");
  if (ops == nullptr || !ops->is_array()) return "-";
  size_t succeeded = 0;
  for (const Json& op : ops->AsArray()) succeeded += StateLabel(op) == "SUCCEEDED" ? 1 : 0;
  return std::to_string(succeeded) + "/" + std::to_string(ops->AsArray().size()) + " succeeded";
}

int RunSummary(const SummaryOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  JsonObject body;
  body.Set("linkId", Json(options.link_id));
  auto response =
      client->Call("POST", "/progress/agenda/service", ToJsonText(Json(std::move(body))));
  if (!response.ok()) return Fail(response.error());
  JsonObject summary = response->is_object() ? response->AsObject() : JsonObject();
  summary.Erase("error");
  summary.Erase("cid");
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(std::move(summary))));
    return kExitOk;
  }
  const Json view(std::move(summary));
  const Json* list = view.Find("progressList");
  const JsonArray progresses = list != nullptr && list->is_array() ? list->AsArray() : JsonArray();
  if (progresses.empty()) {
    // Like `get` of a missing object: the roll-up of nothing would read as a finished link.
    return Fail(Error(ErrorCode::kNotFound, "no agendas with linkId " + options.link_id +
                                                " were found (among those this token may see)"));
  }
  const Json* percent = view.Find("processingPercent");
  std::string text = "link " + options.link_id + ": " + StringField(view, "processingState") +
                     (percent != nullptr ? " " + FormatPercent(percent) : "") + " (" +
                     Plural(progresses.size(), "agenda") + ")\n";
  Table table({"AGENDA", "PROGRESS", "STATE", "PERCENT", "OPERATIONS"});
  for (const Json& progress : progresses) {
    table.AddRow({StringField(progress, "agendaId"), StringField(progress, "id"),
                  StateLabel(progress), FormatPercent(progress.Find("percentComplete")),
                  OperationsDone(progress)});
  }
  if (!progresses.empty()) text += "\n" + table.Render();
  Print(text);
  return kExitOk;
}

int RunSetWeight(const SetWeightOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  JsonObject body;
  body.Set("customerId", Json(options.customer));
  body.Set("weight", Json(options.weight));
  auto response = client->Call("POST", "/resourcepool/service/setCustomerWeight",
                               ToJsonText(Json(std::move(body))));
  if (!response.ok()) return Fail(response.error());
  const Json* customer = response->Find("customer");
  const Json* weight = customer != nullptr ? customer->Find("weight") : nullptr;
  Print("customer " + options.customer + " now has weight " +
        (weight != nullptr ? ToJsonText(*weight) : std::string("?")) + "\n");
  return kExitOk;
}

}  // namespace

void AddSetWeightCommand(CLI::App& customer_command, ClientCommandState& state) {
  CLI::App* command = customer_command.add_subcommand(
      "set-weight", "set a customer's WeightedFair share (the owner of its pool, or a super user)");
  auto& options = RegisterCommand<SetWeightOptions>(state, command, &RunSetWeight);
  AddConnectionFlags(*command, options.connection);
  command->add_option("id", options.customer, "customer id")->required();
  command->add_option("weight", options.weight, "the weight, 0.001 to 1000")->required();
}

void AddTemplateRunCommand(CLI::App& template_command, ClientCommandState& state) {
  CLI::App* run = template_command.add_subcommand("run", "submit an agenda made from a template");
  auto& options = RegisterCommand<TemplateRunOptions>(state, run, &RunTemplate);
  AddConnectionFlags(*run, options.connection);
  run->add_option("id", options.id, "agenda template id")->required();
  CLI::Option* inline_payload =
      run->add_option("--payload", options.payload, "the payload, JSON (@<pop.payload::/...>)");
  CLI::Option* file_payload = run->add_option("--payload-file", options.payload_file,
                                              "read the payload from a file; - reads stdin");
  inline_payload->excludes(file_payload);
  run->add_flag("--wait", options.wait, "follow the agenda until it completes");
  run->add_option("--timeout", options.timeout, "with --wait: give up after this long, exit 4");
  run->add_flag("-q,--quiet", options.quiet, "print only the agenda id");
}

void AddProgressCommands(CLI::App& app, ClientCommandState& state) {
  CLI::App* progress = app.add_subcommand("progress", "progress of agendas");
  progress->require_subcommand(1);
  CLI::App* summary =
      progress->add_subcommand("summary", "roll up the progress of every agenda of a link");
  auto& options = RegisterCommand<SummaryOptions>(state, summary, &RunSummary);
  AddConnectionFlags(*summary, options.connection);
  summary->add_option("--link-id", options.link_id, "the linkId")->required();
  AddOutputFlag(*summary, options.output);
}

}  // namespace pop::cli
