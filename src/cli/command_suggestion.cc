#include "cli/command_suggestion.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>

namespace pop::cli {
namespace {

// Levenshtein distance, counting a swap of neighbours as one edit.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string Closest(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = 3;  // at most two edits
  for (const std::string& candidate : known) {
    const size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

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
        return UnknownMessage("option", "--" + name, path, Closest("--" + name, flags));
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
      return UnknownMessage("command", arg, path, Closest(arg, names));
    }
    current = *it;
    path += " " + current->get_name();
  }
  return std::nullopt;
}

}  // namespace pop::cli
