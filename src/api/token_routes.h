// TokenRoutes: the admin token routes under the base path: POST /token creates a token,
// GET /token lists the tokens the caller may see (never a secret or its hash), DELETE
// /token/{id} revokes one. Turns bodies into TokenService calls and results into envelopes.
// Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "api/envelope.h"
#include "api/http_types.h"
#include "app/request_context.h"
#include "app/token_service.h"

namespace pop::api {

class TokenRoutes {
 public:
  TokenRoutes(size_t max_json_depth, app::TokenService& tokens);

  // `path_id` is the decoded /{id} segment when present. Other verbs get 405.
  HttpResponse Handle(const HttpRequest& request, const std::optional<std::string>& path_id,
                      const app::RequestContext& ctx);

 private:
  HttpResponse Create(const HttpRequest& request, const ResponseIds& ids,
                      const app::RequestContext& ctx);
  HttpResponse List(const ResponseIds& ids, const app::RequestContext& ctx);
  HttpResponse Revoke(const std::string& id, const ResponseIds& ids,
                      const app::RequestContext& ctx);

  size_t max_json_depth_;
  app::TokenService& tokens_;
};

// A token as GET /token lists it: id, title, accounts, superUser, created, expiresAt, lastUsed,
// revoked, revokedAt (times in epoch milliseconds, null when unset). Never the secret or hash.
JsonObject TokenListing(const ApiToken& token);

}  // namespace pop::api
