// Launcher factories for the launcher contract suite (launcher_contract_test.cc), one per
// Launcher implementation that runs external handlers, and the per-test scratch directory.
// The suite describes handlers as small /bin/sh scripts; each factory decides how to run them.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "adapters/local_process/handler_registry.h"
#include "core/base/result.h"
#include "ports/launcher.h"

namespace pop::testing {

// One operation type of a test registry.
struct TestHandler {
  std::string type;
  std::string script;   // a /bin/sh script (without the #! line)
  std::string command;  // instead of a script: run this program (e.g. one that does not exist)
  std::map<std::string, std::string> env;  // the registry's extra variables
  std::chrono::milliseconds timeout = std::chrono::seconds(120);
  std::chrono::milliseconds cancel_grace = std::chrono::seconds(5);
  bool exit_zero_is_success = false;    // the registry's exitZeroIsSuccess
  bool allow_payload_commands = false;  // the registry's allowPayloadCommands
  bool keep_work_dir = false;           // the registry's keepWorkDir
  HandlerLimits limits;                 // the registry's limits
};

struct LauncherSetup {
  std::string scratch_dir;    // the test's own directory, for script files
  std::string work_dir_root;  // where handlers get their working directories
  std::vector<TestHandler> handlers;
  std::chrono::milliseconds complete_grace = std::chrono::seconds(10);
};

struct LauncherFactory {
  std::string name;  // test-name suffix: letters and digits only
  std::function<Result<std::unique_ptr<Launcher>>(const LauncherSetup& setup)> create;
};

// Every implementation the contract suite runs against.
std::vector<LauncherFactory> AllLauncherFactories();

// For gtest's messages about parameter values.
void PrintTo(const LauncherFactory& factory, std::ostream* os);

// A new, empty directory, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pop::testing
