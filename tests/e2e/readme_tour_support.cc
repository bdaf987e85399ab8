#include "e2e/readme_tour_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "core/base/check.h"

extern "C" char** environ;  // NOLINT(readability-redundant-declaration)

namespace pop::testing {
namespace {

constexpr std::string_view kBegin = "<!-- tour:begin -->";
constexpr std::string_view kEnd = "<!-- tour:end -->";
constexpr std::string_view kShellFence = "```sh";
constexpr std::string_view kFence = "```";
constexpr std::string_view kArrow = "# \u2192 ";  // "# → "
constexpr std::string_view kAnything = "\u2026";  // "…"
constexpr std::string_view kStepMarker = "@@tour-step ";
constexpr std::string_view kExitMarker = "@@tour-exit ";
constexpr size_t kShownOutput = 6000;

std::string Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const size_t last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A command continues on the next line after a backslash or a dangling operator.
bool Continues(const std::string& command) {
  const std::string end = Trim(command);
  return EndsWith(end, "\\") || EndsWith(end, "|") || EndsWith(end, "&&");
}

// "exit N" sets the expected exit status; any other text is expected in the output.
void AddExpectation(TourStep& step, const std::string& text) {
  if (StartsWith(text, "exit ") && text.size() > 5 &&
      text.find_first_not_of("0123456789", 5) == std::string::npos) {
    step.exit_code = std::atoi(text.c_str() + 5);
  } else {
    step.expected.push_back(text);
  }
}

// Parses one line of a shell block into `tour`. `continues`: the last command goes on.
void ParseShellLine(const std::string& line, int number, bool& continues, Tour& tour) {
  const std::string trimmed = Trim(line);
  if (continues && (trimmed.empty() || trimmed.front() == '#')) {
    // Bash would end the command here or not depending on how it continued: not in a tour.
    tour.error = "line " + std::to_string(number) + ": the command above continues here";
    return;
  }
  if (trimmed.empty()) return;
  if (StartsWith(trimmed, kArrow)) {
    if (tour.steps.empty()) {
      tour.error = "line " + std::to_string(number) + ": an expectation before any command";
      return;
    }
    AddExpectation(tour.steps.back(), Trim(trimmed.substr(kArrow.size())));
    return;
  }
  if (trimmed.front() == '#') return;  // prose for the reader
  std::string command = line;
  std::optional<std::string> expectation;
  if (size_t at = line.find(" " + std::string(kArrow)); at != std::string::npos) {
    expectation = Trim(line.substr(at + 1 + kArrow.size()));
    command = line.substr(0, line.find_last_not_of(' ', at) + 1);
  }
  if (continues) {
    tour.steps.back().command += "\n" + command;
  } else {
    tour.steps.push_back(TourStep{number, command, 0, {}});
  }
  if (expectation) AddExpectation(tour.steps.back(), *expectation);
  continues = Continues(command);
}

std::string Shown(const std::string& output) {
  if (output.size() <= kShownOutput) return output;
  return "[... " + std::to_string(output.size() - kShownOutput) + " bytes ...]\n" +
         output.substr(output.size() - kShownOutput);
}

// The script bash runs: each step between markers that carry its index and exit status.
std::string Script(const std::vector<TourStep>& steps) {
  std::string script;
  for (size_t i = 0; i < steps.size(); ++i) {
    script += "printf '\\n" + std::string(kStepMarker) + "%d@@\\n' " + std::to_string(i) + "\n";
    script += steps[i].command + "\n";
    script +=
        "printf '\\n" + std::string(kExitMarker) + "%d %d@@\\n' " + std::to_string(i) + " \"$?\"\n";
  }
  return script;
}

// Splits bash's output at the markers into the steps' outputs and exit statuses.
void SplitTranscript(const std::string& transcript, TourRun& run) {
  std::istringstream in(transcript);
  std::string line;
  StepRun* current = nullptr;
  while (std::getline(in, line)) {
    if (StartsWith(line, kStepMarker)) {
      const size_t index = std::strtoul(line.c_str() + kStepMarker.size(), nullptr, 10);
      current = index < run.steps.size() ? &run.steps[index] : nullptr;
      if (current != nullptr) current->ran = true;
      continue;
    }
    if (StartsWith(line, kExitMarker)) {
      std::istringstream fields(line.substr(kExitMarker.size()));
      size_t index = 0;
      int code = -1;
      fields >> index >> code;
      if (index < run.steps.size()) run.steps[index].exit_code = code;
      // The marker's leading newline is not the step's.
      if (current != nullptr && EndsWith(current->output, "\n")) current->output.pop_back();
      current = nullptr;
      continue;
    }
    if (current != nullptr) current->output += line + "\n";
  }
}

std::vector<std::string> Environment(
    const std::map<std::string, std::optional<std::string>>& changes) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (changes.count(text.substr(0, text.find('='))) == 0) env.push_back(text);
  }
  for (const auto& [name, value] : changes) {
    if (value) env.push_back(name + "=" + *value);
  }
  return env;
}

