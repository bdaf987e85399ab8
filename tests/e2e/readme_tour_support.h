// The README tour as a test: ParseTour takes the shell blocks between `<!-- tour:begin -->` and
// `<!-- tour:end -->` of a Markdown text, one step per command with the `# → ...` lines that
// state what it prints; RunTour runs the steps in order in one bash (so variables carry over),
// and Mismatches lists every step whose exit status or output differs from what it states.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pop::testing {

// One command of the tour, as the reader sees it.
struct TourStep {
  int line = 0;                       // the Markdown line where the command starts
  std::string command;                // its lines (continued by \, |, && or ||), joined by \n
  int exit_code = 0;                  // expected: 0 unless a `# → exit N` line says otherwise
  std::vector<std::string> expected;  // texts its output (stdout and stderr) contains; "…" in a
                                      // text stands for any text, so the pieces come in order
};

struct Tour {
  std::vector<TourStep> steps;
  std::string error;  // a malformed tour: unmatched markers, an expectation before any command
};

// The tour in `markdown`: every ```sh block between a tour:begin and the next tour:end marker.
Tour ParseTour(const std::string& markdown);

// What one step did when it ran.
struct StepRun {
  bool ran = false;
  int exit_code = -1;
  std::string output;
};

struct TourRun {
  std::vector<StepRun> steps;  // one per TourStep, in order
  bool timed_out = false;
  std::chrono::milliseconds took{0};
};

// Runs the steps in one `bash` in `working_dir` with `environment` added to this process's
// (where a value is nullopt, the variable is removed), stdout and stderr together, stdin
// /dev/null. After `limit` the run is stopped. Anything the steps left running in the background
// is killed at the end.
TourRun RunTour(const std::vector<TourStep>& steps, const std::filesystem::path& working_dir,
                const std::map<std::string, std::optional<std::string>>& environment,
                std::chrono::seconds limit);

// One message per step that did not run, exited otherwise than expected, or lacks an expected
// text; each names the Markdown line and the command and shows the output. Empty when all match.
std::vector<std::string> Mismatches(const std::vector<TourStep>& steps, const TourRun& run);

// Whether `output` holds `expected`, where "…" stands for any text.
bool OutputMatches(const std::string& output, const std::string& expected);

}  // namespace pop::testing
