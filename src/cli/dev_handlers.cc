#include "cli/dev_handlers.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "app/dev_workspace.h"
#include "cli/agent_runtime.h"
#include "core/validate/operation_types.h"

namespace pop::cli {
namespace {

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(ErrorCode::kInvalidArgument, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What the dev insight maps and the dev pool announces: the resident types and the registry's.
Status SyncWorkspace(app::DataObjectService& data, const std::vector<std::string>& registered) {
  std::vector<std::string> types = ResidentOperationTypes();
  types.insert(types.end(), registered.begin(), registered.end());
  return app::EnsureDevWorkspace(data, types);
}

std::string Joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? std::string("(none)") : text;
}

}  // namespace

Result<std::unique_ptr<DevHandlers>> DevHandlers::Create(DevHandlersOptions options,
                                                         ProcessLauncherOptions launcher_options,
                                                         const Clock& clock, Logger& logger,
                                                         app::DataObjectService& data) {
  std::string path;
  std::map<std::string, HandlerCommand> registry;
  if (options.registry_file) {
    path = *options.registry_file;
    POP_ASSIGN_OR_RETURN(registry, LoadHandlerRegistry(path));
  } else {
    path = (options.data_dir / "handlers.json").string();
    POP_ASSIGN_OR_RETURN(registry, EnsureDevRegistry(options.data_dir.string()));
  }
  POP_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  launcher_options.types = std::move(registry);
  POP_ASSIGN_OR_RETURN(std::unique_ptr<ProcessLauncher> launcher,
                       ProcessLauncher::Create(std::move(launcher_options)));
  POP_RETURN_IF_ERROR(SyncWorkspace(data, launcher->Types()));
  return std::unique_ptr<DevHandlers>(new DevHandlers(std::move(path), std::move(text),
                                                      options.check_interval, std::move(launcher),
                                                      clock, logger, data));
}

DevHandlers::DevHandlers(std::string registry_file, std::string text, Duration check_interval,
                         std::unique_ptr<ProcessLauncher> launcher, const Clock& clock,
                         Logger& logger, app::DataObjectService& data)
    : registry_file_(std::move(registry_file)),
      check_interval_(check_interval),
      launcher_(std::move(launcher)),
      clock_(clock),
      logger_(logger),
      data_(data),
      last_text_(std::move(text)) {}

DevHandlers::~DevHandlers() { Stop(); }

void DevHandlers::StartWatching() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Watch(); });
}

void DevHandlers::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DevHandlers::Watch() {
  MutexLock lock(mu_);
  while (!stopping_) {
    mu_.WaitUntil(clock_, cv_, clock_.Now() + check_interval_);
    if (stopping_) break;
    lock.Unlock();
    // A bad file is logged by Reload and changes nothing; the next change is read again.
    (void)Reload();
    lock.Lock();
  }
}

Status DevHandlers::Reload() {
  MutexLock lock(reload_mu_);
  Result<std::string> text = ReadText(registry_file_);
  if (!text.ok()) return text.error();  // e.g. mid-rename by an editor: read again next time
  if (*text == last_text_) return Status::Ok();
  last_text_ = *text;  // a bad text is reported once, not every second
  Result<std::map<std::string, HandlerCommand>> registry = ParseHandlerRegistry(*text);
  Status applied = registry.ok() ? launcher_->ReplaceTypes(std::move(registry).value())
                                 : Status(registry.error());
  if (!applied.ok()) {
    logger_.Log(LogLevel::kWarning,
                "handler registry " + registry_file_ +
                    " not reloaded, the one in use stays: " + applied.error().message);
    return Error(applied.error().code, registry_file_ + ": " + applied.error().message);
  }
  POP_RETURN_IF_ERROR(SyncWorkspace(data_, launcher_->Types()));
  logger_.Log(LogLevel::kInfo,
              "handler registry " + registry_file_ + " reloaded: " + Joined(launcher_->Types()));
  return Status::Ok();
}

}  // namespace pop::cli
