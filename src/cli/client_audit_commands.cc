#include "cli/client_audit_commands.h"

#include <CLI/CLI.hpp>

#include "cli/client_output.h"

namespace pop::cli {
namespace {

struct AuditListOptions {
  ConnectionFlags connection;
  std::string since;  // a duration back from now ("1h") or epoch milliseconds
  std::string by_user;
  int64_t limit = 100;
  OutputFormat output = OutputFormat::kTable;
};

// `since` as epoch milliseconds: digits alone are epoch milliseconds already; a duration with its
// unit ("90m", "1h") counts back from now.
Result<std::optional<int64_t>> SinceMillis(const std::string& since) {
  if (since.empty()) return std::optional<int64_t>();
  if (since.find_first_not_of("0123456789") == std::string::npos && since.size() < 19) {
    return std::optional<int64_t>(std::stoll(since));
  }
  POP_ASSIGN_OR_RETURN(auto back, ParseDuration(since, "--since"));
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return std::optional<int64_t>((now - back.value_or(std::chrono::milliseconds(0))).count());
}

int RunAuditList(const AuditListOptions& options) {
  if (options.limit < 1 || options.limit > 10'000) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--limit must be between 1 and 10000"));
  }
  auto since = SinceMillis(options.since);
  if (!since.ok()) return Fail(since.error());
  std::string path = "/audit?limit=" + std::to_string(options.limit);
  if (*since) path += "&since=" + std::to_string(**since);
  if (!options.by_user.empty()) path += "&byUser=" + UrlEncode(options.by_user);
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto found = client->Call("GET", path);
  if (!found.ok()) return Fail(found.error());
  const Json* all = found->Find("all");
  const JsonArray records = all != nullptr && all->is_array() ? all->AsArray() : JsonArray();
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(records)));
    return kExitOk;
  }
  Table table({"TIME", "TOKEN", "ACCOUNTS", "METHOD", "ROUTE", "OBJECTS", "STATUS", "CID"});
  auto joined = [](const Json* list) {
    std::string text;
    if (list == nullptr || !list->is_array()) return text;
    for (const Json& item : list->AsArray()) {
      text += (text.empty() ? "" : ",") + ScalarText(&item);
    }
    return text;
  };
  for (const Json& r : records) {
    table.AddRow({FormatTime(IntField(r, "time").value_or(0)), StringField(r, "tokenId"),
                  joined(r.Find("accounts")), StringField(r, "method"), StringField(r, "route"),
                  joined(r.Find("objectIds")), ScalarText(r.Find("status")),
                  StringField(r, "correlationId")});
  }
  Print(table.Render());
  return kExitOk;
}

}  // namespace

void AddAuditCommands(CLI::App& app, ClientCommandState& state) {
  CLI::App* group = app.add_subcommand("audit", "the audit log of state-changing calls");
  group->require_subcommand(1);
  CLI::App* list =
      group->add_subcommand("list", "list audit records, newest first (super user only)");
  auto& options = RegisterCommand<AuditListOptions>(state, list, &RunAuditList);
  AddConnectionFlags(*list, options.connection);
  list->add_option("--since", options.since,
                   "only calls since this long ago (1h, 30m) or since epoch milliseconds");
  list->add_option("--by-user", options.by_user, "only calls by this token id or account");
  list->add_option("--limit", options.limit, "at most this many (1-10000)")->capture_default_str();
  AddOutputFlag(*list, options.output);
}

}  // namespace pop::cli
