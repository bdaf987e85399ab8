#include "cli/handler_sample.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "adapters/system/random_id_generator.h"
#include "core/codec/json_text.h"
#include "pop_sdk/handler.h"

extern "C" char** environ;  // NOLINT(readability-redundant-declaration)

namespace pop::cli {
namespace {

using sdk::HandlerContext;

constexpr char kInputType[] = "SampleInput";

// The text of a value as the original logged it: strings as they are, absent as "null", anything
// else as JSON.
std::string TextOf(const Json* value) {
  if (value == nullptr) {
    return "null";
  }
  return value->is_string() ? value->AsString() : ToJsonText(*value);
}

// The shape SampleInput had: an object whose optional `actions` is a list of objects, each with
// an optional string `action` and an optional object `paramsMap`.
Status CheckSampleInput(const Json& payload) {
  if (!payload.is_object()) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string("expected an object, got ") + JsonTypeDescription(payload.type()));
  }
  const Json* actions = payload.Find("actions");
  if (actions == nullptr || actions->is_null()) {
    return Status::Ok();
  }
  if (!actions->is_array()) {
    return Status(ErrorCode::kInvalidArgument, "'actions' must be an array");
  }
  for (size_t index = 0; index < actions->AsArray().size(); ++index) {
    const Json& action = actions->AsArray()[index];
    const std::string where = "'actions[" + std::to_string(index) + "]";
    if (!action.is_object()) {
      return Status(ErrorCode::kInvalidArgument, where + "' must be an object");
    }
    const Json* name = action.Find("action");
    if (name != nullptr && !name->is_null() && !name->is_string()) {
      return Status(ErrorCode::kInvalidArgument, where + ".action' must be a string");
    }
    const Json* params = action.Find("paramsMap");
    if (params != nullptr && !params->is_null() && !params->is_object()) {
      return Status(ErrorCode::kInvalidArgument, where + ".paramsMap' must be an object");
    }
  }
  return Status::Ok();
}

// paramsMap.sleepMilliseconds: a number, or a string holding an integer; anything else is 0.
int64_t SleepMillis(const Json* params) {
  const Json* value = params != nullptr ? params->Find("sleepMilliseconds") : nullptr;
  if (value == nullptr) {
    return 0;
  }
  if (value->is_integer()) {
    return value->AsInt();
  }
  if (value->is_double()) {
    double ms = value->AsDouble();
    return std::isfinite(ms) && ms > 0 && ms < 1e15 ? static_cast<int64_t>(ms) : 0;
  }
  if (value->is_string()) {
    const std::string& text = value->AsString();
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    return ec == std::errc() && end == text.data() + text.size() ? ms : 0;
  }
  return 0;
}

