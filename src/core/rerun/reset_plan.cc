#include "core/rerun/reset_plan.h"

#include <map>

#include "core/model/params.h"
#include "core/params/reference_parser.h"
#include "core/params/reference_replacer.h"

namespace pop {
namespace {

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

struct Dependencies {
  std::vector<std::string> deps;  // explicit dependsOn (untrimmed) and referenced operations
  std::optional<std::string> generated_parent;
};

// §8.2 step 4d: explicit deps = dependsOn split on ',' (no trim); implicit deps = referenced
// names other than the pop tokens, with one trailing ".out" removed.
std::map<std::string, Dependencies> DependencyMap(const Agenda& agenda) {
  std::map<std::string, Dependencies> map;
  if (!agenda.operations) return map;
  for (const Operation& op : *agenda.operations) {
    if (!op.name) continue;
    Dependencies& d = map[*op.name];
    if (auto depends_on = GetParamList(op.params, kParamDependsOn)) d.deps = depends_on->entries;
    if (op.payload) {
      for (const auto& name : CollectReferenceNames(*op.payload)) {
        if (name == "pop.agendaId" || name == "pop.operationName") continue;
        d.deps.push_back(OperationNameOfReference(name));
      }
    }
    d.generated_parent = GetParamString(op.params, kParamGeneratedOperationParent);
  }
  return map;
}

}  // namespace

RerunParams ParseRerunParams(const std::vector<std::string>& params) {
  RerunParams parsed;
  for (const std::string& param : params) {
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string name = param.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : param.substr(eq + 1);
    if (name == "resetAll") {
      parsed.reset_all = true;
    } else if (name == "operationsToReset") {
      parsed.operations_to_reset = SplitComma(value);
    } else if (name == "continue") {
      parsed.continue_only = true;
    } else if (name == "skipExecution") {
      parsed.skip_execution = true;
    }
  }
  if (!parsed.reset_all && !parsed.operations_to_reset && !parsed.continue_only) {
    parsed.reset_all = true;
  }
  return parsed;
}

Result<ResetPlan> PlanReset(const Agenda& agenda, const std::vector<OperationProgress>& progress,
                            const RerunParams& params) {
  std::set<std::string> specified;
  if (params.operations_to_reset) {
    if (params.operations_to_reset->empty()) {
      return Error(ErrorCode::kValidation,
                   "params is invalid - operationsToReset has no operations specified");
    }
    std::set<std::string> known;
    for (const auto& op : progress) {
      if (op.operation) known.insert(*op.operation);
    }
    std::string invalid;
    for (const auto& name : *params.operations_to_reset) {
      if (known.count(name) == 0) invalid += (invalid.empty() ? "" : ",") + name;
      specified.insert(name);
    }
    if (!invalid.empty()) {
      return Error(ErrorCode::kValidation,
                   "params is invalid - operationsToReset has the following invalid operation "
                   "names: " +
                       invalid);
    }
  }
  if (params.reset_all && agenda.operations) {
    for (const Operation& op : *agenda.operations) {
      if (op.name) specified.insert(*op.name);
    }
  }
  // §8.2 step 4e: the closure over dependants and generated children.
  const auto deps = DependencyMap(agenda);
  std::set<std::string> removed;
  auto parent_in = [&](const std::string& name, const std::set<std::string>& set) {
    auto it = deps.find(name);
    return it != deps.end() && it->second.generated_parent &&
           set.count(*it->second.generated_parent);
  };
  for (const auto& name : specified) {
    if (parent_in(name, specified)) removed.insert(name);
  }
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& [name, d] : deps) {
      if (specified.count(name)) continue;
      bool depends = false;
      for (const auto& dep : d.deps) depends = depends || specified.count(dep) > 0;
      if (parent_in(name, specified)) {
        removed.insert(name);
        depends = true;
      }
      if (depends) {
        specified.insert(name);
        grew = true;
      }
    }
  }
  for (const auto& name : specified) {
    if (parent_in(name, specified)) removed.insert(name);
  }
  ResetPlan plan;
  plan.remove = removed;
  for (const auto& name : specified) {
    if (!removed.count(name)) plan.reset.insert(name);
  }
  return plan;
}

}  // namespace pop
