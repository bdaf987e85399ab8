// The labels pop puts on the pods it creates (executor pods of the puller, operation pods of the
// executor), so that a cancel, the execution limit and the PodReaper find them by selector and
// never touch a pod pop did not make. Shared by both sides: keep it the one list.
#pragma once

#include <string_view>

namespace pop::app {

inline constexpr std::string_view kLabelAgendaId = "pop.agendaId";
inline constexpr std::string_view kLabelInsightId = "pop.insightId";
inline constexpr std::string_view kLabelResourcePoolId = "pop.resourcePoolId";
// "executor" or "operation".
inline constexpr std::string_view kLabelComponent = "pop.component";
inline constexpr std::string_view kLabelPullerId = "pop.pullerId";
// The annotation an executor puts on its own pod after its final report and before it deletes
// the pod (executor.reap.self): "succeeded" or "failed". The puller then takes the pod's deletion
// as the executor's normal end, not as a lost executor.
inline constexpr std::string_view kAnnotationExecutorFinished = "pop.executor.finished";

// Whether `value` may be a label value (at most 63 characters of [A-Za-z0-9-_.], starting and
// ending with an alphanumeric one; empty is allowed).
inline bool IsLabelValue(std::string_view value) {
  if (value.size() > 63) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  for (char c : value) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return value.empty() || (alnum(value.front()) && alnum(value.back()));
}

}  // namespace pop::app