// N = max(1, floor(ms / 1000)) iterations, each reporting EXECUTING at i/N×100 % with the JobId,
// then sleeping min(1000, ms / N) ms (see the header for why not always 1 s).
void SleepWithProgress(HandlerContext& ctx, int64_t ms, const std::string& job_id,
                       const std::string& action) {
  const int64_t iterations = std::max<int64_t>(1, ms / 1000);
  const int64_t step_ms = std::min<int64_t>(1000, ms / iterations);
  for (int64_t i = 0; i < iterations; ++i) {
    ctx.ReportProgress(100.0 * static_cast<double>(i) / static_cast<double>(iterations),
                       "Running action " + action, Json(JsonObject{{"JobId", Json(job_id)}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
  }
}

// Runs `args` as a child process sharing this process's stdout and stderr, and waits for it.
// Failures are logged and otherwise ignored, as the original ignored a pod that failed.
void ExternalExecute(HandlerContext& ctx, const Json* params) {
  const Json* external = params != nullptr ? params->Find("externalArgs") : nullptr;
  std::vector<std::string> args;
  if (external != nullptr && external->is_array()) {
    for (const Json& arg : external->AsArray()) {
      args.push_back(TextOf(&arg));
    }
  }
  if (args.empty()) {
    ctx.Log("externalExecute: no externalArgs given; nothing to run");
    return;
  }
  std::string command_line;
  std::vector<char*> argv;
  for (std::string& arg : args) {
    command_line += (command_line.empty() ? "" : " ") + arg;
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  ctx.Log("externalExecute: running " + command_line);

  // The child gets default signal handling, whatever this process blocks or ignores.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    ctx.Log("externalExecute: cannot run " + args[0] + ": " + std::strerror(rc) + "; ignored");
    return;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      ctx.Log(std::string("externalExecute: waiting failed: ") + std::strerror(errno));
      return;
    }
  }
  if (WIFEXITED(status)) {
    ctx.Log("externalExecute: " + args[0] + " exited with status " +
            std::to_string(WEXITSTATUS(status)) + (WEXITSTATUS(status) == 0 ? "" : "; ignored"));
  } else if (WIFSIGNALED(status)) {
    ctx.Log("externalExecute: " + args[0] + " was killed by signal " +
            std::to_string(WTERMSIG(status)) + "; ignored");
  }
}

// Whether the payload asks for externalExecute anywhere.
bool WantsExternalExecute(const JsonArray& actions) {
  return std::any_of(actions.begin(), actions.end(), [](const Json& entry) {
    const Json* action = entry.Find("action");
    return action != nullptr && action->is_string() && action->AsString() == "externalExecute";
  });
}

// externalExecute runs what the payload names on this host: only where the operator enabled it
// for this type (the launcher then sets POP_ALLOW_PAYLOAD_COMMANDS=1).
bool PayloadCommandsAllowed(const HandlerContext& ctx) {
  return ctx.environment().Variable(sdk::kAllowPayloadCommandsVar) == std::string("1");
}

void LogPriorJobInfo(HandlerContext& ctx) {
  const auto& last = ctx.last_progress();
  if (!last.has_value() || !last->params.has_value()) {
    return;
  }
  if (const Json* job_info = last->params->Find("jobInfo")) {
    ctx.Log("Prior jobInfo: " + ToJsonText(*job_info));
  }
}

Status RunSample(HandlerContext& ctx, const std::string& job_id) {
  LogPriorJobInfo(ctx);
  const Json* actions = ctx.payload().Find("actions");
  const JsonArray no_actions;
  const JsonArray& list =
      actions != nullptr && actions->is_array() ? actions->AsArray() : no_actions;
  // Refused before any action runs, so that a refused operation has done nothing.
  if (WantsExternalExecute(list) && !PayloadCommandsAllowed(ctx)) {
    ctx.Fail("externalExecute is disabled for operation type '" + ctx.operation_type() +
             "'; an operator enables it with allowPayloadCommands in the handler registry");
    return Status::Ok();
  }
  for (size_t index = 0; index < list.size(); ++index) {
    const Json& entry = list[index];
    const std::string action = TextOf(entry.Find("action"));
    const Json* params = entry.Find("paramsMap");
    ctx.Log("Action " + std::to_string(index + 1) + " of " + std::to_string(list.size()) + ": " +
            action);
    const int64_t sleep_ms = SleepMillis(params);
    if (sleep_ms > 0) {
      SleepWithProgress(ctx, sleep_ms, job_id, action);
    }
    if (action == "log") {
      ctx.Log(TextOf(params != nullptr ? params->Find("logMessage") : nullptr));
    } else if (action == "exception") {
      // The original threw; RunHandler turns the error into "An unknown error has occurred
      // with operation: <name>" with this message as the stack trace.
      return Status(ErrorCode::kInternal,
                    TextOf(params != nullptr ? params->Find("exceptionMessage") : nullptr));
    } else if (action == "externalExecute") {
      ExternalExecute(ctx, params);
    } else {
      ctx.Fail("Invalid action specified: " + action);
      return Status::Ok();
    }
  }
  const Json* result = ctx.payload().Find("resultPayload");
  ctx.Succeed(result != nullptr && !result->is_null() ? *result : Json::Object());
  return Status::Ok();
}

}  // namespace

int RunSampleHandler(int argc, char** argv) {
  // `pop` blocks SIGINT/SIGTERM for its server roles; a handler must stop when the launcher
  // cancels it, so it gets the default signal handling back.
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);

  const std::string job_id = RandomIdGenerator().NewId();  // fixed for this process
  sdk::HandlerOptions options;
  options.input_type = kInputType;
  options.check_payload = CheckSampleInput;
  return sdk::RunHandler(
      argc, argv, [&job_id](HandlerContext& ctx) { return RunSample(ctx, job_id); }, options);
}

}  // namespace pop::cli