// Reads what `fd` has within `wait_ms`; false at end of file.
bool ReadSome(int fd, int wait_ms, std::string& sink) {
  pollfd polled{fd, POLLIN, 0};
  if (poll(&polled, 1, wait_ms) <= 0) return true;
  char buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof(buffer));
  if (n > 0) sink.append(buffer, static_cast<size_t>(n));
  return n > 0 || (n < 0 && errno == EINTR);
}

}  // namespace

Tour ParseTour(const std::string& markdown) {
  Tour tour;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  int regions = 0;
  bool in_tour = false;
  bool in_block = false;
  bool continues = false;
  while (std::getline(in, line) && tour.error.empty()) {
    ++number;
    const std::string trimmed = Trim(line);
    if (in_block) {
      if (trimmed == kFence) {
        in_block = false;
        if (continues) tour.error = "line " + std::to_string(number) + ": a command continues";
      } else {
        ParseShellLine(line, number, continues, tour);
      }
    } else if (trimmed == kBegin) {
      if (in_tour) tour.error = "line " + std::to_string(number) + ": tour:begin inside the tour";
      in_tour = true;
      ++regions;
    } else if (trimmed == kEnd) {
      if (!in_tour) tour.error = "line " + std::to_string(number) + ": tour:end without a begin";
      in_tour = false;
    } else if (in_tour && trimmed == kShellFence) {
      in_block = true;
      continues = false;
    }
  }
  if (tour.error.empty() && (in_tour || in_block)) tour.error = "the tour does not end";
  if (tour.error.empty() && regions == 0) tour.error = "no <!-- tour:begin --> marker";
  if (tour.error.empty() && tour.steps.empty()) tour.error = "the tour has no commands";
  return tour;
}

TourRun RunTour(const std::vector<TourStep>& steps, const std::filesystem::path& working_dir,
                const std::map<std::string, std::optional<std::string>>& environment,
                std::chrono::seconds limit) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  std::string script = Script(steps);
  std::vector<std::string> env_storage = Environment(environment);
  std::vector<char*> envp;
  envp.reserve(env_storage.size() + 1);
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string bash = "/bin/bash";
  std::vector<std::string> arg_storage = {"bash", "--noprofile", "--norc", "-c", script};
  std::vector<char*> argv;
  argv.reserve(arg_storage.size() + 1);
  for (std::string& arg : arg_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int out[2];
  POP_CHECK(pipe2(out, O_CLOEXEC) == 0);
  const pid_t pid = fork();
  POP_CHECK(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0);  // its own group: whatever it leaves running is killed with it
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    if (chdir(working_dir.c_str()) != 0) _exit(126);
    execve(bash.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);
  close(out[1]);
  TourRun run;
  run.steps.resize(steps.size());
  std::string transcript;
  bool open = true;
  bool exited = false;
  while (open && !exited) {
    open = ReadSome(out[0], 100, transcript);
    int status = 0;
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited && Clock::now() - started > limit) {
      run.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      exited = true;
    }
  }
  kill(-pid, SIGKILL);  // background processes the steps left
  if (!exited) waitpid(pid, nullptr, 0);
  for (auto until = Clock::now() + std::chrono::seconds(5); open && Clock::now() < until;) {
    open = ReadSome(out[0], 100, transcript);
  }
  close(out[0]);
  SplitTranscript(transcript, run);
  run.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return run;
}

bool OutputMatches(const std::string& output, const std::string& expected) {
  size_t from = 0;
  size_t piece_start = 0;
  while (true) {
    const size_t piece_end = expected.find(kAnything, piece_start);
    const std::string piece = expected.substr(piece_start, piece_end - piece_start);
    const size_t found = output.find(piece, from);
    if (found == std::string::npos) return false;
    from = found + piece.size();
    if (piece_end == std::string::npos) return true;
    piece_start = piece_end + kAnything.size();
  }
}

std::vector<std::string> Mismatches(const std::vector<TourStep>& steps, const TourRun& run) {
  std::vector<std::string> problems;
  if (run.timed_out) problems.emplace_back("the tour did not finish in time");
  for (size_t i = 0; i < steps.size() && i < run.steps.size(); ++i) {
    const TourStep& step = steps[i];
    const StepRun& ran = run.steps[i];
    const std::string where = "README line " + std::to_string(step.line) + ": " + step.command;
    if (!ran.ran) {
      problems.push_back(where + "\n  did not run (the tour stopped before it)");
      break;
    }
    std::string problem;
    if (ran.exit_code != step.exit_code) {
      problem += "\n  exited " + std::to_string(ran.exit_code) + ", expected " +
                 std::to_string(step.exit_code);
    }
    for (const std::string& text : step.expected) {
      if (!OutputMatches(ran.output, text)) problem += "\n  does not print: " + text;
    }
    if (!problem.empty()) problems.push_back(where + problem + "\n  output:\n" + Shown(ran.output));
  }
  return problems;
}

}  // namespace pop::testing
