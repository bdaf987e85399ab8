#include "cli/client_agenda_views.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include <CLI/CLI.hpp>

#include "cli/client_agenda_watch.h"
#include "cli/client_output.h"
#include "core/model/common.h"

namespace pop::cli {
namespace {

constexpr int64_t kDefaultListLimit = 100;
constexpr size_t kOutputWidth = 60;

struct GetOptions {
  ConnectionFlags connection;
  std::string id;
  OutputFormat output = OutputFormat::kTable;
};

struct ListOptions {
  ConnectionFlags connection;
  std::string link_id;
  std::string state;     // waiting, executing, complete, succeeded, failed or cancelled
  std::string customer;  // only this customer's agendas
  std::string since;     // changed within this long ("1h") or since epoch milliseconds
  int64_t limit = kDefaultListLimit;
  OutputFormat output = OutputFormat::kTable;
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

// A diagnostic event on one line: its message and the reason behind it (the first line of its
// stackTrace, e.g. "Error running operations: Operation b has invalid references: ..."), and
// whether the automatic retry leaves it alone.
std::string DiagnosticText(const Json& event) {
  std::string text = StringField(event, "message");
  std::string reason = StringField(event, "stackTrace");
  reason = reason.substr(0, reason.find('\n'));
  if (!reason.empty() && reason != text) text += (text.empty() ? "" : ": ") + reason;
  if (StringField(event, "statusCode") == kStatusNotRetryable) {
    text += " (not retried automatically: a retry would fail the same way)";
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
        diagnostics += "  " + name + ": " + DiagnosticText(events->AsArray()[i]) + "\n";
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
      text += Line("Diagnostic", DiagnosticText(event));
    }
  }
  return text;
}

// "Paused: since ... (pop agenda resume ID)" when the agenda is paused, from its `why` (the pause
// is not part of the agenda or its progress); empty otherwise, or when the server cannot say.
std::string PausedLine(ApiClient& client, const std::string& agenda_id) {
  auto why = client.Call("GET", "/agenda/" + UrlEncode(agenda_id) + "/why");
  if (!why.ok() || !why->is_object()) return "";
  const Json* paused = why->Find("paused");
  if (paused == nullptr || !paused->is_bool() || !paused->AsBool()) return "";
  std::string since;
  if (auto at = IntField(*why, "pausedTime")) {
    since = "since " + FormatTime(*at) + " (" + FormatAge(*at) + " ago); ";
  }
  const Json* insight = why->Find("insightPaused");
  if (insight != nullptr && insight->is_bool() && insight->AsBool()) {
    return Line("Paused", "PAUSED (its insight " + StringField(*why, "insightId") + ") " + since +
                              "resume with: pop insight resume " + StringField(*why, "insightId"));
  }
  return Line("Paused", "PAUSED " + since + "resume with: pop agenda resume " + agenda_id);
}

int RunGet(const GetOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto agenda = FetchAgenda(*client, options.id);
  if (!agenda.ok()) return Fail(agenda.error());
  if (IsStructured(options.output)) {
    Print(Structured(options.output, *agenda));
    return kExitOk;
  }
  auto progress = FetchProgress(*client, StringField(*agenda, "progressId"));
  if (!progress.ok() && progress.error().code != ErrorCode::kNotFound) {
    return Fail(progress.error());
  }
  const Json* shown = progress.ok() ? &*progress : nullptr;
  Print(DescribeAgenda(*agenda, shown) + PausedLine(*client, options.id) +
        OperationsTable(*agenda, shown));
  return kExitOk;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The by-filters of --state: the progress state, and for a finished agenda how it ended.
Result<std::string> StateFilter(const std::string& state) {
  const std::string lowered = Lower(state);
  if (lowered.empty()) return std::string();
  if (lowered == "waiting") return std::string("&byprocessingState=WAITING");
  if (lowered == "executing" || lowered == "running") {
    return std::string("&byprocessingState=EXECUTING");
  }
  if (lowered == "complete") return std::string("&byprocessingState=COMPLETE");
  for (const char* ended : {"succeeded", "failed", "cancelled"}) {
    if (lowered == ended) {
      return "&byprocessingState=COMPLETE&byprocessingStateMessage=" + std::string(ended);
    }
  }
  return Error(ErrorCode::kInvalidArgument,
               "--state must be waiting, executing, complete, succeeded, failed or cancelled, "
               "got '" +
                   state + "'");
}

// `since` as epoch milliseconds: digits alone are epoch milliseconds already; a duration with
// its unit ("90m", "1h") counts back from now.
Result<std::optional<int64_t>> SinceMillis(const std::string& since) {
  if (since.empty()) return std::optional<int64_t>();
  if (since.find_first_not_of("0123456789") == std::string::npos && since.size() < 19) {
    return std::optional<int64_t>(std::stoll(since));
  }
  POP_ASSIGN_OR_RETURN(auto back, ParseDuration(since, "--since"));
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return std::optional<int64_t>((now - back.value_or(std::chrono::milliseconds(0))).count());
}

// GET /progress/agenda newest first with the list's filters: every AgendaProgress names its
// agenda, customer and link and carries its state, so one request answers the list.
Result<std::string> ListQuery(const ListOptions& options) {
  std::string query = "/progress/agenda?byorder=newest&bylimit=" + std::to_string(options.limit) +
                      "&byfields=id,agendaId,customerId,linkId,processingState,"
                      "processingStateMessage,percentComplete,addedTime";
  if (!options.link_id.empty()) query += "&bylinkId=" + UrlEncode(options.link_id);
  if (!options.customer.empty()) query += "&bycustomerId=" + UrlEncode(options.customer);
  POP_ASSIGN_OR_RETURN(std::string state, StateFilter(options.state));
  query += state;
  POP_ASSIGN_OR_RETURN(std::optional<int64_t> since, SinceMillis(options.since));
  if (since) query += "&bysince=" + std::to_string(*since);
  return query;
}

int RunList(const ListOptions& options) {
  if (options.limit < 1 || options.limit > 10'000) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--limit must be between 1 and 10000"));
  }
  auto query = ListQuery(options);
  if (!query.ok()) return Fail(query.error());
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto found = client->Call("GET", *query);
  if (!found.ok()) return Fail(found.error());
  const Json* all = found->Find("all");
  const JsonArray progress = all != nullptr && all->is_array() ? all->AsArray() : JsonArray();
  JsonArray rows;
  Table table({"ID", "CUSTOMER", "STATE", "PERCENT", "ADDED", "AGE"});
  for (const Json& state : progress) {
    auto added = IntField(state, "addedTime");
    table.AddRow({StringField(state, "agendaId"), StringField(state, "customerId"),
                  StateLabel(state), FormatPercent(state.Find("percentComplete")),
                  added ? FormatTime(*added) : "-", added ? FormatAge(*added) : "-"});
    // The agenda's fields, as `agenda get` names them, and its state.
    JsonObject row;
    row.Set("id", Json(StringField(state, "agendaId")));
    for (const char* key : {"customerId", "linkId"}) {
      if (const Json* value = state.Find(key)) row.Set(key, *value);
    }
    row.Set("progressId", Json(StringField(state, "id")));
    for (const char* key :
         {"addedTime", "processingState", "processingStateMessage", "percentComplete"}) {
      if (const Json* value = state.Find(key)) row.Set(key, *value);
    }
    rows.emplace_back(std::move(row));
  }
  Print(IsStructured(options.output) ? Structured(options.output, Json(std::move(rows)))
                                     : table.Render());
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
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(std::move(answer))));
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
  if (auto paused = IntField(view, "pausedTime")) {
    text += Line("Paused", "since " + FormatTime(*paused) + " (" + FormatAge(*paused) + " ago)");
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
  AddOutputFlag(*get, get_options.output);

  CLI::App* list = agenda.add_subcommand("list", "list agendas with their state, newest first");
  auto& list_options = RegisterCommand<ListOptions>(state, list, &RunList);
  AddConnectionFlags(*list, list_options.connection);
  list->add_option("--link-id", list_options.link_id, "only agendas with this linkId");
  list->add_option("--state", list_options.state,
                   "only agendas in this state: waiting, executing, complete, succeeded, failed "
                   "or cancelled");
  list->add_option("--customer", list_options.customer, "only this customer's agendas");
  list->add_option("--since", list_options.since,
                   "only agendas that changed within this long (1h, 30m) or since epoch "
                   "milliseconds");
  list->add_option("--limit", list_options.limit, "at most this many (1-10000)")
      ->capture_default_str();
  AddOutputFlag(*list, list_options.output);

  CLI::App* why = agenda.add_subcommand("why", "say where an agenda stands and why it waits");
  auto& why_options = RegisterCommand<GetOptions>(state, why, &RunWhy);
  AddConnectionFlags(*why, why_options.connection);
  why->add_option("id", why_options.id, "agenda id")->required();
  AddOutputFlag(*why, why_options.output);
}

}  // namespace pop::cli
