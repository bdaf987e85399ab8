#include "cli/client_agenda_watch.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>
#include <vector>

#include "cli/client_command.h"
#include "cli/client_output.h"

namespace pop::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kBarWidth = 30;
constexpr size_t kMaxNameWidth = 40;
constexpr char kClearLine[] = "\x1b[2K";
constexpr char kReset[] = "\x1b[0m";

const char* ColorOf(const std::string& state) {
  if (state == "SUCCEEDED") return "\x1b[32m";
  if (state == "FAILED") return "\x1b[31m";
  if (state == "EXECUTING") return "\x1b[33m";
  return "\x1b[2m";
}

double PercentOf(const Json& progress) {
  const Json* percent = progress.Find("percentComplete");
  double value = percent != nullptr && percent->is_number() ? percent->AsDouble() : 0.0;
  return std::clamp(value, 0.0, 100.0);
}

const JsonArray& OperationsOf(const Json& progress) {
  static const JsonArray kNone;
  const Json* operations = progress.Find("operationProgress");
  return operations != nullptr && operations->is_array() ? operations->AsArray() : kNone;
}

std::vector<std::string> DiagnosticsOf(const Json& progress) {
  std::vector<std::string> messages;
  const Json* events = progress.Find("diagnosticEvents");
  if (events == nullptr || !events->is_array()) return messages;
  for (const Json& event : events->AsArray()) {
    std::string message = StringField(event, "message");
    if (!message.empty()) messages.push_back(message);
  }
  return messages;
}

std::string PadRight(std::string text, size_t width) {
  if (text.size() > width) return text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

// Draws the progress of one Agenda: redrawn in place on a terminal, else a line per change.
class ProgressDisplay {
 public:
  ProgressDisplay(std::string agenda_id, bool live)
      : agenda_id_(std::move(agenda_id)), live_(live) {}

  void Update(const Json& progress, double elapsed) {
    if (live_) {
      Redraw(progress, elapsed);
    } else {
      PrintChanges(progress, elapsed);
    }
  }

 private:
  void Redraw(const Json& progress, double elapsed) {
    const JsonArray& operations = OperationsOf(progress);
    size_t name_width = 4;
    for (const Json& op : operations) {
      name_width = std::max(name_width, StringField(op, "operation").size());
    }
    name_width = std::min(name_width, kMaxNameWidth);
    std::string state = StateLabel(progress);
    std::string frame = drawn_lines_ > 0 ? "\x1b[" + std::to_string(drawn_lines_) + "A" : "";
    frame += std::string(kClearLine) + "agenda " + agenda_id_ + "  " + ColorOf(state) + state +
             kReset + "  " + std::to_string(std::lround(PercentOf(progress))) + "%  " +
             FormatElapsed(elapsed) + "\n";
    for (const Json& op : operations) {
      double percent = PercentOf(op);
      std::string op_state = StateLabel(op);
      auto filled = static_cast<size_t>(std::lround(percent * kBarWidth / 100.0));
      char percent_text[8];
      std::snprintf(percent_text, sizeof(percent_text), "%3d%%", static_cast<int>(percent));
      frame += std::string(kClearLine) + "  " + PadRight(StringField(op, "operation"), name_width) +
               "  [" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] " +
               percent_text + "  " + ColorOf(op_state) + op_state + kReset + "\n";
    }
    size_t lines = operations.size() + 1;
    // Fewer lines than last time (not expected; operations are only ever added): blank the rest.
    for (size_t extra = lines; extra < drawn_lines_; ++extra) {
      frame += kClearLine;
      frame += "\n";
    }
    if (drawn_lines_ > lines) frame += "\x1b[" + std::to_string(drawn_lines_ - lines) + "A";
    drawn_lines_ = lines;
    Print(frame);
  }

  void PrintChanges(const Json& progress, double elapsed) {
    std::string text;
    const std::string stamp = "[" + FormatElapsed(elapsed) + "] ";
    for (const Json& op : OperationsOf(progress)) {
      std::string name = StringField(op, "operation");
      std::string op_state = StateLabel(op);
      auto [it, inserted] = operation_states_.emplace(name, "WAITING");
      if (it->second == op_state) continue;
      it->second = op_state;
      text += stamp;
      text += "operation " + name;
      text += ": " + op_state;
      text += " (" + FormatPercent(op.Find("percentComplete")) + ")\n";
    }
    // The agenda's own line last: its operations' changes explain it.
    std::string state = StateLabel(progress);
    if (state != agenda_state_) {
      text += stamp + "agenda " + agenda_id_ + ": " + state + "\n";
      agenda_state_ = state;
    }
    if (!text.empty()) Print(text);
  }

  std::string agenda_id_;
  bool live_;
  size_t drawn_lines_ = 0;
  std::string agenda_state_;
  std::map<std::string, std::string> operation_states_;
};

