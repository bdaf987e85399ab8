#include "integration/api_server_support.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::testing {

const std::string* ApiReply::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

const JsonArray& ApiReply::All() const {
  const Json* all = body.Find("all");
  POP_CHECK(all != nullptr && all->is_array()) << "no 'all' array in " << ToJsonText(body);
  return all->AsArray();
}

std::string ApiReply::ErrorDescription() const {
  const Json* error = body.Find("errorResponse");
  const Json* description = error != nullptr ? error->Find("description") : nullptr;
  return description != nullptr && description->is_string() ? description->AsString() : "";
}

ApiServer::ApiServer(ApiServerOptions options) : options_(std::move(options)) {
  char pattern[] = "/tmp/pop-it-XXXXXX";
  POP_CHECK(mkdtemp(pattern) != nullptr);
  dir_ = pattern;
  SqliteStoreOptions store_options;
  store_options.path = (dir_ / "pop.db").string();
  auto store = SqliteStore::Open(store_options);
  POP_CHECK(store.ok()) << store.error().message;
  store_ = std::move(store).value();
  app::Services services{*store_, clock_, ids_, options_.retry_backoff};
  app::QueueOptions queue_options;
  queue_options.lease = options_.lease;
  queues_ = std::make_unique<app::InsightQueues>(services, queue_options, logger_);
  changes_.Subscribe(queues_.get());
  POP_CHECK(queues_->Start().ok());
  data_ = std::make_unique<app::DataObjectService>(services, changes_);
  agendas_ = std::make_unique<app::AgendaService>(services, changes_);
  pools_ = std::make_unique<app::ResourcePoolService>(services, *queues_, changes_);
  tokens_ = std::make_unique<app::TokenService>(services, hasher_);
  auto admin = tokens_->BootstrapAdmin("admin");
  POP_CHECK(admin.ok() && admin->has_value());
  admin_token_ = (*admin)->secret;
  api::RouterOptions router_options;
  router_options.base_path = options_.base_path;
  router_options.data.accept_unknown_fields = options_.accept_unknown_fields;
  router_options.data.max_batch = options_.max_batch;
  router_options.alerts = options_.alerts;
  router_options.health = options_.health;
  router_options.serve_ui = true;
  events_ = std::make_unique<api::EventStreams>(options_.events, *data_, changes_, clock_);
  if (options_.event_keep_alive) events_->Start();
  router_options.events = events_.get();
  service_routes_ = std::make_unique<api::ServiceRoutes>(router_options.data, *agendas_, *pools_,
                                                         *queues_, *data_);
  audit_ = std::make_unique<app::AuditLog>(*store_, clock_, logger_);
  audit_->Start();
  router_ = std::make_unique<api::Router>(router_options, *data_, *tokens_, service_routes_.get(),
                                          ids_, logger_, audit_.get());
  HttpServerOptions http;
  http.max_body_bytes = options_.max_body_bytes;
  http.worker_threads = 8;
  auto server = HttpServer::Create(http, *router_);
  POP_CHECK(server.ok()) << server.error().message;
  server_ = std::move(server).value();
  POP_CHECK(server_->Start().ok());
  auto client = CurlHttpClient::Create();
  POP_CHECK(client.ok());
  client_ = std::move(client).value();
}

