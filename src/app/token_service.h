// TokenService: API tokens. Creates them (admin only; the secret is returned once and only its
// hash is stored), lists and revokes them, bootstraps the first admin token of a new
// installation, and turns an Authorization header into an AuthContext (`Bearer <secret>` or
// `Basic base64(account:secret)`, as the original web UI sent).
//
// A token stops working when it is revoked, when it expires, or when the Customers of all its
// accounts were deleted (docs/security.md, "Tokens"). Validated tokens are cached in memory for
// at most `cache_ttl` (by the Clock), so a revocation or a deletion made through any server
// sharing the store takes effect everywhere within that time. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/request_context.h"
#include "app/services.h"
#include "core/access/api_token.h"
#include "core/access/auth_context.h"
#include "core/base/result.h"
#include "ports/mutex.h"
#include "ports/secret_hasher.h"

namespace pop::app {

struct TokenRequest {
  std::vector<std::string> accounts;
  bool super_user = false;
  std::string title;
  std::optional<Timestamp> expires_at;  // nullopt: never expires
  // Issue the token although no Customer exists (yet) for some account: the token is handed
  // out before its customer is set up. Such an account works until its Customer has been seen.
  bool allow_unknown_accounts = false;
};

struct CreatedToken {
  ApiToken token;
  std::string secret;  // "pop_" + 64 hex characters; shown once
};

struct TokenServiceOptions {
  // How long a validated token is trusted without looking at the store again: the longest a
  // revocation, an expiry of its customers or a deletion takes to reach this server.
  Duration cache_ttl = Duration::Seconds(1);
  // lastUsed is written when the stored value is at least this old (one write per token per
  // interval, not one per request).
  Duration last_used_interval = Duration::Minutes(1);
  size_t max_cached_tokens = 10'000;  // a full cache is emptied
};

class TokenService {
 public:
  TokenService(Services services, const SecretHasher& hasher, TokenServiceOptions options = {});

  // Errors: kPermissionDenied unless the caller is a super user; kValidation for a request with
  // no accounts (and not super user), a blank account, "*" on a token that is not super user,
  // an expiresAt not in the future, or an account without a Customer (unless
  // allow_unknown_accounts).
  [[nodiscard]] Result<CreatedToken> Create(const TokenRequest& request, const RequestContext& ctx);

  // Creates a super-user token titled `title` when the store holds no token at all.
  [[nodiscard]] Result<std::optional<CreatedToken>> BootstrapAdmin(const std::string& title);

  // The tokens the caller may see, oldest first, with secret_hash cleared: every token for a
  // super user, otherwise only the calling token itself.
  [[nodiscard]] Result<std::vector<ApiToken>> List(const RequestContext& ctx);

  // Revokes token `id` (revoking a revoked token changes nothing) and returns it, secret_hash
  // cleared. This server stops accepting it at once, the others within cache_ttl.
  // Errors: kPermissionDenied unless the caller is a super user; kNotFound for an unknown id.
  [[nodiscard]] Result<ApiToken> Revoke(const std::string& id, const RequestContext& ctx);

  // `authorization` is the header value, or nullptr when absent. kUnauthenticated when missing,
  // malformed, unknown, revoked, expired, or when every account's Customer was deleted.
  [[nodiscard]] Result<AuthContext> Authenticate(const std::string* authorization);

 private:
  struct CacheEntry {
    AuthContext context;
    std::optional<Timestamp> expires_at;
    Timestamp checked;  // when the store was last read for it
  };

  Result<CreatedToken> Insert(TokenRequest request);
  Result<AuthContext> ContextForSecret(const std::string& secret);
  // Reads the token and its customers from the store, records its use when due, and caches it.
  Result<CacheEntry> Load(const std::string& hash, Timestamp now);

  Services services_;
  const SecretHasher& hasher_;
  const TokenServiceOptions options_;
  Mutex mu_;
  std::unordered_map<std::string, CacheEntry> cache_ POP_GUARDED_BY(mu_);  // by secret hash
};

}  // namespace pop::app
