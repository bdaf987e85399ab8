// pop: one binary, several roles (docs/architecture.md). This file only parses flags and hands
// over to src/cli.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/agent_commands.h"
#include "cli/api_client.h"
#include "cli/client_commands.h"
#include "cli/client_handler_commands.h"
#include "cli/command_suggestion.h"
#include "cli/completion.h"
#include "cli/handler_sample.h"
#include "cli/server_runtime.h"

namespace {

int Fail(const pop::Error& error) {
  std::fprintf(stderr, "pop: %s\n", error.message.c_str());
  return pop::cli::ExitCodeFor(error);
}

void AddServerFlags(CLI::App& command, pop::cli::ServerConfig& config) {
  command.add_option("--listen", config.listen, "host:port to serve on")->capture_default_str();
  command.add_option("--tls-cert", config.tls_cert_file,
                     "serve HTTPS: PEM certificate chain (needs --tls-key)");
  command.add_option("--tls-key", config.tls_key_file, "serve HTTPS: PEM private key");
  command.add_option("--base-path", config.base_path, "URL prefix of the API")
      ->capture_default_str();
  command.add_option("--log-level", config.log_level, "debug, info, warning or error")
      ->capture_default_str();
  command.add_option("--max-body-bytes", config.max_body_bytes, "largest accepted request body")
      ->capture_default_str();
  command.add_flag("--accept-unknown-fields", config.accept_unknown_fields,
                   "ignore body fields pop does not know, as the original did (default: 400 naming "
                   "the field)");
  command
      .add_option("--max-batch", config.max_batch,
                  "most agendas one bulk submission (a JSON array POSTed to /agenda) may hold; "
                  "more answer 413")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100'000}));
  command.add_option("--workers", config.worker_threads, "request handler threads")
      ->capture_default_str();
  command
      .add_option("--claim-lease-seconds", config.claim_lease_seconds,
                  "a claimed agenda returns to its queue unless its executor reports in time")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  command
      .add_option("--retry-backoff-seconds", config.retry_backoff_seconds,
                  "wait before an automatic retry of a failed Agenda; negative turns them off")
      ->capture_default_str();
  command.add_flag("!--no-maintenance", config.maintenance,
                   "run no reclaimer and no reaper in this instance");
  command.add_flag("--maintenance-log-only", config.maintenance_log_only,
                   "the reclaimer and the reaper only log what they would do");
  command
      .add_option("--reclaim-after-seconds", config.reclaim_after_seconds,
                  "an EXECUTING agenda without a progress update this long is failed")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{30} * 86400));
  command
      .add_option("--reclaim-interval-seconds", config.reclaim_interval_seconds,
                  "how often the reclaimer looks for stale executions")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{86400}));
  command
      .add_option("--reap-finished-after-seconds", config.reap_finished_after_seconds,
                  "finished agendas, their progress and logs are deleted this long after they end")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{10} * 365 * 86400));
  command
      .add_option("--reap-templates-after-seconds", config.reap_templates_after_seconds,
                  "agenda templates not updated this long are deleted; negative keeps them")
      ->capture_default_str();
  command
      .add_option("--reap-interval-seconds", config.reap_interval_seconds,
                  "how often the reaper runs")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{7} * 86400));
  command
      .add_option("--audit-retention-seconds", config.audit_retention_seconds,
                  "audit records (state-changing API calls) are deleted this long after the call")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{3600}, int64_t{10} * 365 * 86400));
  command
      .add_option("--metrics-access", config.metrics_access,
                  "GET /metrics: open (no token) or token (any valid token)")
      ->capture_default_str();
  pop::cli::AddGraphiteFlags(command, config.graphite);
  command.add_option("--alerts", config.alerts_file,
                     "alerting rules and sinks (JSON; docs/alerting.md), checked at start");
  command.add_option("--ready-file", config.ready_file,
                     "write the server URL to this file once it accepts requests");
}

