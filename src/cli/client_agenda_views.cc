#include "cli/client_agenda_views.h"

#include <map>

#include <CLI/CLI.hpp>

#include "cli/client_agenda_watch.h"
#include "cli/client_output.h"

namespace pop::cli {
namespace {

constexpr int64_t kDefaultListLimit = 100;
constexpr size_t kOutputWidth = 60;

struct GetOptions {
  ConnectionFlags connection;
  std::string id;
  bool json = false;
};

struct ListOptions {
  ConnectionFlags connection;
  std::string link_id;
  int64_t limit = kDefaultListLimit;
  bool json = false;
};

std::string Line(const std::string& label, const std::string& value) {
  std::string padded = label + ":";
  padded.resize(12, ' ');
  return padded + value + "\n";
}

std::string TimeWithAge(const Json& object, const char* key) {
  std::optional<int64_t> millis = IntField(object, key);
  return millis ? FormatTime(*millis) + " (" + FormatAge(*millis) + " ago)" : "-";
}

// An operation's output (the JSON text of its result) on one line, cut at kOutputWidth; "-" when
// it has none. GET /progress/agenda/{progressId} has it whole.
std::string OutputOf(const Json* op_progress) {
  std::string text = op_progress != nullptr ? StringField(*op_progress, "resultPayload") : "";
  if (text.empty()) return "-";
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > kOutputWidth) {
    size_t cut = kOutputWidth - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    text = text.substr(0, cut) + "...";
  }
  return text;
}

std::string OperationsTable(const Json& agenda, const Json* progress) {
  std::map<std::string, const Json*> by_name;
  if (const Json* ops = progress != nullptr ? progress->Find("operationProgress") : nullptr;
      ops != nullptr && ops->is_array()) {
    for (const Json& op : ops->AsArray()) by_name[StringField(op, "operation")] = &op;
  }
  Table table({"OPERATION", "TYPE", "STATE", "PERCENT", "OUTPUT"});
  std::string diagnostics;
  if (const Json* ops = agenda.Find("operations"); ops != nullptr && ops->is_array()) {
    for (const Json& op : ops->AsArray()) {
      const std::string name = StringField(op, "name");
      auto found = by_name.find(name);
      const Json* op_progress = found != by_name.end() ? found->second : nullptr;
      table.AddRow({name, StringField(op, "type"),
                    op_progress != nullptr ? StateLabel(*op_progress) : "-",
                    FormatPercent(op_progress ? op_progress->Find("percentComplete") : nullptr),
                    OutputOf(op_progress)});
      const Json* events = op_progress ? op_progress->Find("diagnosticEvents") : nullptr;
      for (size_t i = 0; events != nullptr && events->is_array() && i < events->AsArray().size();
           ++i) {
        diagnostics += "  " + name + ": " + StringField(events->AsArray()[i], "message") + "\n";
      }
    }
  }
  std::string text = "\n" + table.Render();
  if (!diagnostics.empty()) text += "\nDiagnostics:\n" + diagnostics;
  return text;
}

std::string DescribeAgenda(const Json& agenda, const Json* progress) {
  std::string text = Line("Agenda", StringField(agenda, "id"));
  text += Line("Customer", StringField(agenda, "customerId"));
  if (agenda.Find("linkId") != nullptr) text += Line("Link", StringField(agenda, "linkId"));
  text += Line("Progress", StringField(agenda, "progressId"));
  if (const Json* insight = agenda.Find("agendaInsight"); insight != nullptr) {
    text += Line("Insight", StringField(*insight, "insightId") + " (pool " +
                                StringField(*insight, "resourcePoolId") + ")");
  }
  text += Line("Added", TimeWithAge(agenda, "addedTime"));
  if (progress == nullptr) return text + Line("State", "unknown (no progress)");
  const Json* percent = progress->Find("percentComplete");
  text += Line("State", StateLabel(*progress) +
                            (percent != nullptr ? " (" + FormatPercent(percent) + ")" : ""));
  if (progress->Find("startedTime") != nullptr) {
    text += Line("Started", TimeWithAge(*progress, "startedTime"));
  }
  if (progress->Find("completedTime") != nullptr) {
    text += Line("Completed", TimeWithAge(*progress, "completedTime"));
  }
  auto attempts = IntField(*progress, "attemptsCompleted");
  auto maximum = IntField(*progress, "maximumAttempts");
  if (attempts || maximum) {
    text += Line("Attempts", std::to_string(attempts.value_or(0)) + " of " +
                                 (maximum ? std::to_string(*maximum) : "-"));
  }
  if (const Json* events = progress->Find("diagnosticEvents"); events && events->is_array()) {
    for (const Json& event : events->AsArray()) {
      text += Line("Diagnostic", StringField(event, "message"));
    }
  }
  return text;
}

int RunGet(const GetOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto agenda = FetchAgenda(*client, options.id);
  if (!agenda.ok()) return Fail(agenda.error());
  if (options.json) {
    Print(PrettyJson(*agenda));
    return kExitOk;
  }
  auto progress = FetchProgress(*client, StringField(*agenda, "progressId"));
  if (!progress.ok() && progress.error().code != ErrorCode::kNotFound) {
    return Fail(progress.error());
  }
  const Json* shown = progress.ok() ? &*progress : nullptr;
  Print(DescribeAgenda(*agenda, shown) + OperationsTable(*agenda, shown));
  return kExitOk;
}

std::string Query(const ListOptions& options, const std::string& fields) {
  std::string query = "?bylimit=" + std::to_string(options.limit) + "&byfields=" + fields;
  if (!options.link_id.empty()) query += "&bylinkId=" + UrlEncode(options.link_id);
  return query;
}

// Each agenda's AgendaProgress, by progress id: one query for the same filter (agendas and
// their progress are created together, so it usually covers them all), then one GET for each
// agenda it missed.
Result<std::map<std::string, Json>> ProgressOf(ApiClient& client, const ListOptions& options,
                                               const JsonArray& agendas) {
  const std::string fields = "id,processingState,processingStateMessage,percentComplete";
  POP_ASSIGN_OR_RETURN(Json found, client.Call("GET", "/progress/agenda" + Query(options, fields)));
  std::map<std::string, Json> by_id;
  if (const Json* all = found.Find("all"); all != nullptr && all->is_array()) {
    for (const Json& progress : all->AsArray()) by_id[StringField(progress, "id")] = progress;
  }
  for (const Json& agenda : agendas) {
    const std::string id = StringField(agenda, "progressId");
    if (id.empty() || by_id.count(id) > 0) continue;
    POP_ASSIGN_OR_RETURN(
        Json one, client.Call("GET", "/progress/agenda/" + UrlEncode(id) + "?byfields=" + fields));
    if (const Json* progress = FirstOf(one, "all")) by_id[id] = *progress;
  }
  return by_id;
}

int RunList(const ListOptions& options) {
  if (options.limit < 1 || options.limit > 10'000) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--limit must be between 1 and 10000"));
  }
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto found =
      client->Call("GET", "/agenda" + Query(options, "id,customerId,linkId,progressId,addedTime"));
  if (!found.ok()) return Fail(found.error());
  const Json* all = found->Find("all");
  const JsonArray agendas = all != nullptr && all->is_array() ? all->AsArray() : JsonArray();
  auto progress = ProgressOf(*client, options, agendas);
  if (!progress.ok()) return Fail(progress.error());
  JsonArray rows;
  Table table({"ID", "CUSTOMER", "STATE", "PERCENT", "ADDED", "AGE"});
  for (const Json& agenda : agendas) {
    auto it = progress->find(StringField(agenda, "progressId"));
    const Json* state = it != progress->end() ? &it->second : nullptr;
    auto added = IntField(agenda, "addedTime");
    table.AddRow({StringField(agenda, "id"), StringField(agenda, "customerId"),
                  state != nullptr ? StateLabel(*state) : "-",
                  FormatPercent(state != nullptr ? state->Find("percentComplete") : nullptr),
                  added ? FormatTime(*added) : "-", added ? FormatAge(*added) : "-"});
    JsonObject row = agenda.AsObject();
    for (const char* key : {"processingState", "processingStateMessage", "percentComplete"}) {
      if (const Json* value = state != nullptr ? state->Find(key) : nullptr) row.Set(key, *value);
    }
    rows.emplace_back(std::move(row));
  }
  Print(options.json ? PrettyJson(Json(std::move(rows))) : table.Render());
  return kExitOk;
}

int RunWhy(const GetOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto why = client->Call("GET", "/agenda/" + UrlEncode(options.id) + "/why");
  if (!why.ok()) return Fail(why.error());
  JsonObject answer = why->is_object() ? why->AsObject() : JsonObject();
  answer.Erase("error");
  answer.Erase("cid");
  if (options.json) {
    Print(PrettyJson(Json(std::move(answer))));
    return kExitOk;
  }
  const Json view(std::move(answer));
  std::string text = Line("Agenda", StringField(view, "agendaId", options.id));
  text += Line("State", StringField(view, "state"));
  if (view.Find("insightId") != nullptr) {
    std::string algorithm = StringField(view, "algorithm");
    text += Line("Insight", StringField(view, "insightId") +
                                (algorithm.empty() ? "" : " (" + algorithm + ")"));
  }
  if (auto position = IntField(view, "position")) {
    text +=
        Line("Position", std::to_string(*position) + " (" +
                             std::to_string(IntField(view, "queued").value_or(0)) + " queued, " +
                             std::to_string(IntField(view, "waiting").value_or(0)) +
                             " waiting, queue size " +
                             std::to_string(IntField(view, "queueSize").value_or(0)) + ")");
  }
  if (view.Find("claimedBy") != nullptr) {
    auto lease = IntField(view, "leaseUntil");
    text += Line("Claimed by", StringField(view, "claimedBy") +
                                   (lease ? " (lease until " + FormatTime(*lease) + ")" : ""));
  }
  if (auto polled = IntField(view, "lastPollTime")) {
    const std::string by = StringField(view, "lastPolledBy");
    text += Line("Last poll", FormatTime(*polled) + " (" + FormatAge(*polled) + " ago)" +
                                  (by.empty() ? "" : " by " + by));
  } else if (StringField(view, "pullers") == "NONE") {
    text += Line("Last poll", "none since the server started");
  }
  text += Line("Reason", StringField(view, "reason"));
  Print(text);
  return kExitOk;
}

}  // namespace

