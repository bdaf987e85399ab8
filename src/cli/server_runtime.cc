#include "cli/server_runtime.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "adapters/crypto/sha256_secret_hasher.h"
#include "adapters/http_client/curl_http_client.h"
#include "adapters/http_server/http_server.h"
#include "adapters/local_process/process_launcher.h"
#include "adapters/logging/spdlog_logger.h"
#include "adapters/postgres/conninfo.h"
#include "adapters/postgres/postgres_change_feed.h"
#include "adapters/postgres/postgres_leadership.h"
#include "adapters/postgres/postgres_store.h"
#include "adapters/prometheus/prometheus_text.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/random_id_generator.h"
#include "adapters/system/system_clock.h"
#include "api/router.h"
#include "app/agenda_service.h"
#include "app/alerts/alert_config.h"
#include "app/alerts/alert_dispatcher.h"
#include "app/alerts/alert_engine.h"
#include "app/alerts/alert_rules.h"
#include "app/alerts/insight_poll_recorder.h"
#include "app/audit_log.h"
#include "app/data_object_service.h"
#include "app/dev_workspace.h"
#include "app/in_process_pool_client.h"
#include "app/insight_queues.h"
#include "app/maintenance_jobs.h"
#include "app/maintenance_runner.h"
#include "app/metrics_registry.h"
#include "app/puller.h"
#include "app/resident_launcher.h"
#include "app/resource_pool_service.h"
#include "app/running_agendas.h"
#include "app/store_probe.h"
#include "app/token_service.h"
#include "cli/agent_runtime.h"
#include "cli/dev_handlers.h"

namespace pop::cli {
namespace {

constexpr std::string_view kSqlite = "sqlite:";

bool IsSqliteUri(const std::string& uri) {
  return uri.rfind(kSqlite, 0) == 0 && uri.size() > kSqlite.size();
}

// The one server of an SQLite database: an exclusive flock(2) on "<database>.lock", held while
// the server runs (the kernel drops it when the process dies, however it dies). The file names
// the holder's pid for the refusal's message. Move-only.
class SqliteServerLock {
 public:
  // Errors: kUnavailable when another process holds the lock, or the file cannot be opened.
  static Result<SqliteServerLock> Acquire(const std::string& database) {
    const std::string path = database + ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Error(ErrorCode::kUnavailable,
                   "cannot open the lock file " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char holder[32] = {};
      ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
      ::close(fd);
      std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "";
      pid.erase(pid.find_last_not_of(" \n") + 1);
      return Error(ErrorCode::kUnavailable,
                   "another pop server is already running on the SQLite database " + database +
                       (pid.empty() ? "" : " (process " + pid + ")") + ", which holds " + path +
                       "; an SQLite database serves one server: stop that one, or use PostgreSQL "
                       "(--store postgresql://...) to run several");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    bool written = ::ftruncate(fd, 0) == 0 &&
                   ::pwrite(fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
    static_cast<void>(written);  // the pid only improves the message of a refused second server
    return SqliteServerLock(fd);
  }
  SqliteServerLock(SqliteServerLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  SqliteServerLock& operator=(SqliteServerLock&&) = delete;
  SqliteServerLock(const SqliteServerLock&) = delete;
  SqliteServerLock& operator=(const SqliteServerLock&) = delete;
  ~SqliteServerLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  explicit SqliteServerLock(int fd) : fd_(fd) {}
  int fd_;
};

// The store, what holds it for this server, and the change feed that goes with it.
struct OpenedStore {
  std::optional<SqliteServerLock> lock;  // SQLite: this server's alone
  std::unique_ptr<Store> store;
  std::unique_ptr<PostgresChangeFeed> postgres_feed;  // PostgreSQL: other servers' changes
  std::unique_ptr<PostgresLeadership> leadership;     // PostgreSQL: who runs the timed jobs
  bool shared = false;                                // several servers may use the store
};

Result<OpenedStore> OpenStore(const ServerConfig& config, const std::string& origin,
                              const Clock& clock, Logger& logger, MetricsSink& metrics) {
  const std::string& uri = config.store;
  OpenedStore opened;
  if (IsSqliteUri(uri)) {
    SqliteStoreOptions options;
    options.path = uri.substr(kSqlite.size());
    options.metrics = &metrics;
    POP_ASSIGN_OR_RETURN(SqliteServerLock lock, SqliteServerLock::Acquire(options.path));
    opened.lock.emplace(std::move(lock));
    POP_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(options));
    opened.store = std::move(store);
    return opened;
  }
  if (postgres::IsPostgresUri(uri)) {
    PostgresStoreOptions options;
    options.conninfo = uri;
    options.reader_connections = config.store_connections;
    options.origin = origin;
    options.metrics = &metrics;
    POP_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(options));
    opened.store = std::move(store);
    PostgresChangeFeedOptions feed;
    feed.conninfo = uri;
    feed.origin = origin;
    POP_ASSIGN_OR_RETURN(opened.postgres_feed, PostgresChangeFeed::Open(feed, clock, logger));
    opened.leadership = std::make_unique<PostgresLeadership>(uri, options.connect_timeout);
    opened.shared = true;
    return opened;
  }
  return Error(ErrorCode::kInvalidArgument,
               "unsupported --store '" + postgres::RedactPassword(uri) +
                   "': expected sqlite:PATH or postgresql://[user@][host][:port][/database]");
}

// Writes `content` to `path` with mode 0600, replacing any previous file atomically.
Status WritePrivateFile(const std::string& path, const std::string& content) {
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status(ErrorCode::kUnavailable, "cannot write " + temp);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    return Status(ErrorCode::kUnavailable, "cannot write " + path);
  }
  return Status::Ok();
}

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace

const char* PopVersion() { return POP_VERSION; }

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // A write past the file size limit then fails (EFBIG, reported as unavailable) instead of
  // killing the server.
  ::signal(SIGXFSZ, SIG_IGN);
}

void HidePasswordsInArguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) postgres::MaskPassword(argv[i]);
}

