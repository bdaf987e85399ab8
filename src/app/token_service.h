// TokenService: API tokens. Creates them (admin only; the secret is returned once and only its
// hash is stored), bootstraps the first admin token of a new installation, and turns an
// Authorization header into an AuthContext (`Bearer <secret>` or `Basic base64(account:secret)`,
// as the original web UI sent). Thread-safe; validated tokens are cached in memory (tokens are
// immutable once created).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/request_context.h"
#include "app/services.h"
#include "core/access/api_token.h"
#include "core/access/auth_context.h"
#include "core/base/result.h"
#include "ports/secret_hasher.h"

namespace pop::app {

struct TokenRequest {
  std::vector<std::string> accounts;
  bool super_user = false;
  std::string title;
};

struct CreatedToken {
  ApiToken token;
  std::string secret;  // "pop_" + 64 hex characters; shown once
};

class TokenService {
 public:
  TokenService(Services services, const SecretHasher& hasher);

  // Errors: kPermissionDenied unless the caller is a super user; kValidation for a request with
  // no accounts (and not super user) or a blank account.
  [[nodiscard]] Result<CreatedToken> Create(const TokenRequest& request, const RequestContext& ctx);

  // Creates a super-user token titled `title` when the store holds no token at all.
  [[nodiscard]] Result<std::optional<CreatedToken>> BootstrapAdmin(const std::string& title);

  // `authorization` is the header value, or nullptr when absent. kUnauthenticated when missing,
  // malformed or unknown.
  [[nodiscard]] Result<AuthContext> Authenticate(const std::string* authorization);

 private:
  Result<CreatedToken> Insert(TokenRequest request);
  Result<AuthContext> ContextForSecret(const std::string& secret);

  Services services_;
  const SecretHasher& hasher_;
  std::mutex mu_;
  std::unordered_map<std::string, AuthContext> cache_;  // by secret hash; guarded by mu_
};

}  // namespace pop::app
