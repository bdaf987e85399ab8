#include "adapters/local_process/process_launcher.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string_view>
#include <system_error>

#include "adapters/local_process/child_spawner.h"
#include "adapters/local_process/handler_outcome.h"
#include "adapters/local_process/handler_run.h"
#include "adapters/local_process/payload_env.h"
#include "adapters/local_process/process_reactor.h"
#include "adapters/local_process/process_records.h"
#include "adapters/local_process/spawner_pool.h"
#include "adapters/local_process/work_dir.h"

namespace pop {
namespace {

using local_process::HandlerRun;
using local_process::ProcessReactor;
using local_process::ProcessRecords;
using local_process::ResourceLimit;
using local_process::SpawnerPool;
using local_process::WorkDir;

// The only variables a handler inherits from the executor's environment (HOME is its own working
// directory; nothing else, so no token or other secret of the server's).
constexpr const char* kInheritedVariables[] = {"PATH", "LANG", "TZ"};
// PATH for the program lookup when the handler's environment has none (as execvp does).
constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

// A running handler. Thread-safe.
class ProcessOperation final : public LaunchedOperation {
 public:
  ProcessOperation(std::weak_ptr<ProcessReactor> reactor, std::shared_ptr<HandlerRun> run,
                   uint64_t child_id, std::chrono::milliseconds cancel_grace)
      : reactor_(std::move(reactor)),
        run_(std::move(run)),
        child_id_(child_id),
        cancel_grace_(cancel_grace) {}

  // A handle dropped before its handler ended stops the handler (it would otherwise run on with
  // nobody to take its outcome).
  ~ProcessOperation() override { Cancel(cancel_grace_); }
  ProcessOperation(const ProcessOperation&) = delete;
  ProcessOperation& operator=(const ProcessOperation&) = delete;

  std::optional<OperationProgress> LatestProgress() override {
    MutexLock lock(run_->mu);
    if (run_->outcome.has_value()) {
      return run_->outcome->progress;
    }
    return run_->latest;
  }

  std::string TakeNewLog() override {
    MutexLock lock(run_->mu);
    return run_->log.Take();
  }

  LaunchOutcome Wait() override {
    MutexLock lock(run_->mu);
    while (!run_->outcome.has_value()) {
      run_->mu.Wait(run_->ended_cv);
    }
    return *run_->outcome;
  }

  // The handler's own cancel_grace (its registry entry) bounds the caller's grace.
  void Cancel(std::chrono::milliseconds grace) override {
    grace = std::min(grace, cancel_grace_);
    {
      MutexLock lock(run_->mu);
      if (run_->outcome.has_value()) {
        return;
      }
      run_->cancel_requested = true;
    }
    if (std::shared_ptr<ProcessReactor> reactor = reactor_.lock()) {
      reactor->Cancel(child_id_, grace);
    }
  }

