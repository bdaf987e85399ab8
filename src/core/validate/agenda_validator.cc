#include "core/validate/agenda_validator.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/model/params.h"
#include "core/params/reference_replacer.h"

namespace pop {
namespace {

constexpr size_t kMaxReportedIssues = 10;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string RemoveAllOut(std::string name) {
  for (size_t pos = name.find(".out"); pos != std::string::npos; pos = name.find(".out", pos)) {
    name.erase(pos, 4);
  }
  return name;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

// Reference check (§6.1 step 4): every reference must name an operation's output.
void CheckReferences(const std::vector<Operation>& operations, std::vector<std::string>& issues) {
  ReferenceMap outputs;
  for (const Operation& op : operations) outputs.Set(*op.name + ".out", Json::Object());
  for (const Operation& op : operations) {
    if (!op.payload) continue;
    ReplacementResult result = ReplaceReferences(*op.payload, outputs);
    bool has_real_missing =
        std::any_of(result.missing.begin(), result.missing.end(),
                    [](const std::string& r) { return r.rfind("@<pop.", 0) != 0; });
    if (has_real_missing) {
      issues.push_back("Invalid references found in operation [" + *op.name +
                       "] payload: " + Join(result.missing, ","));
    }
  }
}

void CheckDependsOn(const std::vector<Operation>& operations, std::vector<std::string>& issues) {
  std::unordered_set<std::string> names;
  for (const Operation& op : operations) names.insert(*op.name);
  for (const Operation& op : operations) {
    auto list = GetParamList(op.params, kParamDependsOn);
    if (list && !list->ok) {
      issues.push_back("Invalid dependsOn found in operation [" + *op.name +
                       "]: expected a comma-separated string or an array of operation names");
      continue;
    }
    std::vector<std::string> unknown;
    for (const auto& dependency : DependsOnNames(op)) {
      if (names.count(dependency) == 0) unknown.push_back(dependency);
    }
    if (!unknown.empty()) {
      issues.push_back("Invalid dependsOn found in operation [" + *op.name +
                       "]: " + Join(unknown, ",") + " (no such operation)");
    }
  }
}

// Cycle check (§6.1 step 5): an operation is reported when it can reach itself through
// references (every ".out" removed from the names) or dependsOn edges. Tarjan's strongly
// connected components, iteratively, so that 100,000 operations cost O(V + E).
void CheckCycles(const std::vector<Operation>& operations, std::vector<std::string>& issues) {
  const size_t n = operations.size();
  std::unordered_map<std::string, size_t> index_of;
  for (size_t i = 0; i < n; ++i) index_of.emplace(*operations[i].name, i);
  std::vector<std::vector<size_t>> edges(n);
  std::vector<bool> self_loop(n, false);
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> targets;
    if (operations[i].payload) {
      for (const auto& name : CollectReferenceNames(*operations[i].payload)) {
        targets.push_back(RemoveAllOut(name));
      }
    }
    for (const auto& dependency : DependsOnNames(operations[i])) targets.push_back(dependency);
    for (const auto& target : targets) {
      auto it = index_of.find(target);
      if (it == index_of.end()) continue;
      edges[i].push_back(it->second);
      if (it->second == i) self_loop[i] = true;
    }
  }

  constexpr size_t kUnvisited = static_cast<size_t>(-1);
  std::vector<size_t> order(n, kUnvisited);
  std::vector<size_t> low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<bool> cyclic(n, false);
  std::vector<size_t> component_stack;
  size_t counter = 0;
  struct Frame {
    size_t node;
    size_t next_edge;
  };
  for (size_t root = 0; root < n; ++root) {
    if (order[root] != kUnvisited) continue;
    std::vector<Frame> frames{{root, 0}};
    order[root] = low[root] = counter++;
    component_stack.push_back(root);
    on_stack[root] = true;
    while (!frames.empty()) {
      Frame& frame = frames.back();
      size_t v = frame.node;
      if (frame.next_edge < edges[v].size()) {
        size_t w = edges[v][frame.next_edge++];
        if (order[w] == kUnvisited) {
          order[w] = low[w] = counter++;
          component_stack.push_back(w);
          on_stack[w] = true;
          frames.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      if (low[v] == order[v]) {
        std::vector<size_t> component;
        size_t w = 0;
        do {
          w = component_stack.back();
          component_stack.pop_back();
          on_stack[w] = false;
          component.push_back(w);
        } while (w != v);
        for (size_t member : component) cyclic[member] = component.size() > 1 || self_loop[member];
      }
      frames.pop_back();
      if (!frames.empty()) {
        size_t parent = frames.back().node;
        low[parent] = std::min(low[parent], low[v]);
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (cyclic[i]) {
      issues.push_back("There is a circular reference involving the operation: " +
                       *operations[i].name);
    }
  }
}

}  // namespace

std::vector<std::string> DependsOnNames(const Operation& operation) {
  std::vector<std::string> names;
  auto list = GetParamList(operation.params, kParamDependsOn);
  if (!list) return names;
  for (const std::string& entry : list->entries) {
    std::string_view trimmed = Trim(entry);
    if (!trimmed.empty()) names.emplace_back(trimmed);
  }
  return names;
}

std::string FormatIssues(std::string_view prefix, const std::vector<std::string>& issues) {
  std::string message(prefix);
  size_t shown = std::min(issues.size(), kMaxReportedIssues);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) message += ",";
    message += issues[i];
  }
  if (issues.size() > kMaxReportedIssues) message += "[Truncating additional issues]";
  return message;
}

Status ValidateAgenda(const Agenda& agenda) {
  if (!agenda.operations || agenda.operations->empty()) {
    return Status(ErrorCode::kValidation, "No operations specified in Agenda.");
  }
  const std::vector<Operation>& operations = *agenda.operations;
  for (const Operation& op : operations) {
    if (!op.name || op.name->empty()) {
      return Status(ErrorCode::kValidation, "Operations must have names.");
    }
  }
  std::unordered_set<std::string> lowered_names;
  for (const Operation& op : operations) {
    if (!lowered_names.insert(Lower(*op.name)).second) {
      return Status(ErrorCode::kValidation, "Operation names must be unique.");
    }
  }
  std::vector<std::string> issues;
  CheckReferences(operations, issues);
  CheckDependsOn(operations, issues);
  if (issues.empty()) CheckCycles(operations, issues);
  if (issues.empty()) return Status::Ok();
  return Status(ErrorCode::kValidation, FormatIssues("Validation Issues detected: ", issues));
}

}  // namespace pop
