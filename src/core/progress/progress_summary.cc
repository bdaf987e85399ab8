#include "core/progress/progress_summary.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace pop {
namespace {

bool EqualsIgnoringCase(const std::string& a, const char* b) {
  std::string lowered(a);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered == b;
}

}  // namespace

ProgressSummary SummarizeProgress(const std::vector<AgendaProgress>& progresses) {
  ProgressSummary summary;
  for (const AgendaProgress& p : progresses) {
    if (p.processing_state_message && EqualsIgnoringCase(*p.processing_state_message, "failed")) {
      summary.state = ProcessingState::kComplete;
      summary.percent.reset();
      return summary;
    }
  }
  double total = 0;
  bool any_executing = false;
  size_t waiting = 0;
  for (const AgendaProgress& p : progresses) {
    total += p.percent_complete.value_or(0.0);
    if (p.processing_state == ProcessingState::kExecuting) any_executing = true;
    if (p.processing_state == ProcessingState::kWaiting) ++waiting;
  }
  summary.percent = progresses.empty() ? 0.0 : std::min(100.0, total / progresses.size());
  if (any_executing) {
    summary.state = ProcessingState::kExecuting;
  } else if (waiting > 0) {
    summary.state =
        waiting == progresses.size() ? ProcessingState::kWaiting : ProcessingState::kExecuting;
  } else {
    summary.state = ProcessingState::kComplete;
  }
  return summary;
}

}  // namespace pop
