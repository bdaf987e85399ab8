#include "adapters/local_process/handler_registry.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/codec/json_text.h"
#include "core/json/json.h"

namespace pop {
namespace {

// Longer than any sensible handler timeout; keeps the conversion to milliseconds exact.
constexpr double kMaxSeconds = 100.0 * 365 * 24 * 3600;
constexpr char kLimitExpected[] = "expected a positive integer or null";
// Above this a limit means nothing (and cpuSeconds + 1, the hard limit, stays representable).
constexpr uint64_t kMaxLimit = uint64_t{1} << 62;

// "a.b" from "a" and "b".
std::string FieldPath(const std::string& parent, std::string_view member) {
  std::string path = parent;
  path.append(".").append(member);
  return path;
}

Error InvalidField(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "Invalid value for field '" + path + "': " + what);
}

std::string Got(const Json& value) {
  return std::string(", got ") + JsonTypeDescription(value.type());
}

Result<std::chrono::milliseconds> ParseSeconds(const Json& value, const std::string& path,
                                               bool allow_zero) {
  const char* expected =
      allow_zero ? "expected a number of seconds >= 0" : "expected a positive number of seconds";
  if (!value.is_number()) {
    return InvalidField(path, expected + Got(value));
  }
  double seconds = value.AsDouble();
  if (!std::isfinite(seconds) || seconds < 0 || (seconds == 0 && !allow_zero) ||
      seconds > kMaxSeconds) {
    return InvalidField(path, expected);
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

Status ParseArgs(const Json& value, const std::string& path, HandlerCommand& out) {
  if (!value.is_array()) {
    return InvalidField(path, "expected an array of strings" + Got(value));
  }
  for (size_t index = 0; index < value.AsArray().size(); ++index) {
    const Json& arg = value.AsArray()[index];
    if (!arg.is_string()) {
      return InvalidField(path + "[" + std::to_string(index) + "]", "expected a string" + Got(arg));
    }
    out.args.push_back(arg.AsString());
  }
  return Status::Ok();
}

Status ParseEnv(const Json& value, const std::string& path, HandlerCommand& out) {
  if (!value.is_object()) {
    return InvalidField(path, "expected an object of strings" + Got(value));
  }
  for (const auto& [name, env_value] : value.AsObject()) {
    if (!env_value.is_string()) {
      return InvalidField(FieldPath(path, name), "expected a string" + Got(env_value));
    }
    out.env.emplace(name, env_value.AsString());
  }
  return Status::Ok();
}

Status ParseBool(const Json& value, const std::string& path, bool& out) {
  if (!value.is_bool()) {
    return InvalidField(path, "expected true or false" + Got(value));
  }
  out = value.AsBool();
  return Status::Ok();
}

Result<std::optional<uint64_t>> ParseLimit(const Json& value, const std::string& path) {
  if (value.is_null()) {
    return std::optional<uint64_t>();
  }
  if (!value.is_integer()) {
    return InvalidField(path, kLimitExpected + Got(value));
  }
  if (value.AsInt() <= 0) {
    return InvalidField(path, kLimitExpected);
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(value.AsInt()));
}

Status ParseLimits(const Json& value, const std::string& path, HandlerLimits& out) {
  if (!value.is_object()) {
    return InvalidField(path, "expected an object" + Got(value));
  }
  for (const auto& [key, limit] : value.AsObject()) {
    std::string limit_path = FieldPath(path, key);
    if (key == "cpuSeconds") {
      POP_ASSIGN_OR_RETURN(out.cpu_seconds, ParseLimit(limit, limit_path));
    } else if (key == "memoryBytes") {
      POP_ASSIGN_OR_RETURN(out.memory_bytes, ParseLimit(limit, limit_path));
    } else if (key == "openFiles") {
      POP_ASSIGN_OR_RETURN(out.open_files, ParseLimit(limit, limit_path));
    } else if (key == "processes") {
      POP_ASSIGN_OR_RETURN(out.processes, ParseLimit(limit, limit_path));
    } else {
      return Error(ErrorCode::kInvalidArgument, "Unknown field '" + limit_path + "'");
    }
  }
  return Status::Ok();
}

Result<HandlerCommand> ParseEntry(const std::string& type, const Json& entry) {
  if (!entry.is_object()) {
    return InvalidField(type, "expected an object with a \"command\"" + Got(entry));
  }
  HandlerCommand command;
  bool has_command = false;
  for (const auto& [key, value] : entry.AsObject()) {
    std::string path = FieldPath(type, key);
    if (key == "command") {
      if (!value.is_string()) {
        return InvalidField(path, "expected a string" + Got(value));
      }
      command.command = value.AsString();
      has_command = true;
    } else if (key == "args") {
      POP_RETURN_IF_ERROR(ParseArgs(value, path, command));
    } else if (key == "env") {
      POP_RETURN_IF_ERROR(ParseEnv(value, path, command));
    } else if (key == "timeoutSeconds") {
      POP_ASSIGN_OR_RETURN(command.timeout, ParseSeconds(value, path, /*allow_zero=*/false));
    } else if (key == "cancelGraceSeconds") {
      POP_ASSIGN_OR_RETURN(command.cancel_grace, ParseSeconds(value, path, /*allow_zero=*/true));
    } else if (key == "exitZeroIsSuccess") {
      POP_RETURN_IF_ERROR(ParseBool(value, path, command.exit_zero_is_success));
    } else if (key == "allowPayloadCommands") {
      POP_RETURN_IF_ERROR(ParseBool(value, path, command.allow_payload_commands));
    } else if (key == "keepWorkDir") {
      POP_RETURN_IF_ERROR(ParseBool(value, path, command.keep_work_dir));
    } else if (key == "limits") {
      POP_RETURN_IF_ERROR(ParseLimits(value, path, command.limits));
    } else {
      return Error(ErrorCode::kInvalidArgument, "Unknown field '" + path + "'");
    }
  }
  if (!has_command) {
    return Error(ErrorCode::kInvalidArgument, "Missing field '" + type + ".command'");
  }
  POP_RETURN_IF_ERROR(ValidateHandlerCommand(type, command));
  return command;
}

bool ContainsNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace

bool IsLauncherEnvironmentVariable(std::string_view name) {
  static constexpr std::string_view kSet[] = {"PAYLOAD",        "LAST_PROGRESS",  "CID",
                                              "OPERATION_NAME", "OPERATION_ID",   "AGENDA_ID",
                                              "CUSTOMER_ID",    "OPERATION_TYPE", "HOME"};
  for (std::string_view reserved : kSet) {
    if (name == reserved) {
      return true;
    }
  }
  return name.substr(0, 4) == "POP_";
}

Status ValidateHandlerCommand(const std::string& type, const HandlerCommand& command) {
  if (type.empty()) {
    return Status(ErrorCode::kInvalidArgument, "Invalid handler registry: empty operation type");
  }
  if (command.command.empty() || ContainsNul(command.command)) {
    return InvalidField(type + ".command", "expected the path of a program");
  }
  for (size_t index = 0; index < command.args.size(); ++index) {
    if (ContainsNul(command.args[index])) {
      return InvalidField(type + ".args[" + std::to_string(index) + "]",
                          "contains a NUL character");
    }
  }
  for (const auto& [name, value] : command.env) {
    std::string path = FieldPath(FieldPath(type, "env"), name);
    if (name.empty() || name.find('=') != std::string::npos || ContainsNul(name)) {
      return InvalidField(path, "expected a variable name without '='");
    }
    if (IsLauncherEnvironmentVariable(name)) {
      return InvalidField(path, name + " is set by the launcher");
    }
    if (ContainsNul(value)) {
      return InvalidField(path, "contains a NUL character");
    }
  }
  if (command.timeout <= std::chrono::milliseconds::zero()) {
    return InvalidField(type + ".timeoutSeconds", "expected a positive number of seconds");
  }
  if (command.cancel_grace < std::chrono::milliseconds::zero()) {
    return InvalidField(type + ".cancelGraceSeconds", "expected a number of seconds >= 0");
  }
  const std::pair<const char*, const std::optional<uint64_t>*> limits[] = {
      {"cpuSeconds", &command.limits.cpu_seconds},
      {"memoryBytes", &command.limits.memory_bytes},
      {"openFiles", &command.limits.open_files},
      {"processes", &command.limits.processes}};
  for (const auto& [name, limit] : limits) {
    if (limit->has_value() && (**limit == 0 || **limit > kMaxLimit)) {
      return InvalidField(FieldPath(FieldPath(type, "limits"), name), kLimitExpected);
    }
  }
  return Status::Ok();
}

Result<std::map<std::string, HandlerCommand>> ParseHandlerRegistry(std::string_view json_text) {
  Result<Json> parsed = ParseJson(json_text);
  if (!parsed.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "Invalid handler registry: " + parsed.error().message);
  }
  if (!parsed->is_object()) {
    return Error(
        ErrorCode::kInvalidArgument,
        "Invalid handler registry: expected an object of operation type to handler" + Got(*parsed));
  }
  std::map<std::string, HandlerCommand> registry;
  for (const auto& [type, entry] : parsed->AsObject()) {
    POP_ASSIGN_OR_RETURN(HandlerCommand command, ParseEntry(type, entry));
    registry.emplace(type, std::move(command));
  }
  return registry;
}

}  // namespace pop
