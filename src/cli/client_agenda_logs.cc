// `pop agenda logs ID [--operation NAME] [--follow]`: the operation logs of an Agenda
// (GET /progress/operation/{progressId}-{name}/log, text/plain), each under a "==> name <=="
// header, or one operation's alone. --follow polls until the Agenda completes and prints only
// what is new, using the X-pop-log-dropped-bytes header to keep its place in a log whose head
// the server trimmed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/client_agenda_commands.h"
#include "cli/client_agenda_watch.h"
#include "cli/client_output.h"

namespace pop::cli {
namespace {

struct LogsOptions {
  ConnectionFlags connection;
  std::string id;
  std::string operation;
  bool follow = false;
};

// Where the printed part of one operation's log ends, counted from the log's true beginning
// (bytes the server dropped included).
struct LogPlace {
  size_t printed = 0;
  bool finished = false;  // COMPLETE and read after that: nothing more will come
};

// The log of one operation. `dropped` is how many earlier bytes the server trimmed; the body
// then starts with a marker line that is not part of the log.
struct OperationLog {
  std::string text;
  size_t dropped = 0;
  std::string marker;
};

Result<OperationLog> FetchLog(ApiClient& client, const std::string& progress_id,
                              const std::string& operation) {
  POP_ASSIGN_OR_RETURN(
      TextResponse response,
      client.GetText("/progress/operation/" + UrlEncode(progress_id + "-" + operation) + "/log"));
  OperationLog log;
  log.text = std::move(response.body);
  if (const std::string* dropped = response.Header("x-pop-log-dropped-bytes")) {
    log.dropped = std::strtoull(dropped->c_str(), nullptr, 10);
    size_t newline = log.text.find('\n');
    if (log.dropped > 0 && newline != std::string::npos) {
      log.marker = log.text.substr(0, newline + 1);
      log.text.erase(0, newline + 1);
    }
  }
  return log;
}

std::vector<std::string> OperationNames(const Json& agenda, const Json& progress) {
  std::vector<std::string> names;
  // The progress lists generated operations too; the agenda is the fallback.
  const Json* ops = progress.Find("operationProgress");
  if (ops != nullptr && ops->is_array() && !ops->AsArray().empty()) {
    for (const Json& op : ops->AsArray()) names.push_back(StringField(op, "operation"));
    return names;
  }
  if (const Json* listed = agenda.Find("operations"); listed != nullptr && listed->is_array()) {
    for (const Json& op : listed->AsArray()) names.push_back(StringField(op, "name"));
  }
  return names;
}

// Prints `operation`'s new output, with a header when another operation printed last.
class LogPrinter {
 public:
  explicit LogPrinter(bool headers) : headers_(headers) {}

  void Show(const std::string& operation, const std::string& text) {
    if (text.empty()) return;
    std::string out;
    if (headers_ && operation != last_) {
      if (!at_line_start_) out += "\n";
      out += (last_.empty() ? "" : "\n") + std::string("==> ") + operation + " <==\n";
      last_ = operation;
    }
    out += text;
    at_line_start_ = text.back() == '\n';
    Print(out);
  }

  void Header(const std::string& operation) {
    if (!headers_) return;
    std::string out = at_line_start_ ? "" : "\n";
    out += (last_.empty() ? "" : "\n") + std::string("==> ") + operation + " <==\n";
    Print(out);
    last_ = operation;
    at_line_start_ = true;
  }

