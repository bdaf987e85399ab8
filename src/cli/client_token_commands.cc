#include "cli/client_token_commands.h"

#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/client_output.h"
#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

struct CreateOptions {
  ConnectionFlags connection;
  std::vector<std::string> accounts;
  std::string title;
  std::string expires_in;
  bool super_user = false;
  bool allow_unknown_accounts = false;
  OutputFormat output = OutputFormat::kTable;
};

struct ListOptions {
  ConnectionFlags connection;
  OutputFormat output = OutputFormat::kTable;
};

struct RevokeOptions {
  ConnectionFlags connection;
  std::string id;
};

std::string TimeOrDash(const Json& token, const char* key) {
  std::optional<int64_t> millis = IntField(token, key);
  return millis ? FormatTime(*millis) : "-";
}

std::string AccountsText(const Json& token) {
  const Json* accounts = token.Find("accounts");
  std::string text;
  if (accounts == nullptr || !accounts->is_array()) return text;
  for (const Json& account : accounts->AsArray()) {
    text += (text.empty() ? "" : ",") + ScalarText(&account);
  }
  return text;
}

Result<JsonObject> BuildBody(const CreateOptions& options) {
  JsonObject body;
  JsonArray accounts(options.accounts.begin(), options.accounts.end());
  body.Set("accounts", Json(std::move(accounts)));
  body.Set("superUser", Json(options.super_user));
  body.Set("title", Json(options.title));
  if (options.allow_unknown_accounts) body.Set("allowUnknownAccounts", Json(true));
  POP_ASSIGN_OR_RETURN(auto expires_in, ParseDuration(options.expires_in, "--expires-in"));
  if (expires_in) {
    if (expires_in->count() <= 0) {
      return Error(ErrorCode::kInvalidArgument, "--expires-in must be longer than 0");
    }
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    body.Set("expiresAt", Json(static_cast<int64_t>((now + *expires_in).count())));
  }
  return body;
}

int RunCreate(const CreateOptions& options) {
  auto body = BuildBody(options);
  if (!body.ok()) return Fail(body.error());
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto created = client->Call("POST", "/token", ToJsonText(Json(std::move(*body))));
  if (!created.ok()) return Fail(created.error());
  if (IsStructured(options.output)) {
    Print(Structured(options.output, *created));
    return kExitOk;
  }
  // The secret alone on stdout, so that scripts can take it with $(pop token create ...).
  Print(StringField(*created, "token") + "\n");
  std::fprintf(stderr, "pop: token %s created; its secret is shown only now\n",
               StringField(*created, "id").c_str());
  return kExitOk;
}

int RunList(const ListOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto found = client->Call("GET", "/token");
  if (!found.ok()) return Fail(found.error());
  const Json* all = found->Find("all");
  const JsonArray tokens = all != nullptr && all->is_array() ? all->AsArray() : JsonArray();
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(tokens)));
    return kExitOk;
  }
  Table table({"ID", "TITLE", "ACCOUNTS", "SUPER", "CREATED", "EXPIRES", "LAST USED", "REVOKED"});
  for (const Json& token : tokens) {
    table.AddRow({StringField(token, "id"), StringField(token, "title"), AccountsText(token),
                  ScalarText(token.Find("superUser")), TimeOrDash(token, "created"),
                  TimeOrDash(token, "expiresAt"), TimeOrDash(token, "lastUsed"),
                  TimeOrDash(token, "revokedAt")});
  }
  Print(table.Render());
  return kExitOk;
}

int RunRevoke(const RevokeOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto revoked = client->Call("DELETE", "/token/" + UrlEncode(options.id));
  if (!revoked.ok()) return Fail(revoked.error());
  Print("token " + options.id + " revoked\n");
  return kExitOk;
}

}  // namespace

void AddTokenCommands(CLI::App& app, ClientCommandState& state) {
  CLI::App* group = app.add_subcommand("token", "manage API tokens (super user)");
  group->require_subcommand(1);

  CLI::App* create = group->add_subcommand("create", "issue a token; prints its secret once");
  auto& create_options = RegisterCommand<CreateOptions>(state, create, &RunCreate);
  AddConnectionFlags(*create, create_options.connection);
  create->add_option("--account", create_options.accounts, "customerId it acts for (a,b)")
      ->delimiter(',');
  create->add_option("--title", create_options.title, "what it is for");
  create->add_flag("--super-user", create_options.super_user, "sees and changes everything");
  create->add_option("--expires-in", create_options.expires_in,
                     "unusable after this long, e.g. 12h or 720h (default: never)");
  create->add_flag("--allow-unknown-accounts", create_options.allow_unknown_accounts,
                   "issue it although an account has no Customer yet");
  AddOutputFlag(*create, create_options.output);

  CLI::App* list = group->add_subcommand("list", "list tokens (never their secrets)");
  auto& list_options = RegisterCommand<ListOptions>(state, list, &RunList);
  AddConnectionFlags(*list, list_options.connection);
  AddOutputFlag(*list, list_options.output);

  CLI::App* revoke = group->add_subcommand("revoke",
                                           "revoke a token; every server refuses it "
                                           "within a second");
  auto& revoke_options = RegisterCommand<RevokeOptions>(state, revoke, &RunRevoke);
  AddConnectionFlags(*revoke, revoke_options.connection);
  revoke->add_option("id", revoke_options.id, "the token's id (pop token list)")->required();
}

}  // namespace pop::cli
