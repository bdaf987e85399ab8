#include "contract/launcher_factories_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "adapters/local_process/process_launcher.h"
#include "core/base/check.h"

namespace pop::testing {
namespace {

Result<std::unique_ptr<Launcher>> CreateProcessLauncherWith(const LauncherSetup& setup,
                                                            size_t spawn_threads) {
  ProcessLauncherOptions options;
  options.spawn_threads = spawn_threads;
  options.complete_grace = setup.complete_grace;
  options.work_dir_root = setup.work_dir_root;
  for (const TestHandler& handler : setup.handlers) {
    HandlerCommand command;
    if (handler.command.empty()) {
      std::string path = setup.scratch_dir + "/" + handler.type + ".sh";
      std::ofstream file(path);
      file << "#!/bin/sh\n" << handler.script;
      file.close();
      if (!file) {
        return Error(ErrorCode::kInternal, "cannot write " + path);
      }
      command.command = "/bin/sh";
      command.args = {path};
    } else {
      command.command = handler.command;
    }
    command.env = handler.env;
    command.timeout = handler.timeout;
    command.cancel_grace = handler.cancel_grace;
    command.exit_zero_is_success = handler.exit_zero_is_success;
    command.allow_payload_commands = handler.allow_payload_commands;
    command.keep_work_dir = handler.keep_work_dir;
    command.limits = handler.limits;
    options.types.emplace(handler.type, std::move(command));
  }
  POP_ASSIGN_OR_RETURN(std::unique_ptr<ProcessLauncher> launcher,
                       ProcessLauncher::Create(std::move(options)));
  return std::unique_ptr<Launcher>(std::move(launcher));
}

}  // namespace

std::vector<LauncherFactory> AllLauncherFactories() {
  return {
      {"Process",
       [](const LauncherSetup& setup) {
         return CreateProcessLauncherWith(setup, ProcessLauncherOptions().spawn_threads);
       }},
      // As pop dev runs it: each handler started on the thread that launches it (the suite's
      // threads all outlive their handlers).
      {"ProcessSpawningOnTheCallingThread",
       [](const LauncherSetup& setup) { return CreateProcessLauncherWith(setup, 0); }},
  };
}

void PrintTo(const LauncherFactory& factory, std::ostream* os) { *os << factory.name; }

ScratchDir::ScratchDir() {
  std::string pattern = ::testing::TempDir() + "pop_launcher_XXXXXX";
  char* created = mkdtemp(pattern.data());
  POP_CHECK(created != nullptr) << "cannot create a temporary directory from " << pattern;
  path_ = created;
}

ScratchDir::~ScratchDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

}  // namespace pop::testing
