// ServerRuntime: the composition root of `pop server` and `pop dev`. Picks the adapters
// (SQLite or PostgreSQL store, Beast HTTP server, spdlog logger, system clock, OS randomness),
// wires the use cases and the router, serves until SIGINT/SIGTERM, then stops gracefully: in-flight
// requests finish, then the database is closed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/graphite_flags.h"
#include "core/base/result.h"

namespace pop::cli {

struct ServerConfig {
  std::string listen = "127.0.0.1:9090";  // host:port; port 0 picks a free port
  // "sqlite:PATH", or a PostgreSQL URI ("postgresql://user@host:port/db", also postgres://;
  // missing parts come from the PG* environment variables). Shown only with the password
  // redacted.
  std::string store;
  size_t store_connections = 8;  // PostgreSQL: connections for reads (one more writes)
  std::string base_path = "/pop";
  std::string log_level = "info";
  // HTTPS: both set (PEM certificate chain and its private key), or neither for plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  size_t max_body_bytes = size_t{10} * 1024 * 1024;
  bool accept_unknown_fields = false;  // the original's tolerance of fields the model lacks
  size_t max_batch = 1'000;            // most agendas in one bulk submission (a JSON array)
  size_t worker_threads = 16;
  int64_t retry_backoff_seconds = 5;  // before an automatic retry; negative: no retries
  int64_t claim_lease_seconds = 60;   // a claimed agenda returns to its queue after this long
                                      // unless its executor reports
  // Maintenance (docs/operations.md). Times in seconds; each job runs in one instance at a time.
  bool maintenance = true;                // false: no reclaimer and no reaper here
  bool maintenance_log_only = false;      // jobs only log what they would do
  int64_t reclaim_after_seconds = 300;    // EXECUTING without an update this long: failed
  int64_t reclaim_interval_seconds = 60;  // how often the reclaimer looks
  int64_t reap_finished_after_seconds = int64_t{3} * 24 * 3600;  // finished work kept this long
  int64_t reap_templates_after_seconds = -1;                     // negative: templates are kept
  int64_t reap_interval_seconds = 3600;                          // how often the reaper runs
  int64_t audit_retention_seconds = int64_t{90} * 24 * 3600;     // audit records kept this long
  // When the store holds no token yet: create a super-user token and write it to this file
  // (mode 0600). `pop dev` always sets it to <data-dir>/admin-token.
  std::optional<std::string> bootstrap_token_file;
  bool dev_banner = false;  // print the quick-start banner (pop dev)
  // pop dev: create the dev pool, insight and customer, and run a puller in-process.
  bool dev_workspace = false;
  std::optional<std::string> data_dir;  // pop dev: holds handlers.json
  // pop dev: the handler registry (docs/handlers.md); nullopt: <data_dir>/handlers.json.
  std::optional<std::string> registry_file;
  // In-process puller: Agendas running at once. Higher than a remote puller's 8: in pop dev a
  // slot mostly waits for the store's commits (the claim, the final report), and with 8 slots
  // the drain fell to half of what 16 submitters acknowledged (BENCHMARKS.md, issue 6).
  size_t max_agendas = 64;
  size_t max_parallel_operations = 50;  // per Agenda
  // The alerting configuration file (JSON, docs/alerting.md): rules, sinks, delivery. Unset:
  // no alerts are evaluated and GET /alert lists none.
  std::optional<std::string> alerts_file;
  // Written once the server accepts requests: "http://host:port", or "https://host:port" with
  // TLS (used by tests and scripts).
  std::optional<std::string> ready_file;
  // Metrics (docs/metrics.md): GET /metrics open to scrapers without a token ("open") or only
  // with a valid token ("token"); and the Graphite push.
  std::string metrics_access = "open";
  GraphiteConfig graphite;
};

// Blocks until a termination signal. The caller must have blocked SIGINT/SIGTERM in every
// thread (BlockTerminationSignals) before any thread was started.
[[nodiscard]] Status RunServer(const ServerConfig& config);

// Blocks SIGINT and SIGTERM (so RunServer can wait for them) and ignores SIGPIPE. Call first
// thing in main.
void BlockTerminationSignals();

// This build's version ("0.1.0"): `pop --version` and GET /healthz.
const char* PopVersion();

// Overwrites every password in the process's arguments (that of a PostgreSQL URI given to
// --store) with '*': `ps` shows the arguments to every user. Call once they are parsed. A
// password is visible from exec until then; PGPASSWORD and ~/.pgpass never show.
void HidePasswordsInArguments(int argc, char** argv);

// Splits "host:port". Errors: kInvalidArgument.
[[nodiscard]] Result<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& text);

}  // namespace pop::cli
