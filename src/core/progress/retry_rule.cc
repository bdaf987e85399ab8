#include "core/progress/retry_rule.h"

#include <algorithm>
#include <cctype>

namespace pop {

bool ShouldRetry(const AgendaProgress& progress) {
  if (progress.processing_state != ProcessingState::kComplete) return false;
  if (!progress.processing_state_message) return false;
  std::string message = *progress.processing_state_message;
  std::transform(message.begin(), message.end(), message.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (message != kMessageFailed) return false;
  for (const DiagnosticEvent& event :
       progress.diagnostic_events.value_or(std::vector<DiagnosticEvent>{})) {
    if (event.status_code == kStatusNotRetryable) return false;
  }
  const int64_t attempts = progress.attempts_completed.value_or(1);
  const int64_t allowed =
      std::min(kMaxRetryAttempts, progress.maximum_attempts.value_or(kDefaultMaximumAttempts));
  return attempts < allowed;
}

}  // namespace pop
