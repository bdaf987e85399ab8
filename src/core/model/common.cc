#include "core/model/common.h"

namespace pop {

const char* ProcessingStateName(ProcessingState state) {
  switch (state) {
    case ProcessingState::kWaiting:
      return "WAITING";
    case ProcessingState::kExecuting:
      return "EXECUTING";
    case ProcessingState::kComplete:
      return "COMPLETE";
  }
  return "WAITING";
}

std::optional<ProcessingState> ParseProcessingState(std::string_view name) {
  if (name == "WAITING") return ProcessingState::kWaiting;
  if (name == "EXECUTING") return ProcessingState::kExecuting;
  if (name == "COMPLETE") return ProcessingState::kComplete;
  return std::nullopt;
}

}  // namespace pop
