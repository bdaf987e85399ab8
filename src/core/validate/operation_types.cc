#include "core/validate/operation_types.h"

#include <algorithm>
#include <cctype>

#include "core/base/closest_name.h"

namespace pop {
namespace {

std::string Joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool EqualsIgnoringCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool MappedByAnInsight(const std::vector<Insight>& insights, const std::string& type) {
  for (const Insight& insight : insights) {
    if (!insight.mappers) continue;
    for (const auto& [kind, values] : insight.mappers->entries) {
      if (!EqualsIgnoringCase(kind, "operationType")) continue;
      for (const std::string& value : values) {
        if (EqualsIgnoringCase(value, type)) return true;
      }
    }
  }
  return false;
}

}  // namespace

const std::vector<std::string>& ResidentOperationTypes() {
  static const std::vector<std::string> kTypes = {"noop", "logMessages", "updateAgenda"};
  return kTypes;
}

Status CheckOperationTypes(const Agenda& agenda, const ResourcePool& pool,
                           const std::vector<Insight>& insights) {
  if (!pool.handler_types || !agenda.operations) return Status::Ok();
  const std::vector<std::string>& announced = *pool.handler_types;
  for (const Operation& op : *agenda.operations) {
    const std::string type = op.type.value_or("");
    if (Contains(announced, type) || Contains(ResidentOperationTypes(), type) ||
        MappedByAnInsight(insights, type)) {
      continue;
    }
    std::vector<std::string> runnable = announced;
    for (const std::string& resident : ResidentOperationTypes()) runnable.push_back(resident);
    std::string message = "Operation '" + op.name.value_or("") + "' has type '" + type +
                          "' that no handler of resource pool '" + pool.id.value_or("") + "' runs";
    const std::string closest = ClosestName(type, runnable);
    if (!closest.empty()) message += " (did you mean '" + closest + "'?)";
    message += "; it runs: ";
    message += announced.empty() ? std::string("no registered types") : Joined(announced);
    message += " (and the resident " + Joined(ResidentOperationTypes()) + ")";
    return Status(ErrorCode::kValidation, message);
  }
  return Status::Ok();
}

}  // namespace pop
