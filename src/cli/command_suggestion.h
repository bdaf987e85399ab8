// CommandSuggestion: what to tell a user whose command line names a command or a long option
// that does not exist, when a known one is a typo away (`pop agenda sumbit` → "did you mean
// 'submit'?").
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace pop::cli {

// The message for the first unknown command (a word where `app`'s tree expects a subcommand) or
// unknown long option (`--limt`) in `args` (argv without the program name; the root is called
// "pop" in the message), naming the closest
// known name within two edits when there is one; nullopt when every word is known.
std::optional<std::string> UnknownWordMessage(const CLI::App& app,
                                              const std::vector<std::string>& args);

}  // namespace pop::cli