 private:
  const std::weak_ptr<ProcessReactor> reactor_;
  const std::shared_ptr<HandlerRun> run_;
  const uint64_t child_id_;
  const std::chrono::milliseconds cancel_grace_;
};

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// Where execve looks for `command`: itself when it names a path, else each PATH directory.
std::vector<std::string> ExecPaths(const std::string& command, std::string_view path) {
  if (command.find('/') != std::string::npos) {
    return {command};
  }
  std::vector<std::string> paths;
  while (true) {
    size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    paths.push_back((dir.empty() ? std::string(".") : std::string(dir)) + "/" + command);
    if (colon == std::string_view::npos) {
      return paths;
    }
    path.remove_prefix(colon + 1);
  }
}

// The setrlimit calls of a type's limits. A limit above this process's hard limit cannot be
// set (the child may only lower it): an error naming the field, except the default openFiles,
// which is lowered to the hard limit.
Result<std::vector<ResourceLimit>> ResolveLimits(const std::string& type,
                                                 const HandlerLimits& limits) {
  struct Wanted {
    const char* field;
    int resource;
    std::optional<uint64_t> value;
  };
  const Wanted wanted[] = {{"cpuSeconds", RLIMIT_CPU, limits.cpu_seconds},
                           {"memoryBytes", RLIMIT_AS, limits.memory_bytes},
                           {"openFiles", RLIMIT_NOFILE, limits.open_files},
                           {"processes", RLIMIT_NPROC, limits.processes}};
  std::vector<ResourceLimit> resolved;
  for (const Wanted& limit : wanted) {
    if (!limit.value.has_value()) {
      continue;
    }
    struct rlimit current {};
    if (getrlimit(limit.resource, &current) != 0) {
      return Error(ErrorCode::kUnavailable, std::string("cannot read the limit ") + limit.field);
    }
    uint64_t hard = current.rlim_max == RLIM_INFINITY ? UINT64_MAX : current.rlim_max;
    uint64_t value = *limit.value;
    if (value > hard) {
      if (limit.resource != RLIMIT_NOFILE || value != HandlerLimits::kDefaultOpenFiles) {
        return Error(ErrorCode::kInvalidArgument, "Invalid value for field '" + type + ".limits." +
                                                      limit.field + "': " + std::to_string(value) +
                                                      " is above this process's hard limit " +
                                                      std::to_string(hard));
      }
      value = hard;
    }
    // CPU: SIGXCPU at the limit (a handler may catch it and report), SIGKILL a second later.
    uint64_t hard_value = limit.resource == RLIMIT_CPU ? std::min(value + 1, hard) : value;
    resolved.push_back({limit.resource, value, hard_value});
  }
  return resolved;
}

std::filesystem::path DefaultWorkDirRoot() {
  std::error_code ec;
  std::filesystem::path temp = std::filesystem::temp_directory_path(ec);
  if (ec) {
    temp = "/tmp";
  }
  return temp / ("pop-work-" + std::to_string(geteuid()));
}

}  // namespace

Result<std::shared_ptr<const ProcessLauncher::Registry>> ProcessLauncher::BuildRegistry(
    std::map<std::string, HandlerCommand> types) {
  std::error_code cwd_error;
  const std::filesystem::path cwd = std::filesystem::current_path(cwd_error);
  auto registry = std::make_shared<Registry>();
  for (auto& [type, command] : types) {
    POP_RETURN_IF_ERROR(ValidateHandlerCommand(type, command));
    POP_ASSIGN_OR_RETURN(registry->limits[type], ResolveLimits(type, command.limits));
    // Handlers start in their own directory: a relative program path stays relative to ours.
    if (command.command.find('/') != std::string::npos && command.command.front() != '/' &&
        !cwd_error) {
      command.command = (cwd / command.command).string();
    }
  }
  registry->types = std::move(types);
  return std::shared_ptr<const Registry>(std::move(registry));
}

Result<std::unique_ptr<ProcessLauncher>> ProcessLauncher::Create(ProcessLauncherOptions options) {
  std::error_code cwd_error;
  const std::filesystem::path cwd = std::filesystem::current_path(cwd_error);
  POP_ASSIGN_OR_RETURN(std::shared_ptr<const Registry> registry, BuildRegistry(options.types));
  if (options.work_dir_root.empty()) {
    options.work_dir_root = DefaultWorkDirRoot();
  } else if (options.work_dir_root.is_relative() && !cwd_error) {
    options.work_dir_root = cwd / options.work_dir_root;  // it is also the handlers' HOME
  }
  POP_RETURN_IF_ERROR(WorkDir::PrepareRoot(options.work_dir_root));
  if (options.complete_grace < std::chrono::milliseconds::zero() ||
      options.shutdown_grace < std::chrono::milliseconds::zero()) {
    return Error(ErrorCode::kInvalidArgument, "process launcher: negative grace period");
  }
  std::vector<std::pair<std::string, std::string>> inherited;
  for (const char* name : kInheritedVariables) {
    if (const char* value = getenv(name); value != nullptr) {
      inherited.emplace_back(name, value);
    }
  }
  std::unique_ptr<ProcessRecords> records;
  if (options.process_record_dir) {
    ProcessRecords::ReapOrphans(*options.process_record_dir, options.shutdown_grace, options.log);
    POP_ASSIGN_OR_RETURN(records, ProcessRecords::Open(*options.process_record_dir));
  }
  ProcessReactor::Settings settings;
  settings.records = records.get();
  settings.complete_grace = options.complete_grace;
  settings.shutdown_grace = options.shutdown_grace;
  settings.max_report_line_bytes = options.max_report_line_bytes;
  settings.clock = options.clock;
  POP_ASSIGN_OR_RETURN(std::unique_ptr<SpawnerPool> spawners,
                       SpawnerPool::Start(options.spawn_threads));
  POP_ASSIGN_OR_RETURN(std::unique_ptr<ProcessReactor> reactor, ProcessReactor::Start(settings));
  return std::unique_ptr<ProcessLauncher>(
      new ProcessLauncher(std::move(options), std::move(inherited), std::move(registry),
                          std::move(records), std::move(spawners), std::move(reactor)));
}

ProcessLauncher::ProcessLauncher(ProcessLauncherOptions options,
                                 std::vector<std::pair<std::string, std::string>> inherited_env,
                                 std::shared_ptr<const Registry> registry,
                                 std::unique_ptr<local_process::ProcessRecords> records,
                                 std::unique_ptr<local_process::SpawnerPool> spawners,
                                 std::shared_ptr<local_process::ProcessReactor> reactor)
    : options_(std::move(options)),
      inherited_env_(std::move(inherited_env)),
      registry_(std::move(registry)),
      records_(std::move(records)),
      spawners_(std::move(spawners)),
      reactor_(std::move(reactor)) {}

ProcessLauncher::~ProcessLauncher() {
  reactor_->Shutdown();  // every child reaped
  spawners_->Stop();     // only now: a spawner thread's end would SIGKILL its children
}

std::shared_ptr<const ProcessLauncher::Registry> ProcessLauncher::CurrentRegistry() const {
  MutexLock lock(mu_);
  return registry_;
}

bool ProcessLauncher::Handles(const std::string& type) const {
  return CurrentRegistry()->types.count(type) != 0;
}

Status ProcessLauncher::ReplaceTypes(std::map<std::string, HandlerCommand> types) {
  POP_ASSIGN_OR_RETURN(std::shared_ptr<const Registry> registry, BuildRegistry(std::move(types)));
  MutexLock lock(mu_);
  registry_ = std::move(registry);
  return Status::Ok();
}

std::vector<std::string> ProcessLauncher::Types() const {
  std::vector<std::string> types;
  for (const auto& [type, command] : CurrentRegistry()->types) types.push_back(type);
  return types;
}

Result<std::unique_ptr<LaunchedOperation>> ProcessLauncher::Launch(const LaunchSpec& spec) {
  const std::shared_ptr<const Registry> registry = CurrentRegistry();
  auto found = registry->types.find(spec.operation_type);
  if (found == registry->types.end()) {
    return Error(ErrorCode::kNotFound, "Unknown operation type found: " + spec.operation_type +
                                           " on operation: " + spec.operation_name);
  }
  const HandlerCommand& handler = found->second;
  const std::string* optional_values[] = {
      spec.operation_id.has_value() ? &*spec.operation_id : nullptr,
      spec.last_progress.has_value() ? &*spec.last_progress : nullptr};
  bool has_nul = HasNul(spec.operation_name) || HasNul(spec.operation_type) ||
                 HasNul(spec.agenda_id) || HasNul(spec.customer_id) || HasNul(spec.cid) ||
                 HasNul(spec.payload);
  for (const std::string* value : optional_values) {
    has_nul = has_nul || (value != nullptr && HasNul(*value));
  }
  if (has_nul) {
    return Error(ErrorCode::kInvalidArgument,
                 "operation " + spec.operation_name +
                     ": a value for the handler's environment contains a NUL character");
  }
  POP_ASSIGN_OR_RETURN(auto payload_env,
                       local_process::PayloadEnvironment(spec.payload, spec.operation_name));
  // Named by the launcher alone: no payload or operation text becomes a path on this host.
  POP_ASSIGN_OR_RETURN(std::unique_ptr<WorkDir> work_dir,
                       WorkDir::Create(options_.work_dir_root, handler.keep_work_dir));

  // Later entries win: inherited, then the registry's, then the contract's (which the registry
  // may not set, see ValidateHandlerCommand). Payload text is only ever a value, never a name.
  std::map<std::string, std::string> env(inherited_env_.begin(), inherited_env_.end());
  for (const auto& [name, value] : handler.env) {
    env[name] = value;
  }
  for (auto& [name, value] : payload_env) {
    env[name] = std::move(value);
  }
  if (spec.last_progress.has_value()) {
    env["LAST_PROGRESS"] = *spec.last_progress;
  }
  env["CID"] = spec.cid;
  env["OPERATION_NAME"] = spec.operation_name;
  if (spec.operation_id.has_value()) {
    env["OPERATION_ID"] = *spec.operation_id;
  }
  env["AGENDA_ID"] = spec.agenda_id;
  env["CUSTOMER_ID"] = spec.customer_id;
  env["OPERATION_TYPE"] = spec.operation_type;
  env["POP_REPORT"] = "/dev/fd/" + std::to_string(local_process::kReportFd);
  env["HOME"] = work_dir->path();
  if (handler.allow_payload_commands) {
    env["POP_ALLOW_PAYLOAD_COMMANDS"] = "1";
  }

  local_process::SpawnPlan plan;
  plan.command = handler.command;
  auto path = env.find("PATH");
  plan.exec_paths =
      ExecPaths(handler.command, path != env.end() ? std::string_view(path->second) : kDefaultPath);
  plan.argv.reserve(handler.args.size() + 1);
  plan.argv.push_back(handler.command);
  plan.argv.insert(plan.argv.end(), handler.args.begin(), handler.args.end());
  plan.env.reserve(env.size());
  for (auto& [name, value] : env) {
    std::string entry;
    entry.reserve(name.size() + 1 + value.size());
    entry.append(name).append("=").append(value);
    plan.env.push_back(std::move(entry));
  }
  plan.work_dir = work_dir->path();
  plan.limits = registry->limits.at(spec.operation_type);

  auto run = std::make_shared<HandlerRun>(spec.operation_name, options_.max_pending_log_bytes);
  run->work_dir = std::move(work_dir);
  POP_ASSIGN_OR_RETURN(local_process::SpawnedChild child, spawners_->Spawn(plan));
  uint64_t child_id = 0;
  if (child.exec_errno != 0) {
    local_process::HandlerEnd end;
    end.how = local_process::HandlerEnd::How::kNotStarted;
    end.exec_errno = child.exec_errno;
    end.command = handler.command;
    run->End(local_process::BuildOutcome(spec.operation_name, end, std::nullopt, false,
                                         std::nullopt, {}, reactor_->WallNow()));
  } else {
    // Recorded before the reactor can reap it (and remove the record).
    if (records_ != nullptr) records_->Add(child.pid);
    POP_ASSIGN_OR_RETURN(
        child_id, reactor_->Follow(
                      std::move(child),
                      {handler.timeout, handler.cancel_grace, handler.exit_zero_is_success}, run));
  }
  return std::unique_ptr<LaunchedOperation>(
      new ProcessOperation(reactor_, std::move(run), child_id, handler.cancel_grace));
}

}  // namespace pop
