// Shell completion for pop: `pop completion bash|zsh` prints a script generated from the CLI11
// command tree (every command, subcommand and option, with the values of options that list them
// as "a|b|c"), so a new command completes without anyone editing a list.
#pragma once

#include <optional>
#include <string>

#include "cli/client_command.h"

namespace CLI {
class App;
}  // namespace CLI

namespace pop::cli {

// The completion script of `root`'s tree for `shell` ("bash" or "zsh"); nullopt for another.
std::optional<std::string> CompletionScript(const CLI::App& root, const std::string& shell);

// `pop completion bash|zsh` under `root`; the script covers the whole tree as it stands when the
// command runs, so register it at any point.
void AddCompletionCommand(CLI::App& root, ClientCommandState& state);

}  // namespace pop::cli