 private:
  bool headers_;
  std::string last_;
  bool at_line_start_ = true;
};

int PrintAllOnce(ApiClient& client, const std::string& progress_id,
                 const std::vector<std::string>& names, bool headers) {
  LogPrinter printer(headers);
  for (const std::string& name : names) {
    auto log = FetchLog(client, progress_id, name);
    if (!log.ok()) return Fail(log.error());
    printer.Header(name);
    printer.Show(name, log->marker + log->text);
  }
  return kExitOk;
}

// One round of --follow: prints what is new in every operation not yet finished.
Status FollowRound(ApiClient& client, const std::string& progress_id, const Json& progress,
                   const std::vector<std::string>& names, std::map<std::string, LogPlace>& places,
                   LogPrinter& printer) {
  std::map<std::string, std::string> states;
  if (const Json* ops = progress.Find("operationProgress"); ops != nullptr && ops->is_array()) {
    for (const Json& op : ops->AsArray()) states[StringField(op, "operation")] = StateLabel(op);
  }
  for (const std::string& name : names) {
    LogPlace& place = places[name];
    const std::string& state = states[name];
    if (place.finished || state.empty() || state == "WAITING") continue;
    POP_ASSIGN_OR_RETURN(OperationLog log, FetchLog(client, progress_id, name));
    const size_t end = log.dropped + log.text.size();
    if (place.printed < log.dropped) {  // the server trimmed output we never saw
      printer.Show(name, log.marker + log.text);
    } else if (end > place.printed) {
      printer.Show(name, log.text.substr(place.printed - log.dropped));
    }
    place.printed = std::max(place.printed, end);
    place.finished = state != "EXECUTING";
  }
  return Status::Ok();
}

// The operations whose logs to show: every one, or the one --operation names.
// Errors: kNotFound when the agenda has no such operation.
Result<std::vector<std::string>> SelectOperations(const LogsOptions& options, const Json& agenda,
                                                  const Json& progress) {
  std::vector<std::string> names = OperationNames(agenda, progress);
  if (options.operation.empty()) return names;
  if (std::find(names.begin(), names.end(), options.operation) == names.end()) {
    std::string known;
    for (const std::string& name : names) known += (known.empty() ? "" : ", ") + name;
    return Error(ErrorCode::kNotFound, "agenda " + options.id + " has no operation '" +
                                           options.operation + "' (it has: " + known + ")");
  }
  return std::vector<std::string>{options.operation};
}

int FollowLogs(ApiClient& client, const LogsOptions& options, const Json& agenda,
               const std::string& progress_id) {
  std::map<std::string, LogPlace> places;
  LogPrinter printer(options.operation.empty());
  bool told = false;
  while (true) {
    auto progress = FetchProgress(client, progress_id);
    if (!progress.ok()) return Fail(progress.error());
    // Read before the logs: once COMPLETE, the logs fetched after it are final.
    const bool complete = IsComplete(*progress);
    auto names = SelectOperations(options, agenda, *progress);
    if (!names.ok()) return Fail(names.error());
    Status round = FollowRound(client, progress_id, *progress, *names, places, printer);
    if (!round.ok()) return Fail(round.error());
    if (complete) return kExitOk;
    if (!told) {
      // On stderr, so that stdout holds only the logs: says what it waits for.
      const std::string note = "following agenda " + options.id + " (" + StateLabel(*progress) +
                               ") until it completes; Ctrl-C stops\n";
      std::fwrite(note.data(), 1, note.size(), stderr);
      told = true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

int RunLogs(const LogsOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto agenda = FetchAgenda(*client, options.id);
  if (!agenda.ok()) return Fail(agenda.error());
  const std::string progress_id = StringField(*agenda, "progressId");
  if (options.follow) return FollowLogs(*client, options, *agenda, progress_id);
  auto progress = FetchProgress(*client, progress_id);
  if (!progress.ok()) return Fail(progress.error());
  auto names = SelectOperations(options, *agenda, *progress);
  if (!names.ok()) return Fail(names.error());
  return PrintAllOnce(*client, progress_id, *names, options.operation.empty());
}

}  // namespace

void AddAgendaLogsCommand(CLI::App& agenda, ClientCommandState& state) {
  CLI::App* command = agenda.add_subcommand("logs", "print the operation logs of an agenda");
  auto& options = RegisterCommand<LogsOptions>(state, command, &RunLogs);
  AddConnectionFlags(*command, options.connection);
  command->add_option("id", options.id, "agenda id")->required();
  command->add_option("--operation", options.operation, "only this operation's log");
  command->add_flag("-f,--follow", options.follow,
                    "keep printing new output until the agenda completes");
}

}  // namespace pop::cli
