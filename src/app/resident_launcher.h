// ResidentLauncher: operation types that run inside the executor (spec §14.5), fixed per
// docs/compat.md (a resident handler that succeeds is recorded as succeeded):
//   noop         output = the payload (tests and benchmarks)
//   logMessages  {"logMessages": ["..."]}: each line goes to the operation's log; no output
//   updateAgenda {"operations": [...], "params": {...}, "logOnly": bool}: tags every operation
//                with generatedOperationParent = this operation and, unless logOnly, appends them
//                to the agenda on the server; output {"operations": [...], "params": {...}}
// Thread-safe.
#pragma once

#include "ports/launcher.h"
#include "ports/pool_client.h"

namespace pop::app {

class ResidentLauncher final : public Launcher {
 public:
  // `client` persists generated operations (updateAgenda); it must outlive the launcher.
  explicit ResidentLauncher(PoolClient& client) : client_(client) {}

  bool Handles(const std::string& type) const override;
  // noop and logMessages; not updateAgenda, which calls the server.
  bool Instant(const std::string& type) const override;
  Result<std::unique_ptr<LaunchedOperation>> Launch(const LaunchSpec& spec) override;

 private:
  PoolClient& client_;
};

}  // namespace pop::app
