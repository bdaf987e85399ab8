// ClientCommand: one client subcommand of `pop` (agenda submit, pool list, ...) with the options
// CLI11 fills in, plus what every such command shares: the connection flags, connecting, exit
// codes, reading JSON input from a file or stdin, and reporting an error.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/client_output.h"
#include "cli/json_input.h"
#include "core/base/result.h"
#include "core/json/json.h"

namespace CLI {
class App;
}  // namespace CLI

namespace pop::cli {

// Process exit codes of client commands (README "The CLI"). ExitCodeFor maps an Error to 1-3.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefusedOrFailed = 1;  // the server refused, or the agenda failed
inline constexpr int kExitBadInput = 2;         // bad usage or input
inline constexpr int kExitUnreachable = 3;      // the server could not be reached
inline constexpr int kExitTimedOut = 4;         // --wait/watch gave up after --timeout

// A parsed command's work. Run() returns the process exit code. Immutable once parsed.
class ClientCommand {
 public:
  virtual ~ClientCommand() = default;
  [[nodiscard]] virtual int Run() const = 0;
};

// Filled by AddClientCommands; each entry is a subcommand and the work it does when parsed.
struct ClientCommandState {
  struct Entry {
    CLI::App* app = nullptr;  // owned by the CLI11 tree
    std::unique_ptr<ClientCommand> command;
  };
  std::vector<Entry> commands;
};

// A command whose options live in an `Options` struct that CLI11 binds to and `run` reads.
template <typename Options>
class BoundCommand final : public ClientCommand {
 public:
  using Runner = int (*)(const Options&);
  explicit BoundCommand(Runner run) : run_(run) {}
  int Run() const override { return run_(options); }

  Options options;  // bound by address: the command lives on the heap and never moves

 private:
  Runner run_;
};

// Registers `app` with a fresh Options that `run` receives; returns the Options to bind flags to.
template <typename Options>
Options& RegisterCommand(ClientCommandState& state, CLI::App* app,
                         typename BoundCommand<Options>::Runner run) {
  auto command = std::make_unique<BoundCommand<Options>>(run);
  Options& options = command->options;
  state.commands.push_back({app, std::move(command)});
  return options;
}

// --server, --token, --data-dir (resolved by ResolveClientConfig).
struct ConnectionFlags {
  std::string server;
  std::string token;
  std::string data_dir;
  std::string ca_file;
};
void AddConnectionFlags(CLI::App& command, ConnectionFlags& flags);

// -o/--output table|json|yaml (default table) and --json, the same as --output json: the
// formats of every read command. An unknown format is a usage error naming the flag.
void AddOutputFlag(CLI::App& command, OutputFormat& format);

// Errors: kInvalidArgument (no token found), kInternal (libcurl could not start).
[[nodiscard]] Result<ApiClient> Connect(const ConnectionFlags& flags);

// Prints "pop: <message>" to stderr and returns the exit code for the error.
int Fail(const Error& error);

// The text of `path`, or of stdin when `path` is "-". Errors: kInvalidArgument naming the file.
[[nodiscard]] Result<std::string> ReadInput(const std::string& path);
// ReadInput, then parses a JSON object. Errors: kInvalidArgument naming the file, with the
// parser's line and column, or saying what the document was instead of an object.
[[nodiscard]] Result<JsonObject> ReadJsonObject(const std::string& path);

// The customer a created object belongs to when neither the file nor the flags name one:
// `flag`, else POP_CUSTOMER, else "dev" (the workspace customer of `pop dev`).
std::string ResolveCustomer(const std::string& flag);

// "500ms", "30s", "10m", "1h30m" or a bare number of seconds; empty → no limit.
// Errors: kInvalidArgument naming `flag`.
[[nodiscard]] Result<std::optional<std::chrono::milliseconds>> ParseDuration(
    const std::string& text, const std::string& flag);

// The first element of a response's `field` array ("all", "agendas"), if it is an object.
const Json* FirstOf(const Json& response, const char* field);
// `object[key]` as a string, or `fallback` when absent or not a string.
std::string StringField(const Json& object, const char* key, const std::string& fallback = "");

// Writes `text` to stdout as is.
void Print(const std::string& text);

}  // namespace pop::cli