ApiServer::~ApiServer() {
  queues_->Stop();
  events_->Stop();
  server_->Stop();
  server_.reset();
  router_.reset();
  events_.reset();
  audit_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string ApiServer::url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

std::string ApiServer::TokenFor(std::vector<std::string> accounts, bool super_user) {
  app::TokenRequest request;
  request.accounts = std::move(accounts);
  request.super_user = super_user;
  request.title = "test";
  // Tests hand tokens out before they create the customers (as an operator may).
  request.allow_unknown_accounts = true;
  app::RequestContext admin{AuthContext::Service(), std::nullopt, "test"};
  auto created = tokens_->Create(request, admin);
  POP_CHECK(created.ok()) << created.error().message;
  return created->secret;
}

ApiReply ApiServer::Raw(const std::string& method, const std::string& path_and_query,
                        const std::optional<std::string>& body,
                        std::vector<std::pair<std::string, std::string>> headers) {
  HttpClientRequest request;
  request.method = method;
  request.url = url() + path_and_query;
  request.headers = std::move(headers);
  if (body) {
    request.body = *body;
    request.headers.emplace_back("Content-Type", "application/json");
  }
  auto response = client_->Send(request);
  POP_CHECK(response.ok()) << response.error().message;
  ApiReply reply;
  reply.status = response->status;
  reply.headers = response->headers;
  const std::string* type = reply.Header("content-type");
  const bool ui_file = type != nullptr &&
                       (type->rfind("text/html", 0) == 0 ||
                        type->rfind("text/javascript", 0) == 0 || type->rfind("text/css", 0) == 0);
  if (!response->body.empty() && ui_file) {
    reply.body = Json(response->body);  // the web UI's page and files: kept as text
  } else if (!response->body.empty()) {
    auto parsed = ParseJson(response->body);
    POP_CHECK(parsed.ok()) << "not JSON: " << response->body;
    reply.body = std::move(parsed).value();
  }
  return reply;
}

ApiReply ApiServer::Call(const std::string& method, const std::string& path_and_query,
                         const std::optional<std::string>& body, const std::string& token,
                         std::vector<std::pair<std::string, std::string>> headers) {
  headers.emplace_back("Authorization", "Bearer " + token);
  return Raw(method, options_.base_path + path_and_query, body, std::move(headers));
}

std::string ApiServer::Snapshot() {
  std::string out;
  Status status = store_->Read([&](StoreReader& reader) -> Status {
    for (ObjectKind kind : kAllObjectKinds) {
      ObjectQuery query;
      query.scope = VisibilityScope::Everything();
      query.limit = 1'000'000;
      POP_ASSIGN_OR_RETURN(auto objects, reader.Find(kind, query));
      out += std::string(ObjectKindName(kind)) + ":";
      for (const auto& object : objects) {
        out += ToJsonText(EncodeObject(object)) + "\n";
        if (kind == ObjectKind::kAgenda) {
          POP_ASSIGN_OR_RETURN(auto ready, reader.ReadyAgendasOf(*BaseOf(object).id));
          for (const auto& entry : ready) out += "ready:" + ToJsonText(Encode(entry)) + "\n";
        }
      }
    }
    return Status::Ok();
  });
  POP_CHECK(status.ok()) << status.message();
  return out;
}

void ApiServer::SetUpPoolFor(const std::string& customer) {
  auto pool = Call("POST", "/resourcepool",
                   R"({"id":"rp-1","customerId":"pool-owner","title":"rp"})", admin_token_);
  POP_CHECK(pool.status == 200) << ToJsonText(pool.body);
  auto insight = Call("POST", "/insight",
                      R"({"id":"insight-1","customerId":"pool-owner","title":"ins",
                          "resourcePoolId":"rp-1","queueName":"q1","queueSize":2,
                          "schedulingAlgorithm":"FirstInFirstOut","isGlobal":true,
                          "mappers":{"operationType":["sample"]}})",
                      admin_token_);
  POP_CHECK(insight.status == 200) << ToJsonText(insight.body);
  auto created = Call("POST", "/customer",
                      R"({"id":")" + customer + R"(","customerId":")" + customer +
                          R"(","title":"T","resourcePoolId":"rp-1"})",
                      admin_token_);
  POP_CHECK(created.status == 200) << ToJsonText(created.body);
}

std::string AgendaJson(const std::string& customer, const std::string& operations,
                       const std::string& extra_fields) {
  std::string ops = operations.empty()
                        ? R"([{"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
                             {"name":"b","type":"sample","payload":{"msg":"@<a.out::/v>"}}])"
                        : operations;
  return R"({"customerId":")" + customer + R"(",)" + extra_fields + R"("operations":)" + ops + "}";
}

}  // namespace pop::testing
