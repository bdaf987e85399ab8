#include "api/token_routes.h"

#include <utility>

#include "core/codec/json_text.h"

namespace pop::api {
namespace {

Error BadField(const char* field, const char* expected) {
  return Error(ErrorCode::kInvalidArgument,
               std::string("Invalid value for field '") + field + "': expected " + expected);
}

Result<std::vector<std::string>> ParseAccounts(const Json& accounts) {
  std::vector<std::string> parsed;
  if (!accounts.is_array()) return BadField("accounts", "an array of strings");
  for (const Json& account : accounts.AsArray()) {
    if (!account.is_string()) return BadField("accounts", "an array of strings");
    parsed.push_back(account.AsString());
  }
  return parsed;
}

Result<bool> ParseBool(const Json& value, const char* field) {
  if (!value.is_bool()) return BadField(field, "a boolean");
  return value.AsBool();
}

Result<app::TokenRequest> ParseTokenRequest(const std::string& body, size_t max_depth) {
  POP_ASSIGN_OR_RETURN(Json json, ParseJson(body, {max_depth}));
  if (!json.is_object()) {
    return Error(ErrorCode::kInvalidArgument, "Invalid request body: expected a JSON object");
  }
  app::TokenRequest request;
  auto present = [&](const char* field) -> const Json* {
    const Json* value = json.Find(field);
    return value != nullptr && !value->is_null() ? value : nullptr;
  };
  if (const Json* accounts = present("accounts")) {
    POP_ASSIGN_OR_RETURN(request.accounts, ParseAccounts(*accounts));
  }
  if (const Json* super_user = present("superUser")) {
    POP_ASSIGN_OR_RETURN(request.super_user, ParseBool(*super_user, "superUser"));
  }
  if (const Json* allow = present("allowUnknownAccounts")) {
    POP_ASSIGN_OR_RETURN(request.allow_unknown_accounts, ParseBool(*allow, "allowUnknownAccounts"));
  }
  if (const Json* title = present("title")) {
    if (!title->is_string()) return BadField("title", "a string");
    request.title = title->AsString();
  }
  if (const Json* expires_at = present("expiresAt")) {
    if (!expires_at->is_integer()) return BadField("expiresAt", "epoch milliseconds (an integer)");
    request.expires_at = Timestamp::FromMillis(expires_at->AsInt());
  }
  return request;
}

Json OptionalMillis(const std::optional<Timestamp>& time) {
  return time ? Json(time->millis()) : Json(nullptr);
}

}  // namespace

JsonObject TokenListing(const ApiToken& token) {
  JsonObject object;
  object.AppendUnchecked("id", Json(token.id));
  object.AppendUnchecked("title", Json(token.title));
  JsonArray accounts;
  for (const auto& account : token.accounts) accounts.emplace_back(account);
  object.AppendUnchecked("accounts", Json(std::move(accounts)));
  object.AppendUnchecked("superUser", Json(token.super_user));
  object.AppendUnchecked("created", Json(token.created.millis()));
  object.AppendUnchecked("expiresAt", OptionalMillis(token.expires_at));
  object.AppendUnchecked("lastUsed", OptionalMillis(token.last_used));
  object.AppendUnchecked("revoked", Json(token.revoked_at.has_value()));
  object.AppendUnchecked("revokedAt", OptionalMillis(token.revoked_at));
  return object;
}

TokenRoutes::TokenRoutes(size_t max_json_depth, app::TokenService& tokens)
    : max_json_depth_(max_json_depth), tokens_(tokens) {}

HttpResponse TokenRoutes::Handle(const HttpRequest& request,
                                 const std::optional<std::string>& path_id,
                                 const app::RequestContext& ctx) {
  ResponseIds ids{ctx.cid, ctx.correlation_id};
  if (path_id) {
    if (request.method != "DELETE") return MethodNotAllowed("DELETE");
    return Revoke(*path_id, ids, ctx);
  }
  if (request.method == "POST") return Create(request, ids, ctx);
  if (request.method == "GET") return List(ids, ctx);
  return MethodNotAllowed("GET,POST");
}

HttpResponse TokenRoutes::Create(const HttpRequest& request, const ResponseIds& ids,
                                 const app::RequestContext& ctx) {
  Result<app::TokenRequest> parsed = ParseTokenRequest(request.body, max_json_depth_);
  if (!parsed.ok()) return ErrorResponse(parsed.error(), ids);
  Result<app::CreatedToken> created = tokens_.Create(*parsed, ctx);
  if (!created.ok()) return ErrorResponse(created.error(), ids);
  JsonObject body;
  body.AppendUnchecked("id", Json(created->token.id));
  body.AppendUnchecked("token", Json(created->secret));
  JsonArray accounts;
  for (const auto& account : created->token.accounts) accounts.emplace_back(account);
  body.AppendUnchecked("accounts", Json(std::move(accounts)));
  body.AppendUnchecked("superUser", Json(created->token.super_user));
  body.AppendUnchecked("title", Json(created->token.title));
  body.AppendUnchecked("expiresAt", OptionalMillis(created->token.expires_at));
  return ServiceResponse(std::move(body), ids);
}

HttpResponse TokenRoutes::List(const ResponseIds& ids, const app::RequestContext& ctx) {
  Result<std::vector<ApiToken>> tokens = tokens_.List(ctx);
  if (!tokens.ok()) return ErrorResponse(tokens.error(), ids);
  JsonArray items;
  for (const ApiToken& token : *tokens) items.emplace_back(TokenListing(token));
  int64_t count = static_cast<int64_t>(items.size());
  return DataResponse(std::move(items), count, ids);
}

HttpResponse TokenRoutes::Revoke(const std::string& id, const ResponseIds& ids,
                                 const app::RequestContext& ctx) {
  Result<ApiToken> revoked = tokens_.Revoke(id, ctx);
  if (!revoked.ok()) return ErrorResponse(revoked.error(), ids);
  JsonArray items;
  items.emplace_back(TokenListing(*revoked));
  return DataResponse(std::move(items), 1, ids);
}

}  // namespace pop::api
