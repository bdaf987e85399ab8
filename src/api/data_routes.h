// DataRoutes: GET/POST/PUT/DELETE of the seven data routes (spec §4.6-§4.7): turns query
// parameters and bodies into DataObjectService calls and results into envelopes. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "api/envelope.h"
#include "api/http_types.h"
#include "api/target.h"
#include "app/data_object_service.h"
#include "app/request_context.h"
#include "core/codec/json_text.h"

namespace pop::api {

struct DataRoutesOptions {
  size_t max_json_depth = kMaxJsonDepth;
  size_t max_limit = 10'000;  // largest accepted bylimit
  // Most `by<field>` equality filters one GET may carry (bylimit, bycount, byfields not counted);
  // more answer 400.
  size_t max_by_filters = 20;
  // Unknown fields in a body (`paylod`) answer 400 naming the field unless this is set: the
  // original ignored them, and old clients may send some (docs/api.md, "Unknown fields").
  bool accept_unknown_fields = false;
  // Most agendas one bulk submission (an Agenda POST of a JSON array) may hold; more answer 413
  // (--max-batch).
  size_t max_batch = 1'000;
};

class DataRoutes {
 public:
  DataRoutes(DataRoutesOptions options, app::DataObjectService& service);

  // `path_id` is the decoded /{objectid} segment when present.
  HttpResponse Handle(ObjectKind kind, const std::optional<std::string>& path_id,
                      const HttpRequest& request, const Target& target,
                      const app::RequestContext& ctx);

 private:
  Result<HttpResponse> Get(ObjectKind kind, const std::optional<std::string>& path_id,
                           const HttpRequest& request, const Target& target,
                           const app::RequestContext& ctx);
  Result<HttpResponse> Post(ObjectKind kind, const HttpRequest& request,
                            const app::RequestContext& ctx);
  Result<HttpResponse> Put(ObjectKind kind, const std::optional<std::string>& path_id,
                           const HttpRequest& request, const Target& target,
                           const app::RequestContext& ctx);
  Result<HttpResponse> Delete(ObjectKind kind, const std::optional<std::string>& path_id,
                              const HttpRequest& request, const Target& target,
                              const app::RequestContext& ctx);

  // A bulk submission: the agendas of a JSON array body, all stored or none (docs/api.md).
  Result<HttpResponse> PostAgendas(const Json& body,
                                   const std::optional<std::string>& idempotency_key,
                                   const app::RequestContext& ctx);

  // The body as JSON; kValidation "Unable to <verb> a null object" when empty or null.
  Result<Json> ParseJsonBody(const HttpRequest& request, const char* verb);
  // `body` (or element `index` of an array body) as a data object; unknown fields are refused
  // unless accept_unknown_fields.
  Result<DataObject> DecodeBody(ObjectKind kind, const Json& body,
                                std::optional<size_t> index = std::nullopt);
  // The body as a data object: ParseJsonBody, then DecodeBody.
  Result<DataObject> ParseBody(ObjectKind kind, const HttpRequest& request, const char* verb);

  DataRoutesOptions options_;
  app::DataObjectService& service_;
};

// Keeps only the listed top-level fields of an encoded object (the byfields projection).
Json ProjectFields(const Json& object, const std::vector<std::string>& fields);

}  // namespace pop::api