Result<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Error(ErrorCode::kInvalidArgument, "--listen must be host:port, got '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  std::string_view digits(text.data() + colon + 1, text.size() - colon - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "--listen port must be 0-65535, got '" + text + "'");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

namespace {

// The reclaimer and the reaper, each under its store lease, on one thread.
// Alerting: the rules run as one more maintenance job (under its own store lease, so one server
// of those sharing a store evaluates them); notices go to the sinks through the dispatcher.
struct Alerting {
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<app::AlertDispatcher> dispatcher;
  std::unique_ptr<app::AlertEngine> engine;
  std::unique_ptr<app::AlertRules> rules;
  Duration interval;
};

// Reads and checks the file before anything starts: a bad file stops the server with the field.
Result<app::AlertConfig> LoadAlertConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument,
                 "--alerts: cannot read '" + path + "': " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto config = app::ParseAlertConfig(text.str());
  if (!config.ok()) {
    return Error(ErrorCode::kInvalidArgument, "--alerts " + path + ": " + config.error().message);
  }
  return config;
}

Result<std::unique_ptr<Alerting>> StartAlerting(const app::AlertConfig& config,
                                                app::Services services,
                                                const app::InsightQueues& queues, Logger& logger) {
  auto alerting = std::make_unique<Alerting>();
  POP_ASSIGN_OR_RETURN(auto http, CurlHttpClient::Create());
  alerting->http = std::move(http);
  std::string names;
  for (const app::AlertSinkConfig& sink : config.sinks) {
    names +=
        (names.empty() ? "" : ", ") + sink.name + " (" + app::AlertSinkKindName(sink.kind) + ")";
  }
  alerting->dispatcher = std::make_unique<app::AlertDispatcher>(
      *alerting->http, services.clock, logger, config.sinks, config.delivery);
  app::AlertDispatcher* dispatcher = alerting->dispatcher.get();
  Logger* log = &logger;
  alerting->engine = std::make_unique<app::AlertEngine>(
      services.store, services.clock, config.engine,
      [dispatcher, log](const app::AlertNotice& notice) {
        const bool firing = notice.transition == app::AlertTransition::kFiring;
        log->Log(firing ? LogLevel::kWarning : LogLevel::kInfo,
                 std::string("alert ") + (firing ? "firing: " : "resolved: ") + notice.alert.id +
                     ": " + notice.alert.summary);
        dispatcher->Enqueue(notice);
      });
  alerting->rules = std::make_unique<app::AlertRules>(services, *alerting->engine, config.rules,
                                                      [&queues] { return queues.LastPolls(); });
  alerting->interval = config.interval;
  logger.Log(LogLevel::kInfo, "alerting: rules every " +
                                  std::to_string(config.interval.millis() / 1000) +
                                  " s; sinks: " + (names.empty() ? std::string("none") : names));
  return alerting;
}

// The jobs one server of those sharing the store runs (each under its lease): the reclaimer, the
// reaper and, with alerting, the rules.
std::vector<app::MaintenanceJob> LeasedJobs(const ServerConfig& config, app::Services services,
                                            ChangeFeed& changes, Logger& logger,
                                            MetricsSink& metrics, Alerting* alerting) {
  app::AlertRules* alert_rules = alerting != nullptr ? alerting->rules.get() : nullptr;
  const app::MaintenanceDeps deps{services, changes, logger, metrics};
  app::ReclaimerOptions reclaim;
  reclaim.age = Duration::Seconds(config.reclaim_after_seconds);
  reclaim.log_only = config.maintenance_log_only;
  app::ReaperOptions reap;
  reap.finished_retention = Duration::Seconds(config.reap_finished_after_seconds);
  if (config.reap_templates_after_seconds >= 0) {
    reap.template_retention = Duration::Seconds(config.reap_templates_after_seconds);
  }
  reap.log_only = config.maintenance_log_only;
  reap.audit_retention = Duration::Seconds(config.audit_retention_seconds);
  auto reclaimer = std::make_shared<app::AgendaReclaimer>(deps, reclaim);
  auto reaper = std::make_shared<app::DataObjectReaper>(deps, reap);
  Logger* log = &logger;
  std::vector<app::MaintenanceJob> jobs;
  jobs.push_back({"reclaimer", Duration::Seconds(config.reclaim_interval_seconds),
                  [reclaimer, log, alert_rules]() -> Status {
                    POP_ASSIGN_OR_RETURN(app::ReclaimReport report, reclaimer->RunOnce());
                    if (alert_rules != nullptr) alert_rules->RecordReclaimed(report.reclaimed);
                    if (report.reclaimed > 0) {
                      log->Log(LogLevel::kInfo, "reclaimer: " + std::to_string(report.reclaimed) +
                                                    " stale executions failed, " +
                                                    std::to_string(report.retried) +
                                                    " of them retried");
                    }
                    return Status::Ok();
                  }});
  jobs.push_back(
      {"reaper", Duration::Seconds(config.reap_interval_seconds), [reaper, log]() -> Status {
         POP_ASSIGN_OR_RETURN(app::ReapReport report, reaper->RunOnce());
         if (report.audit_records > 0) {
           log->Log(LogLevel::kInfo, "reaper: deleted " + std::to_string(report.audit_records) +
                                         " audit records past their retention");
         }
         if (report.agendas + report.templates > 0) {
           log->Log(LogLevel::kInfo,
                    "reaper: deleted " + std::to_string(report.agendas) + " finished agendas (" +
                        std::to_string(report.operation_progress) +
                        " operation progress records, " + std::to_string(report.logs) +
                        " logs) and " + std::to_string(report.templates) + " templates");
         }
         return Status::Ok();
       }});
  if (alerting != nullptr) {
    jobs.push_back(
        {"alerts", alerting->interval, [alert_rules] { return alert_rules->RunOnce(); }});
  }
  return jobs;
}

std::unique_ptr<app::MaintenanceRunner> StartMaintenance(const ServerConfig& config,
                                                         app::Services services,
                                                         Leadership* leadership, Logger& logger,
                                                         MetricsSink& metrics,
                                                         std::vector<app::MaintenanceJob> jobs) {
  app::MaintenanceRunnerOptions options;
  // PostgreSQL: an advisory lock per job, released the moment a server dies; SQLite (one
  // server): the store's job leases.
  options.leadership = leadership;
  options.holder = services.ids.NewId();
  options.lease = Duration::Seconds(std::max<int64_t>(
      120, 2 * std::max(config.reclaim_interval_seconds, config.reap_interval_seconds)));
  auto runner =
      std::make_unique<app::MaintenanceRunner>(services, logger, metrics, options, std::move(jobs));
  runner->Start();
  return runner;
}

// Before anything is opened: both TLS flags or neither, and both files readable. Whether they
// hold a certificate and its matching key is checked by HttpServer::Create.
Status CheckTlsFlags(const ServerConfig& config) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return Status(ErrorCode::kInvalidArgument, config.tls_cert_file.empty()
                                                   ? "--tls-key needs --tls-cert as well"
                                                   : "--tls-cert needs --tls-key as well");
  }
  auto readable = [](const char* flag, const std::string& path) {
    if (path.empty() || std::ifstream(path).good()) return Status::Ok();
    return Status(ErrorCode::kInvalidArgument,
                  std::string(flag) + ": cannot read '" + path + "': " + std::strerror(errno));
  };
  POP_RETURN_IF_ERROR(readable("--tls-cert", config.tls_cert_file));
  return readable("--tls-key", config.tls_key_file);
}

}  // namespace

