#include "cli/command_suggestion.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "core/base/closest_name.h"

namespace pop::cli {
namespace {

// "unknown <what> '<word>' for '<path>'", and the closest known name when there is one.
std::string UnknownMessage(const char* what, const std::string& word, const std::string& path,
                           const std::string& closest) {
  std::string message = "unknown ";
  message += what;
  message += " '";
  message += word;
  message += "' for '";
  message += path;
  message += "'";
  if (!closest.empty()) {
    message += "; did you mean '";
    message += closest;
    message += "'?";
  }
  return message;
}

}  // namespace

std::optional<std::string> UnknownWordMessage(const CLI::App& app,
                                              const std::vector<std::string>& args) {
  const CLI::App* current = &app;
  std::string path = "pop";
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (arg.rfind("--", 0) == 0) {
      const std::string name = arg.substr(2, arg.find('=') - 2);
      std::vector<std::string> known;
      bool found = false;
      for (const CLI::Option* option : current->get_options()) {
        for (const std::string& long_name : option->get_lnames()) {
          found = found || long_name == name;
          known.push_back(long_name);
        }
      }
      if (!found && !name.empty()) {
        std::vector<std::string> flags;
        flags.reserve(known.size());
        for (const std::string& k : known) flags.push_back("--" + k);
        return UnknownMessage("option", "--" + name, path, ClosestName("--" + name, flags));
      }
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    std::vector<const CLI::App*> subcommands;
    for (const CLI::App* sub : current->get_subcommands({})) subcommands.push_back(sub);
    if (subcommands.empty()) break;  // the rest are the command's own arguments
    auto it = std::find_if(subcommands.begin(), subcommands.end(),
                           [&arg](const CLI::App* sub) { return sub->check_name(arg); });
    if (it == subcommands.end()) {
      std::vector<std::string> names;
      names.reserve(subcommands.size());
      for (const CLI::App* sub : subcommands) names.push_back(sub->get_name());
      return UnknownMessage("command", arg, path, ClosestName(arg, names));
    }
    current = *it;
    path += " " + current->get_name();
  }
  return std::nullopt;
}

}  // namespace pop::cli
