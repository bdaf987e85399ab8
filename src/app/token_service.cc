#include "app/token_service.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/access/token_accounts.h"
#include "core/base/base64.h"

namespace pop::app {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr char kSecretPrefix[] = "pop_";
constexpr char kEveryCustomer[] = "*";

AuthContext ContextOf(const ApiToken& token, std::vector<std::string> accounts) {
  AuthContext context;
  context.user_id = token.id;
  context.user_name = token.title;
  context.accounts = std::move(accounts);
  context.is_super_user = token.super_user;
  return context;
}

Error Unauthenticated(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message));
}

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// The Customer of account X is the one whose id is X (spec §3.5: the Insight selection looks
// customers up that way).
Result<bool> CustomerExists(StoreReader& reader, const std::string& account) {
  POP_ASSIGN_OR_RETURN(auto customer, reader.Get(ObjectKind::kCustomer, account));
  return customer.has_value();
}

// The token's accounts that have a Customer now ("*" never has one).
Result<std::vector<std::string>> ExistingAccounts(StoreReader& reader,
                                                  const std::vector<std::string>& accounts) {
  std::vector<std::string> existing;
  for (const std::string& account : accounts) {
    if (account == kEveryCustomer) continue;
    POP_ASSIGN_OR_RETURN(bool exists, CustomerExists(reader, account));
    if (exists) existing.push_back(account);
  }
  return existing;
}

Status ValidateRequest(const TokenRequest& request, Timestamp now) {
  if (request.accounts.empty() && !request.super_user) {
    return Status(ErrorCode::kValidation,
                  "Issues detected: The accounts field must list at least one customerId.");
  }
  for (const auto& account : request.accounts) {
    if (account.find_first_not_of(" \t") == std::string::npos) {
      return Status(ErrorCode::kValidation,
                    "Issues detected: The accounts field must not contain blank customerIds.");
    }
    if (account == kEveryCustomer && !request.super_user) {
      return Status(ErrorCode::kValidation,
                    "Issues detected: The account * (every customer) in the accounts field is "
                    "valid for superUser tokens only.");
    }
  }
  if (request.expires_at && *request.expires_at <= now) {
    return Status(ErrorCode::kValidation,
                  "Issues detected: The expiresAt field must be in the future (epoch "
                  "milliseconds).");
  }
  return Status::Ok();
}

std::string Joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

ApiToken WithoutHash(ApiToken token) {
  token.secret_hash.clear();
  return token;
}

}  // namespace

TokenService::TokenService(Services services, const SecretHasher& hasher,
                           TokenServiceOptions options)
    : services_(services), hasher_(hasher), options_(options) {}

Result<CreatedToken> TokenService::Create(const TokenRequest& request, const RequestContext& ctx) {
  if (!ctx.auth.is_super_user) {
    return Error(ErrorCode::kPermissionDenied, "Only an administrator token may create tokens.");
  }
  POP_RETURN_IF_ERROR(ValidateRequest(request, services_.clock.Now()));
  return Insert(request);
}

Result<std::optional<CreatedToken>> TokenService::BootstrapAdmin(const std::string& title) {
  int64_t count = 0;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(count, reader.CountTokens());
    return Status::Ok();
  }));
  if (count > 0) return std::optional<CreatedToken>();
  TokenRequest request;
  request.super_user = true;
  request.title = title;
  POP_ASSIGN_OR_RETURN(CreatedToken created, Insert(std::move(request)));
  return std::optional<CreatedToken>(std::move(created));
}

Result<CreatedToken> TokenService::Insert(TokenRequest request) {
  CreatedToken created;
  created.secret = kSecretPrefix + services_.ids.NewSecret(kSecretBytes);
  created.token.id = services_.ids.NewId();
  created.token.secret_hash = hasher_.Hash(created.secret);
  created.token.accounts = std::move(request.accounts);
  created.token.super_user = request.super_user;
  created.token.title = std::move(request.title);
  created.token.created = services_.clock.Now();
  created.token.expires_at = request.expires_at;
  // The check and the insert share one transaction, so a Customer deleted meanwhile is seen.
  POP_RETURN_IF_ERROR(services_.store.Write([&](StoreWriter& tx) -> Status {
    POP_ASSIGN_OR_RETURN(auto existing, ExistingAccounts(tx, created.token.accounts));
    created.token.pending_accounts.clear();
    for (const auto& account : created.token.accounts) {
      if (account == kEveryCustomer) continue;
      if (std::find(existing.begin(), existing.end(), account) != existing.end()) continue;
      created.token.pending_accounts.push_back(account);
    }
    if (!created.token.pending_accounts.empty() && !request.allow_unknown_accounts) {
      return Status(ErrorCode::kValidation,
                    "Issues detected: No Customer exists for account " +
                        Joined(created.token.pending_accounts) +
                        " in the accounts field; create the Customer first, or pass "
                        "allowUnknownAccounts: true.");
    }
    return tx.AddToken(created.token);
  }));
  return created;
}