Status RunServer(const ServerConfig& config) {
  POP_ASSIGN_OR_RETURN(auto listen, ParseListenAddress(config.listen));
  POP_RETURN_IF_ERROR(CheckTlsFlags(config));
  if (config.metrics_access != "open" && config.metrics_access != "token") {
    return Error(ErrorCode::kInvalidArgument,
                 "--metrics-access: expected open or token, got '" + config.metrics_access + "'");
  }
  POP_ASSIGN_OR_RETURN(auto logger, SpdlogLogger::Create("pop", config.log_level));
  std::optional<app::AlertConfig> alert_config;
  if (config.alerts_file) {
    POP_ASSIGN_OR_RETURN(alert_config, LoadAlertConfig(*config.alerts_file));
  }
  SystemClock clock;
  RandomIdGenerator ids;
  // Names this server's writes in the change feed of a shared store (so it skips its own).
  const std::string origin = ids.NewId();
  // Outlives everything that records into it (the store's writer thread included).
  app::MetricsRegistry metrics;
  POP_ASSIGN_OR_RETURN(std::unique_ptr<GraphiteReporter> graphite,
                       MakeGraphite(config.graphite, metrics, metrics, clock, *logger));
  POP_ASSIGN_OR_RETURN(OpenedStore opened, OpenStore(config, origin, clock, *logger, metrics));
  std::unique_ptr<Store>& store = opened.store;
  Sha256SecretHasher hasher;
  app::Services services{*store, clock, ids};
  services.metrics = &metrics;
  services.retry_backoff =
      config.retry_backoff_seconds < 0
          ? std::nullopt
          : std::optional<Duration>(Duration::Seconds(config.retry_backoff_seconds));
  app::QueueOptions queue_options;
  queue_options.lease = Duration::Seconds(config.claim_lease_seconds);
  if (config.dev_workspace) {
    // pop dev is the only executor of its store, and only of its own SQLite file (locked above):
    // a shared store's claims belong to other servers too, and are never released here.
    if (opened.shared) {
      return Error(ErrorCode::kInvalidArgument, "pop dev runs on its own SQLite database only");
    }
    NullChangeFeed no_listener;  // the scheduler reads the ready entries when it starts
    // What its previous process was running or had claimed is resumed now, before the scheduler
    // reads the ready entries.
    POP_RETURN_IF_ERROR(
        app::RecoverLocalExecutions({services, no_listener, *logger, metrics}).status());
  }
  app::InsightQueues queues(services, queue_options, *logger);
  // SQLite: this server's own changes are all there are. PostgreSQL: other servers' too, from
  // the feed opened with the store (it has listened since then, so nothing is missed between the
  // scheduler's first read and its start).
  LocalChangeFeed local_changes;
  ChangeFeed& changes = opened.postgres_feed != nullptr
                            ? static_cast<ChangeFeed&>(*opened.postgres_feed)
                            : static_cast<ChangeFeed&>(local_changes);
  changes.Subscribe(&queues);
  // Stops the feed's deliveries before the scheduler goes, however this function returns.
  struct FeedStop {
    PostgresChangeFeed* feed;
    ~FeedStop() {
      if (feed != nullptr) feed->Stop();
    }
  } feed_stop{opened.postgres_feed.get()};
  POP_RETURN_IF_ERROR(queues.Start());
  metrics.AddCollector([&queues] { return queues.QueueGauges(); });
  if (opened.postgres_feed != nullptr) opened.postgres_feed->Start();
  std::unique_ptr<Alerting> alerting;
  if (alert_config) {
    POP_ASSIGN_OR_RETURN(alerting, StartAlerting(*alert_config, services, queues, *logger));
  }
  std::vector<app::MaintenanceJob> jobs;
  if (config.maintenance) {
    jobs = LeasedJobs(config, services, changes, *logger, metrics, alerting.get());
  } else if (alerting) {
    logger->Log(LogLevel::kWarning,
                "alerting: --no-maintenance: this server evaluates no alert rules (another "
                "server of the store does)");
  }
  // Every server, with or without alerting or --no-maintenance, records the polls it answered,
  // so that every server's Pools page and the alerting leader's pullerSilent see them all.
  jobs.push_back(
      app::InsightPollJob(std::make_shared<app::InsightPollRecorder>(
                              services.store, [&queues] { return queues.LastPolls(); }),
                          app::InsightPollInterval(alert_config ? &*alert_config : nullptr)));
  std::unique_ptr<app::MaintenanceRunner> maintenance = StartMaintenance(
      config, services, opened.leadership.get(), *logger, metrics, std::move(jobs));
  app::DataObjectService data(services, changes);
  // pop dev's executors, so that a cancel stops their handlers at once.
  app::RunningAgendas running_agendas;
  app::AgendaService agendas(services, changes, &running_agendas);
  app::ResourcePoolService pools(services, queues, changes);
  app::TokenService tokens(services, hasher);

  bool created_admin_token = false;
  if (config.bootstrap_token_file) {
    POP_ASSIGN_OR_RETURN(auto created, tokens.BootstrapAdmin("admin"));
    if (created) {
      POP_RETURN_IF_ERROR(WritePrivateFile(*config.bootstrap_token_file, created->secret + "\n"));
      created_admin_token = true;
      logger->Log(LogLevel::kInfo,
                  "created the admin token; saved to " + *config.bootstrap_token_file);
    }
  }

  // pop dev: the workspace a new user submits to, and an in-process puller that runs it.
  std::unique_ptr<app::InProcessPoolClient> pool_client;
  std::unique_ptr<app::ResidentLauncher> resident;
  std::unique_ptr<DevHandlers> handlers;
  std::unique_ptr<app::WorkerPool> workers;
  std::unique_ptr<app::Puller> puller;
  if (config.dev_workspace) {
    pool_client = std::make_unique<app::InProcessPoolClient>(pools, AuthContext::Service());
    resident = std::make_unique<app::ResidentLauncher>(*pool_client);
    ProcessLauncherOptions launcher_options;
    launcher_options.clock = &clock;
    // The process reaper: what handlers of a previous pop dev on this data dir left running.
    launcher_options.process_record_dir =
        std::filesystem::path(config.data_dir.value_or(".")) / "processes";
    // Each handler's own working directory (its HOME), removed after its operation.
    launcher_options.work_dir_root = std::filesystem::path(config.data_dir.value_or(".")) / "work";
    // Handlers start on the executor's worker thread that launches them (and waits for their
    // end), not through a spawner thread: two thread hand-offs less per handler.
    launcher_options.spawn_threads = 0;
    Logger* log = logger.get();
    launcher_options.log = [log](const std::string& line) { log->Log(LogLevel::kWarning, line); };
    DevHandlersOptions handlers_options;
    handlers_options.registry_file = config.registry_file;
    handlers_options.data_dir = config.data_dir.value_or(".");
    POP_ASSIGN_OR_RETURN(
        handlers, DevHandlers::Create(std::move(handlers_options), std::move(launcher_options),
                                      clock, *logger, data));
    handlers->StartWatching();
    workers = std::make_unique<app::WorkerPool>(config.max_parallel_operations);
    app::PullerOptions puller_options;
    puller_options.insight_ids = {app::kDevInsightId};
    puller_options.max_agendas = config.max_agendas;
    puller_options.puller_id = "pop-dev-" + ids.NewId().substr(0, 8);
    puller_options.executor.max_parallel = config.max_parallel_operations;
    puller = std::make_unique<app::Puller>(app::PullerDeps{clock,
                                                           *pool_client,
                                                           {resident.get(), &handlers->launcher()},
                                                           *workers,
                                                           *logger,
                                                           &running_agendas,
                                                           &metrics},
                                           puller_options);
    puller->Start();
  }

  api::RouterOptions router_options;
  router_options.base_path = config.base_path;
  router_options.version = PopVersion();
  router_options.data.accept_unknown_fields = config.accept_unknown_fields;
  router_options.data.max_batch = config.max_batch;
  api::ServiceRoutes service_routes(router_options.data, agendas, pools, queues, data);
  router_options.metrics_text = [&metrics] { return RenderPrometheusText(metrics.Collect()); };
  router_options.metrics_need_token = config.metrics_access == "token";
  router_options.metrics = &metrics;
  router_options.alerts = alerting ? alerting->engine.get() : nullptr;
  Store* health_store = store.get();
  app::MaintenanceRunner* runner = maintenance.get();
  router_options.health = [health_store, runner] {
    api::ServerHealth health;
    health.store_reachable = app::StoreReadable(*health_store);
    if (runner != nullptr) health.leases = runner->HeldLeases();
    return health;
  };
  // The web UI and its live stream (docs/ui.md).
  api::EventStreams events({}, data, changes, clock);
  events.Start();
  router_options.serve_ui = true;
  router_options.events = &events;
  app::AuditLog audit(*store, clock, *logger);
  audit.Start();
  api::Router router(router_options, data, tokens, &service_routes, ids, *logger, &audit);

  HttpServerOptions http;
  http.address = listen.first;
  http.port = listen.second;
  http.max_body_bytes = config.max_body_bytes;
  http.worker_threads = config.worker_threads;
  http.tls_cert_file = config.tls_cert_file;
  http.tls_key_file = config.tls_key_file;
  Logger* log = logger.get();
  http.log = [log](std::string_view line) { log->Log(LogLevel::kWarning, line); };
  Result<std::unique_ptr<HttpServer>> created = HttpServer::Create(http, router);
  if (!created.ok() && !config.tls_cert_file.empty()) {
    return Error(created.error().code, "--tls-cert/--tls-key: " + created.error().message);
  }
  POP_ASSIGN_OR_RETURN(auto server, std::move(created));
  POP_RETURN_IF_ERROR(server->Start());
  if (graphite) graphite->Start();
  // The pushes (the last one included) end before the scheduler whose gauges they read goes,
  // however this function returns.
  struct GraphiteStop {
    GraphiteReporter* reporter;
    ~GraphiteStop() {
      if (reporter != nullptr) reporter->Stop();
    }
  } graphite_stop{graphite.get()};

  const std::string scheme = config.tls_cert_file.empty() ? "http://" : "https://";
  const std::string url = scheme + listen.first + ":" + std::to_string(server->port());
  logger->Log(LogLevel::kInfo, "listening on " + url + config.base_path + " (store " +
                                   postgres::RedactPassword(config.store) + ")");
  if (config.dev_banner) {
    std::printf(
        "\npop dev is running\n  web UI:      %s/  (sign in with the admin token below)\n"
        "  API:         %s%s\n  health:      %s/healthz\n",
        url.c_str(), url.c_str(), config.base_path.c_str(), url.c_str());
    // Where the token is, never what it is: terminal scrollback, screen recordings and captured
    // logs must not hold a super-user secret. The file is 0600; the CLI reads it itself.
    if (config.bootstrap_token_file) {
      std::printf("  admin token: %s %s (mode 0600)\n",
                  created_admin_token ? "created, saved in" : "in",
                  config.bootstrap_token_file->c_str());
    }
    if (handlers) {
      // The types a new user may submit at once, and where to add their own.
      std::string types;
      for (const std::string& type : handlers->Types()) types += (types.empty() ? "" : ", ") + type;
      std::printf("  handlers:    %s (registry %s; edits apply while running)\n", types.c_str(),
                  handlers->registry_file().c_str());
    }
    std::printf("Stop with Ctrl-C.\n\n");
    std::fflush(stdout);
  }
  if (config.ready_file) POP_RETURN_IF_ERROR(WritePrivateFile(*config.ready_file, url + "\n"));

  int signal_number = WaitForTerminationSignal();
  logger->Log(LogLevel::kInfo, std::string("received ") +
                                   (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                                   "; finishing in-flight requests");
  // The puller stops polling; the scheduler then answers every parked long poll at once; running
  // Agendas are stopped as a shutdown (they end failed and may be retried).
  if (maintenance) maintenance->Stop();
  if (alerting) alerting->dispatcher->Stop();
  std::thread puller_stop;
  if (puller) puller_stop = std::thread([&puller] { puller->Stop(); });
  if (opened.postgres_feed != nullptr) opened.postgres_feed->Stop();
  queues.Stop();
  if (puller_stop.joinable()) puller_stop.join();
  if (workers) workers->Stop();
  if (handlers) handlers->Stop();
  events.Stop();  // every event stream ends cleanly (its last chunk) before the server stops
  server->Stop();
  server.reset();
  audit.Stop();                    // writes what the last requests recorded
  if (graphite) graphite->Stop();  // one last push: the final counts
  store.reset();
  logger->Log(LogLevel::kInfo, "stopped cleanly");
  return Status::Ok();
}

}  // namespace pop::cli
