// DevHandlers: the handlers of `pop dev`. Its registry file (`--registry FILE`, else
// <data dir>/handlers.json, written with `sample` and `echo` on first start), the process
// launcher that runs it, and a watch that reads the file again every `check_interval` and
// applies a change without a restart: the launcher's types, the dev pool's `handlerTypes` and
// the dev insight's mappers (app/dev_workspace.h). A file that does not parse is logged with the
// field at fault and the registry in use stays. Thread-safe.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/local_process/process_launcher.h"
#include "app/data_object_service.h"
#include "ports/clock.h"
#include "ports/logger.h"
#include "ports/mutex.h"

namespace pop::cli {

struct DevHandlersOptions {
  std::optional<std::string> registry_file;  // nullopt: <data_dir>/handlers.json
  std::filesystem::path data_dir;
  Duration check_interval = Duration::Seconds(1);
};

class DevHandlers {
 public:
  // Loads the registry (errors name the file and the field), creates the launcher from
  // `launcher_options` with it, and brings the dev workspace in line with it. Not watching yet.
  // `clock`, `logger` and `data` must outlive the object.
  [[nodiscard]] static Result<std::unique_ptr<DevHandlers>> Create(
      DevHandlersOptions options, ProcessLauncherOptions launcher_options, const Clock& clock,
      Logger& logger, app::DataObjectService& data);
  ~DevHandlers();  // Stop()
  DevHandlers(const DevHandlers&) = delete;
  DevHandlers& operator=(const DevHandlers&) = delete;

  ProcessLauncher& launcher() { return *launcher_; }
  const std::string& registry_file() const { return registry_file_; }
  // The registered types, sorted (the resident ones are not among them).
  std::vector<std::string> Types() const { return launcher_->Types(); }

  // Starts the thread that calls Reload() every check_interval.
  void StartWatching();
  // Joins the thread. Idempotent.
  void Stop();

  // Reads the file; when its text changed since the last read and it parses, applies it. A file
  // that cannot be read or parsed changes nothing and is returned as the error (and logged once
  // per distinct text); Ok when the registry is unchanged or was applied.
  [[nodiscard]] Status Reload();

 private:
  DevHandlers(std::string registry_file, std::string text, Duration check_interval,
              std::unique_ptr<ProcessLauncher> launcher, const Clock& clock, Logger& logger,
              app::DataObjectService& data);
  void Watch();

  const std::string registry_file_;
  const Duration check_interval_;
  const std::unique_ptr<ProcessLauncher> launcher_;
  const Clock& clock_;
  Logger& logger_;
  app::DataObjectService& data_;

  Mutex reload_mu_;  // one Reload at a time
  std::string last_text_ POP_GUARDED_BY(reload_mu_);

  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  std::thread thread_;  // set by StartWatching, joined by Stop
};

}  // namespace pop::cli