int RunDev(pop::cli::ServerConfig config, const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return Fail(pop::Error(pop::ErrorCode::kInvalidArgument,
                           "cannot create data dir " + data_dir + ": " + ec.message()));
  }
  // The data dir holds the database and the admin token: owner-only (0700), whether pop created
  // it now or an earlier run left it open to others.
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) {
    return Fail(pop::Error(pop::ErrorCode::kInvalidArgument,
                           "cannot make data dir " + data_dir + " owner-only: " + ec.message()));
  }
  config.store = "sqlite:" + data_dir + "/pop.db";
  config.bootstrap_token_file = data_dir + "/admin-token";
  config.dev_banner = true;
  config.dev_workspace = true;
  config.data_dir = data_dir;
  pop::Status status = pop::cli::RunServer(config);
  return status.ok() ? 0 : Fail(status.error());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pop: Priority Operation Processing, a workflow orchestrator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pop ") + pop::cli::PopVersion());

  pop::cli::ServerConfig dev_config;
  std::string data_dir = "pop-data";
  CLI::App* dev = app.add_subcommand("dev", "run everything in one process on embedded SQLite");
  AddServerFlags(*dev, dev_config);
  dev->add_option("--data-dir", data_dir, "where the database and admin token live")
      ->capture_default_str();
  dev->add_option("--registry", dev_config.registry_file,
                  "handler registry: operation type -> command (docs/handlers.md); default "
                  "<data-dir>/handlers.json. Edits apply while running");
  dev->add_option("--max-agendas", dev_config.max_agendas,
                  "Agendas the in-process puller runs at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  dev->add_option("--max-operations", dev_config.max_parallel_operations,
                  "operations at once, per Agenda")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));

  pop::cli::ServerConfig server_config;
  CLI::App* server = app.add_subcommand("server", "serve the API over a shared store");
  AddServerFlags(*server, server_config);
  server
      ->add_option("--store", server_config.store,
                   "sqlite:PATH, or postgresql://[user@][host][:port][/database] (PG* environment "
                   "variables fill in the rest; give the password with PGPASSWORD or ~/.pgpass)")
      ->required();
  server
      ->add_option("--store-connections", server_config.store_connections,
                   "PostgreSQL: connections for reads (one more writes)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  server->add_option("--bootstrap-token-file", server_config.bootstrap_token_file,
                     "if the store has no token yet, create an admin token and write it here");

  CLI::App* handler =
      app.add_subcommand("handler", "list the registered handlers, or run a built-in one");
  handler->require_subcommand(1);
  CLI::App* handler_sample = handler->add_subcommand(
      "sample", "the sample handler (type sample); takes -payloadFile <path> like any handler");
  handler_sample->prefix_command();  // its arguments are the handler's, passed on untouched

  pop::cli::ClientCommandState client_state;
  pop::cli::AddClientCommands(app, client_state);
  pop::cli::AddHandlerCommands(*handler, client_state);
  pop::cli::AgentCommandState agent_state;
  pop::cli::AddAgentCommands(app, agent_state);
  pop::cli::AddCompletionCommand(app, client_state);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      // A typo gets a suggestion rather than CLI11's "A subcommand is required".
      std::vector<std::string> args(argv + 1, argv + argc);
      if (auto message = pop::cli::UnknownWordMessage(app, args)) {
        std::cerr << "pop: " << *message << "\nRun with --help for more information.\n";
        return 2;
      }
    }
    return app.exit(e) == 0 ? 0 : 2;
  }
  // Client commands end at once on SIGINT/SIGTERM (130/143); every other role blocks them
  // before it starts a thread, and shuts down in order when one arrives.
  if (int code = pop::cli::RunClientCommand(client_state); code >= 0) return code;
  pop::cli::BlockTerminationSignals();
  if (int code = pop::cli::RunAgentCommand(agent_state, argc, argv); code >= 0) return code;
  if (dev->parsed()) return RunDev(dev_config, data_dir);
  if (server->parsed()) {
    pop::cli::HidePasswordsInArguments(argc, argv);
    pop::Status status = pop::cli::RunServer(server_config);
    return status.ok() ? 0 : Fail(status.error());
  }
  if (handler_sample->parsed()) {
    std::vector<std::string> args = handler_sample->remaining();
    std::vector<char*> handler_argv{argv[0]};
    for (std::string& arg : args) handler_argv.push_back(arg.data());
    handler_argv.push_back(nullptr);
    return pop::cli::RunSampleHandler(static_cast<int>(handler_argv.size() - 1),
                                      handler_argv.data());
  }
  return 2;
}