// The outcome of a completed Agenda: which operations failed and why, which never ran.
std::string Outcome(const std::string& agenda_id, const Json& progress, double elapsed) {
  std::string state = StateLabel(progress);
  const JsonArray& operations = OperationsOf(progress);
  if (state == "SUCCEEDED") {
    return "agenda " + agenda_id + " succeeded in " + FormatElapsed(elapsed) + " (" +
           Plural(operations.size(), "operation") + ")\n";
  }
  std::string text = "agenda " + agenda_id + " " +
                     (state == "FAILED" ? std::string("failed") : "completed as " + state) +
                     " after " + FormatElapsed(elapsed) + "\n";
  std::vector<std::string> not_run;
  for (const Json& op : operations) {
    std::string name = StringField(op, "operation");
    std::string op_state = StateLabel(op);
    if (op_state == "FAILED") {
      std::vector<std::string> messages = DiagnosticsOf(op);
      text += "  operation " + name + " failed" +
              (messages.empty() ? std::string() : ": " + messages.front()) + "\n";
      for (size_t i = 1; i < messages.size(); ++i) text += "    " + messages[i] + "\n";
    } else if (op_state != "SUCCEEDED") {
      not_run.push_back(name.append(" (").append(op_state).append(")"));
    }
  }
  for (const std::string& message : DiagnosticsOf(progress)) {
    text += "  diagnostic: " + message + "\n";
  }
  if (!not_run.empty()) {
    text += "  did not finish:";
    for (const std::string& name : not_run) text += " " + name;
    text += "\n";
  }
  return text;
}

// When an agenda still waits after kPullerCheckAfter and no puller polls its insight, the wait
// says so once (on stderr): otherwise it would wait in silence for work nobody takes.
constexpr std::chrono::seconds kPullerCheckAfter{1};

void SayWhenNoPullerPolls(ApiClient& client, const std::string& agenda_id) {
  Result<Json> why = client.Call("GET", "/agenda/" + UrlEncode(agenda_id) + "/why");
  if (!why.ok()) return;  // only a hint: the wait goes on either way
  const std::string pullers = StringField(*why, "pullers");
  if (pullers != "NONE" && pullers != "IDLE") return;
  std::fprintf(stderr, "pop: agenda %s is %s: %s\n", agenda_id.c_str(),
               StringField(*why, "state").c_str(), StringField(*why, "reason").c_str());
}

}  // namespace

Result<Json> FetchProgress(ApiClient& client, const std::string& progress_id) {
  POP_ASSIGN_OR_RETURN(Json response,
                       client.Call("GET", "/progress/agenda/" + UrlEncode(progress_id)));
  const Json* progress = FirstOf(response, "all");
  if (progress == nullptr) {
    return Error(ErrorCode::kNotFound, "agenda progress " + progress_id + " not found");
  }
  return *progress;
}

Result<Json> FetchAgenda(ApiClient& client, const std::string& agenda_id) {
  POP_ASSIGN_OR_RETURN(Json response, client.Call("GET", "/agenda/" + UrlEncode(agenda_id)));
  const Json* agenda = FirstOf(response, "all");
  if (agenda == nullptr) return Error(ErrorCode::kNotFound, "agenda " + agenda_id + " not found");
  return *agenda;
}

Result<WaitOptions> MakeWaitOptions(const std::string& timeout, bool quiet) {
  WaitOptions options;
  POP_ASSIGN_OR_RETURN(options.timeout, ParseDuration(timeout, "--timeout"));
  options.live = !quiet && isatty(STDOUT_FILENO) == 1;
  options.quiet = quiet;
  return options;
}

int WaitForAgenda(ApiClient& client, const std::string& agenda_id, const std::string& progress_id,
                  const WaitOptions& options) {
  const auto started = SteadyClock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(SteadyClock::now() - started).count();
  };
  ProgressDisplay display(agenda_id, options.live);
  bool pullers_checked = false;
  while (true) {
    Result<Json> progress = FetchProgress(client, progress_id);
    if (!progress.ok()) return Fail(progress.error());
    if (!options.quiet) display.Update(*progress, elapsed());
    if (!pullers_checked && SteadyClock::now() - started >= kPullerCheckAfter &&
        StateLabel(*progress) == "WAITING") {
      pullers_checked = true;
      SayWhenNoPullerPolls(client, agenda_id);
    }
    if (IsComplete(*progress)) {
      std::string outcome = Outcome(agenda_id, *progress, elapsed());
      bool succeeded = StateLabel(*progress) == "SUCCEEDED";
      if (!options.quiet) {
        Print(outcome);
      } else if (!succeeded) {
        std::fputs(outcome.c_str(), stderr);
      }
      return succeeded ? kExitOk : kExitRefusedOrFailed;
    }
    if (options.timeout && SteadyClock::now() - started >= *options.timeout) {
      std::fprintf(stderr,
                   "pop: timed out after %s waiting for agenda %s (still %s, %s); "
                   "`pop agenda why %s` says why\n",
                   FormatElapsed(elapsed()).c_str(), agenda_id.c_str(),
                   StateLabel(*progress).c_str(),
                   FormatPercent(progress->Find("percentComplete")).c_str(), agenda_id.c_str());
      return kExitTimedOut;
    }
    auto next = kPollInterval;
    if (options.timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *options.timeout - (SteadyClock::now() - started));
      next = std::clamp(left, std::chrono::milliseconds(1), kPollInterval);
    }
    std::this_thread::sleep_for(next);
  }
}

}  // namespace pop::cli
