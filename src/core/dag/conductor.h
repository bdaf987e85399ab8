// Conductor: the bookkeeping of one Agenda execution (spec §14.3, §14.6, fixed per
// docs/compat.md): which operations may start now, each with its payload resolved against the
// outputs so far; what happens when one ends; operations that prior progress already completed;
// operations generators add. Pure and single-threaded: the executor (app/executor) owns the
// threads and the launchers. Dependencies are counted, so readiness costs O(edges) in total
// however large the Agenda. Thread-compatible.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/agenda.h"
#include "core/model/operation_progress.h"
#include "core/params/reference_replacer.h"

namespace pop {

// An operation that may start now.
struct ReadyOperation {
  std::string name;
  std::string type;
  std::optional<std::string> id;
  Json payload;  // references resolved
  std::optional<ParamsMap> params;
  std::optional<OperationProgress> prior_progress;  // an earlier attempt's progress (LAST_PROGRESS)
};

class Conductor {
 public:
  // `prior` is the previous attempt's OperationProgress (LAST_PROGRESS): operations COMPLETE
  // with message "succeeded" (any case) are not run again and their resultPayload feeds their
  // dependants; other non-WAITING ones are handed to the handler as prior progress.
  Conductor(const Agenda& agenda, const std::vector<OperationProgress>& prior);

  // Operations that may start now, at most `max_starts`, marked running.
  std::vector<ReadyOperation> TakeReady(size_t max_starts);

  // Records the end of a running operation. A failure stops every later start (operations
  // already running finish). `output` (nullopt counts as {}) enters the reference context.
  // Returns the operations a succeeded generator added (spec §14.6), for the caller to persist.
  std::vector<Operation> Complete(const std::string& name, bool succeeded,
                                  std::optional<Json> output);

  size_t running() const { return running_; }
  // Nothing is running and nothing more will start.
  bool Finished() const;
  // An operation failed or an execution error was recorded.
  bool Failed() const { return any_failed_ || !errors_.empty(); }
  // Execution errors (invalid references, deadlock), in order, as diagnostic messages.
  const std::vector<std::string>& errors() const { return errors_; }

  // For percent complete (spec §14.7): every operation, generated ones included; and those
  // that ended (succeeded, failed, or succeeded in a prior attempt).
  size_t total() const { return ops_.size(); }
  size_t completed() const { return completed_; }
  // Operations that ended (this attempt or before) with success.
  const std::set<std::string>& succeeded() const { return succeeded_; }

 private:
  enum class State { kPending, kRunning, kSucceeded, kFailed, kNotRun };
  struct Op {
    Operation operation;
    State state = State::kPending;
    size_t unmet = 0;               // dependencies not yet ended
    std::vector<std::string> deps;  // operation names (may name ones not known yet)
    std::optional<OperationProgress> prior;
  };

  void AddOperation(Operation operation, const std::map<std::string, OperationProgress>& prior);
  void Ended(const std::string& name, std::optional<Json> output);
  // Resolves a candidate; false (and maybe an error) when it cannot start yet.
  bool Resolve(Op& op, ReadyOperation& out);
  std::vector<Operation> Generate(const Op& generator, const Json& output);

  std::string agenda_id_;
  std::unordered_map<std::string, Op> ops_;
  std::vector<std::string> order_;  // agenda order, for deterministic starts
  std::unordered_map<std::string, std::vector<std::string>> dependants_;  // dep → waiting ops
  std::set<std::string> ended_;
  std::set<std::string> succeeded_;
  std::deque<std::string> candidates_;  // pending ops whose dependencies all ended
  ReferenceMap outputs_;
  size_t running_ = 0;
  size_t completed_ = 0;
  bool any_failed_ = false;
  bool stopped_ = false;  // no more starts (a failure or an error)
  std::vector<std::string> errors_;
};

}  // namespace pop
