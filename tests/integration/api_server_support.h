// ApiServer: a real pop API in-process for integration tests: SQLite in a per-test temp dir, the
// Beast HTTP server on an ephemeral port, a fake clock, and tokens for an admin and tenants.
// Requests go over real HTTP through the curl client.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/crypto/sha256_secret_hasher.h"
#include "adapters/http_client/curl_http_client.h"
#include "adapters/http_server/http_server.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/random_id_generator.h"
#include "api/event_streams.h"
#include "api/router.h"
#include "api/service_routes.h"
#include "app/agenda_service.h"
#include "app/audit_log.h"
#include "app/data_object_service.h"
#include "app/insight_queues.h"
#include "app/resource_pool_service.h"
#include "app/token_service.h"
#include "core/json/json.h"
#include "fakes/fake_clock.h"

namespace pop::testing {

struct ApiReply {
  int status = 0;
  Json body;  // parsed JSON, or null for an empty body
  std::vector<std::pair<std::string, std::string>> headers;

  const std::string* Header(std::string_view name) const;
  // body.all (checked to be an array).
  const JsonArray& All() const;
  // errorResponse.description, or "" when absent.
  std::string ErrorDescription() const;
};

struct ApiServerOptions {
  std::string base_path = "/pop";
  size_t max_body_bytes = size_t{10} * 1024 * 1024;
  Duration lease = Duration::Seconds(60);
  // Automatic retries of failed agendas: off unless a test asks for them.
  std::optional<Duration> retry_backoff = std::nullopt;
  bool accept_unknown_fields = false;                   // --accept-unknown-fields
  size_t max_batch = 1'000;                             // --max-batch
  const app::AlertEngine* alerts = nullptr;             // what GET /alert lists
  std::function<api::ServerHealth()> health = nullptr;  // what /healthz and /readyz report
  api::EventStreamsOptions events = {};                 // GET /pop/events limits
  // Runs the event streams' keep-alive thread (on the fake clock, which wakes its waiters every
  // millisecond of real time): only for the tests of the keep-alive.
  bool event_keep_alive = false;
};

class ApiServer {
 public:
  explicit ApiServer(ApiServerOptions options = {});
  ~ApiServer();

  // A token for `accounts` (super user when `super_user`), issued with allowUnknownAccounts:
  // the customers need not exist yet.
  std::string TokenFor(std::vector<std::string> accounts, bool super_user = false);
  const std::string& admin_token() const { return admin_token_; }

  ApiReply Call(const std::string& method, const std::string& path_and_query,
                const std::optional<std::string>& body, const std::string& token,
                std::vector<std::pair<std::string, std::string>> headers = {});
  // Raw request (any Authorization header or none).
  ApiReply Raw(const std::string& method, const std::string& path_and_query,
               const std::optional<std::string>& body,
               std::vector<std::pair<std::string, std::string>> headers);

  std::string url() const;
  FakeClock& clock() { return clock_; }
  app::TokenService& tokens() { return *tokens_; }
  const SecretHasher& hasher() const { return hasher_; }
  app::InsightQueues& queues() { return *queues_; }
  // What the use cases publish to (the scheduler listens).
  ChangeFeed& changes() { return changes_; }
  Store& store() { return *store_; }
  IdGenerator& ids() { return ids_; }
  const api::Router& router() const { return *router_; }
  app::AuditLog& audit() { return *audit_; }
  api::EventStreams& events() { return *events_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Every stored object of every kind plus every agenda's ready entries, as JSON text: two
  // snapshots are equal when nothing was written in between.
  std::string Snapshot();

  // Creates pool "rp-1", insight "insight-1" (owner pool-owner, global, mapping operationType
  // sample) and customer `customer` in that pool, as the admin.
  void SetUpPoolFor(const std::string& customer);

 private:
  ApiServerOptions options_;
  std::filesystem::path dir_;
  FakeClock clock_;
  RandomIdGenerator ids_;
  Sha256SecretHasher hasher_;
  std::unique_ptr<SqliteStore> store_;
  NullLogger logger_;
  std::unique_ptr<app::InsightQueues> queues_;
  LocalChangeFeed changes_;
  std::unique_ptr<app::DataObjectService> data_;
  std::unique_ptr<app::AgendaService> agendas_;
  std::unique_ptr<app::ResourcePoolService> pools_;
  std::unique_ptr<app::TokenService> tokens_;
  std::unique_ptr<api::ServiceRoutes> service_routes_;
  std::unique_ptr<app::AuditLog> audit_;
  std::unique_ptr<api::EventStreams> events_;
  std::unique_ptr<api::Router> router_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<CurlHttpClient> client_;
  std::string admin_token_;
};

// A minimal valid agenda for `customer` with the given operations JSON array text.
std::string AgendaJson(const std::string& customer, const std::string& operations = "",
                       const std::string& extra_fields = "");

}  // namespace pop::testing