void AddAgendaViewCommands(CLI::App& agenda, ClientCommandState& state) {
  CLI::App* get = agenda.add_subcommand("get", "show an agenda and the state of its operations");
  auto& get_options = RegisterCommand<GetOptions>(state, get, &RunGet);
  AddConnectionFlags(*get, get_options.connection);
  get->add_option("id", get_options.id, "agenda id")->required();
  get->add_flag("--json", get_options.json, "print the agenda as the API returns it");

  CLI::App* list = agenda.add_subcommand("list", "list agendas with their state, oldest first");
  auto& list_options = RegisterCommand<ListOptions>(state, list, &RunList);
  AddConnectionFlags(*list, list_options.connection);
  list->add_option("--link-id", list_options.link_id, "only agendas with this linkId");
  list->add_option("--limit", list_options.limit, "at most this many (1-10000)")
      ->capture_default_str();
  list->add_flag("--json", list_options.json, "print the rows as a JSON array");

  CLI::App* why = agenda.add_subcommand("why", "say where an agenda stands and why it waits");
  auto& why_options = RegisterCommand<GetOptions>(state, why, &RunWhy);
  AddConnectionFlags(*why, why_options.connection);
  why->add_option("id", why_options.id, "agenda id")->required();
  why->add_flag("--json", why_options.json, "print the API's answer as JSON");
}

}  // namespace pop::cli
