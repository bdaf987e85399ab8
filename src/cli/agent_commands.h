// Flags of `pop puller` and `pop executor` (src/cli/agent_runtime.h runs them).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/agent_runtime.h"

namespace pop::cli {

struct AgentCommandState {
  PullerConfig puller;
  ExecutorConfig executor;
  std::string registry;
  CLI::App* puller_command = nullptr;
  CLI::App* executor_command = nullptr;
};

void AddAgentCommands(CLI::App& app, AgentCommandState& state);

// The exit code of the agent command that was parsed, or -1 when none was.
int RunAgentCommand(AgentCommandState& state, int argc, char** argv);

}  // namespace pop::cli
