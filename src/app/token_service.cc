#include "app/token_service.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/base/base64.h"

namespace pop::app {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxCachedTokens = 10'000;
constexpr char kSecretPrefix[] = "pop_";

AuthContext ContextOf(const ApiToken& token) {
  AuthContext context;
  context.user_id = token.id;
  context.user_name = token.title;
  context.accounts = token.accounts;
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

}  // namespace

TokenService::TokenService(Services services, const SecretHasher& hasher)
    : services_(services), hasher_(hasher) {}

Result<CreatedToken> TokenService::Create(const TokenRequest& request, const RequestContext& ctx) {
  if (!ctx.auth.is_super_user) {
    return Error(ErrorCode::kPermissionDenied, "Only an administrator token may create tokens.");
  }
  if (request.accounts.empty() && !request.super_user) {
    return Error(ErrorCode::kValidation,
                 "Issues detected: The accounts field must list at least one customerId.");
  }
  for (const auto& account : request.accounts) {
    if (account.find_first_not_of(" \t") == std::string::npos) {
      return Error(ErrorCode::kValidation,
                   "Issues detected: The accounts field must not contain blank customerIds.");
    }
  }
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
  POP_RETURN_IF_ERROR(
      services_.store.Write([&](StoreWriter& tx) { return tx.AddToken(created.token); }));
  return created;
}

Result<AuthContext> TokenService::ContextForSecret(const std::string& secret) {
  std::string hash = hasher_.Hash(secret);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end()) return it->second;
  }
  std::optional<ApiToken> token;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(token, reader.FindTokenByHash(hash));
    return Status::Ok();
  }));
  if (!token) return Unauthenticated("The token is not valid.");
  AuthContext context = ContextOf(*token);
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_.emplace(std::move(hash), context);
  return context;
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