Result<std::vector<ApiToken>> TokenService::List(const RequestContext& ctx) {
  std::vector<ApiToken> tokens;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(tokens, reader.ListTokens());
    return Status::Ok();
  }));
  std::vector<ApiToken> visible;
  for (ApiToken& token : tokens) {
    if (ctx.auth.is_super_user || token.id == ctx.auth.user_id) {
      visible.push_back(WithoutHash(std::move(token)));
    }
  }
  return visible;
}

Result<ApiToken> TokenService::Revoke(const std::string& id, const RequestContext& ctx) {
  if (!ctx.auth.is_super_user) {
    return Error(ErrorCode::kPermissionDenied, "Only an administrator token may revoke tokens.");
  }
  std::optional<ApiToken> revoked;
  POP_RETURN_IF_ERROR(services_.store.Write([&](StoreWriter& tx) -> Status {
    POP_ASSIGN_OR_RETURN(bool found, tx.RevokeToken(id, services_.clock.Now()));
    if (!found) return Status(ErrorCode::kNotFound, "Token " + id + " not found");
    POP_ASSIGN_OR_RETURN(auto tokens, tx.ListTokens());
    for (ApiToken& token : tokens) {
      if (token.id == id) revoked = WithoutHash(std::move(token));
    }
    return Status::Ok();
  }));
  {
    MutexLock lock(mu_);
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.context.user_id == id; });
  }
  if (!revoked) return Error(ErrorCode::kInternal, "revoked token " + id + " vanished");
  return *revoked;
}

Result<TokenService::CacheEntry> TokenService::Load(const std::string& hash, Timestamp now) {
  std::optional<ApiToken> token;
  std::vector<std::string> existing;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(token, reader.FindTokenByHash(hash));
    if (!token || token->super_user) return Status::Ok();
    POP_ASSIGN_OR_RETURN(existing, ExistingAccounts(reader, token->accounts));
    return Status::Ok();
  }));
  if (!token) return Unauthenticated("The token is not valid.");
  if (token->revoked_at) return Unauthenticated("The token was revoked.");
  if (token->expires_at && now >= *token->expires_at) return Unauthenticated("The token expired.");
  TokenAccounts accounts{token->accounts, token->pending_accounts};
  if (!token->super_user) accounts = ResolveTokenAccounts(*token, existing);
  bool due = !token->last_used || now - *token->last_used >= options_.last_used_interval;
  if (due || accounts.pending != token->pending_accounts) {
    // Best effort: a failed write costs a late lastUsed (or a later confirmation), never the
    // request; the next refresh tries again.
    (void)services_.store.Write([&](StoreWriter& tx) {
      return tx.RecordTokenUse(token->id, due ? now : *token->last_used, accounts.pending);
    });
  }
  if (accounts.live.empty() && !token->super_user) {
    return Unauthenticated("The token's customers were deleted.");
  }
  return CacheEntry{ContextOf(*token, std::move(accounts.live)), token->expires_at, now};
}

Result<AuthContext> TokenService::ContextForSecret(const std::string& secret) {
  std::string hash = hasher_.Hash(secret);
  const Timestamp now = services_.clock.Now();
  {
    MutexLock lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.checked < options_.cache_ttl) {
      if (it->second.expires_at && now >= *it->second.expires_at) {
        return Unauthenticated("The token expired.");
      }
      return it->second.context;
    }
  }
  Result<CacheEntry> loaded = Load(hash, now);
  MutexLock lock(mu_);
  if (!loaded.ok()) {
    cache_.erase(hash);
    return loaded.error();
  }
  if (cache_.size() >= options_.max_cached_tokens) cache_.clear();
  cache_.insert_or_assign(std::move(hash), *loaded);
  return loaded->context;
}

Result<AuthContext> TokenService::Authenticate(const std::string* authorization) {
  if (authorization == nullptr || authorization->empty()) {
    return Unauthenticated("An Authorization header is required (Bearer <token>).");
  }
  std::string_view header = *authorization;
  if (StartsWithIgnoringCase(header, "bearer ")) {
    std::string secret(header.substr(7));
    secret.erase(0, secret.find_first_not_of(' '));
    if (secret.empty()) return Unauthenticated("The Bearer token is empty.");
    return ContextForSecret(secret);
  }
  if (StartsWithIgnoringCase(header, "basic ")) {
    std::optional<std::string> decoded = Base64Decode(header.substr(6));
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return Unauthenticated("The Basic credentials must be base64(account:token).");
    }
    std::string account = decoded->substr(0, colon);
    POP_ASSIGN_OR_RETURN(AuthContext context, ContextForSecret(decoded->substr(colon + 1)));
    // The account part must be one the token may act for.
    if (!account.empty() && !context.IsGlobal() &&
        std::find(context.accounts.begin(), context.accounts.end(), account) ==
            context.accounts.end()) {
      return Unauthenticated("The token may not act for account " + account + ".");
    }
    return context;
  }
  return Unauthenticated("The Authorization header must be 'Bearer <token>' or 'Basic ...'.");
}

}  // namespace pop::app
