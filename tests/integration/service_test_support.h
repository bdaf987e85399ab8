// Shared fixture for the service endpoint tests (spec §8-§10, the `why` route): an ApiServer with
// the pool of SetUpPoolFor("acme") plus a second tenant "globex", tokens for both tenants, the
// pool owner and the admin, and short-hands for the service calls and for reading state back.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http_client/curl_http_client.h"
#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {

// `field` of `object` as a string, or "" when absent or not a string.
inline std::string StringAt(const Json& object, std::string_view field) {
  const Json* value = object.is_object() ? object.Find(field) : nullptr;
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

// The elements of the array `field` of a reply body, or none when it is absent.
inline std::vector<Json> ArrayIn(const ApiReply& reply, std::string_view field = "agendas") {
  const Json* value = reply.body.is_object() ? reply.body.Find(field) : nullptr;
  if (value == nullptr || !value->is_array()) return {};
  return value->AsArray();
}

// The ids of the agendas of a getAgenda reply, in order.
inline std::vector<std::string> AgendaIdsIn(const ApiReply& reply) {
  std::vector<std::string> ids;
  for (const Json& agenda : ArrayIn(reply)) ids.push_back(StringAt(agenda, "id"));
  return ids;
}

inline std::string ErrorTitle(const ApiReply& reply) {
  const Json* error = reply.body.is_object() ? reply.body.Find("errorResponse") : nullptr;
  return error != nullptr ? StringAt(*error, "title") : "";
}

// A JSON string literal holding `text`.
inline std::string Quoted(const std::string& text) { return ToJsonText(Json(text)); }

class ServiceTest : public ::testing::Test {
 protected:
  explicit ServiceTest(ApiServerOptions options = {}) : server_(std::move(options)) {}

  void SetUp() override {
    server_.SetUpPoolFor("acme");
    AddCustomer("globex");
  }

  void AddCustomer(const std::string& id, const std::string& extra_fields = "") {
    auto reply = server_.Call("POST", "/customer",
                              R"({"id":")" + id + R"(","customerId":")" + id +
                                  R"(","title":"C","resourcePoolId":"rp-1")" + extra_fields + "}",
                              admin_);
    ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  }

  // PUT as the admin, expecting success.
  void AdminPut(const std::string& path, const std::string& body) {
    auto reply = server_.Call("PUT", path, body, admin_);
    ASSERT_EQ(reply.status, 200) << path << " " << ToJsonText(reply.body);
  }

  // POST /agenda as `token`; the created agenda, or null (and a test failure).
  Json Submit(const std::string& body, const std::string& token) {
    auto reply = server_.Call("POST", "/agenda", body, token);
    EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
    auto all = ArrayIn(reply, "all");
    return all.size() == 1 ? all[0] : Json();
  }
  Json SubmitFor(const std::string& customer, const std::string& extra_fields = "") {
    return Submit(AgendaJson(customer, "", extra_fields),
                  customer == "globex" ? globex_ : (customer == "acme" ? acme_ : admin_));
  }

  ApiReply Service(const std::string& path, const std::string& body, const std::string& token,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    return server_.Call("POST", path, body, token, std::move(headers));
  }

  // getAgenda; waitSeconds is always sent (the server's default is a 20 s long poll).
  ApiReply GetAgenda(const std::string& token, int64_t count = 1, int64_t wait_seconds = 0,
                     const std::string& insight_id = "insight-1",
                     const std::string& extra_fields = "") {
    return Service("/resourcepool/service/getAgenda",
                   R"({"insightId":")" + insight_id + R"(","count":)" + std::to_string(count) +
                       R"(,"waitSeconds":)" + std::to_string(wait_seconds) + extra_fields + "}",
                   token);
  }

  ApiReply Report(const std::string& token, const std::string& agenda_progress_json,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Service("/resourcepool/service/updateAgendaProgress",
                   R"({"agendaProgress":)" + agenda_progress_json + "}", token, std::move(headers));
  }
  // Reports `state`/`message` for the progress, with optional further fields (",..." text).
  ApiReply ReportState(const std::string& token, const std::string& progress_id,
                       const std::string& state, const std::string& message = "",
                       const std::string& extra_fields = "") {
    std::string body = R"({"id":")" + progress_id + R"(","processingState":")" + state + "\"";
    if (!message.empty()) body += R"(,"processingStateMessage":")" + message + "\"";
    return Report(token, body + extra_fields + "}");
  }

  ApiReply Rerun(const std::string& token, const std::string& agenda_id,
                 const std::string& params_json = "") {
    std::string body = R"({"agendaId":")" + agenda_id + "\"";
    if (!params_json.empty()) body += R"(,"params":)" + params_json;
    return Service("/agenda/service/rerun", body + "}", token);
  }

  ApiReply Summary(const std::string& token, const std::string& link_id) {
    return Service("/progress/agenda/service", R"({"linkId":")" + link_id + R"("})", token);
  }

  ApiReply Why(const std::string& agenda_id, const std::string& token) {
    return server_.Call("GET", "/agenda/" + agenda_id + "/why", std::nullopt, token);
  }

  // The stored object at `path` (read as the admin), or null when there is none.
  Json Read(const std::string& path) {
    auto reply = server_.Call("GET", path, std::nullopt, admin_);
    EXPECT_EQ(reply.status, 200) << path << " " << ToJsonText(reply.body);
    auto all = ArrayIn(reply, "all");
    return all.empty() ? Json() : all[0];
  }
  Json ProgressOf(const std::string& progress_id) {
    return Read("/progress/agenda/" + progress_id);
  }
  Json OperationProgressOf(const std::string& progress_id, const std::string& op) {
    return Read("/progress/operation/" + progress_id + "-" + op);
  }
  Json AgendaOf(const std::string& agenda_id) { return Read("/agenda/" + agenda_id); }

  // The agenda's ready entries, straight from the store.
  std::vector<ReadyAgenda> ReadyOf(const std::string& agenda_id) {
    std::vector<ReadyAgenda> ready;
    Status status = server_.store().Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(ready, reader.ReadyAgendasOf(agenda_id));
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.message();
    return ready;
  }

  // Ends every claim as if `seconds` had passed without a report. The scheduler is driven
  // directly with the later time before the fake clock moves, so that this thread (not the
  // scheduler's own thread) returns the claims, and they are back in their queue when it returns.
  void LetLeasesLapse(int64_t seconds = 61) {
    const Timestamp later = server_.clock().Now() + Duration::Seconds(seconds);
    server_.queues().ProcessDue(later);
    server_.clock().Set(later);
  }

  // A request that may legitimately never be answered within `timeout` (a long poll whose
  // agenda does not arrive): nullopt then, instead of aborting the test binary.
  std::optional<ApiReply> TryPost(const std::string& path, const std::string& body,
                                  const std::string& token,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    HttpClientRequest request;
    request.method = "POST";
    request.url = server_.url() + "/pop" + path;
    request.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    request.body = body;
    request.timeout = timeout;
    auto response = client_->Send(request);
    if (!response.ok()) return std::nullopt;
    ApiReply reply;
    reply.status = response->status;
    reply.headers = response->headers;
    if (!response->body.empty()) {
      auto parsed = ParseJson(response->body);
      if (!parsed.ok()) return std::nullopt;
      reply.body = std::move(parsed).value();
    }
    return reply;
  }

  static std::unique_ptr<CurlHttpClient> MakeClient() {
    auto created = CurlHttpClient::Create();
    POP_CHECK(created.ok());
    return std::move(created).value();
  }

  ApiServer server_;
  std::string admin_ = server_.admin_token();
  std::string acme_ = server_.TokenFor({"acme"});
  std::string globex_ = server_.TokenFor({"globex"});
  std::string owner_ = server_.TokenFor({"pool-owner"});

 private:
  std::unique_ptr<CurlHttpClient> client_ = MakeClient();
};

}  // namespace pop::testing
