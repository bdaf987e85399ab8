#include "cli/client_handler_commands.h"

#include <CLI/CLI.hpp>

#include "cli/client_output.h"
#include "core/validate/operation_types.h"

namespace pop::cli {
namespace {

struct HandlerListOptions {
  ConnectionFlags connection;
  std::string pool;  // only this pool
  OutputFormat output = OutputFormat::kTable;
};

int RunHandlerList(const HandlerListOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  std::string path = "/resourcepool?bylimit=10000";
  if (!options.pool.empty()) path += "&byId=" + UrlEncode(options.pool);
  auto found = client->Call("GET", path);
  if (!found.ok()) return Fail(found.error());
  const Json* all = found->Find("all");
  const JsonArray pools = all != nullptr && all->is_array() ? all->AsArray() : JsonArray();
  if (!options.pool.empty() && pools.empty()) {
    return Fail(Error(ErrorCode::kNotFound, "no resource pool " + options.pool));
  }
  JsonArray rows;  // {type, pool, source}
  auto add = [&rows](const std::string& type, const std::string& pool, const char* source) {
    rows.push_back(Json(JsonObject{
        {"type", Json(type)}, {"pool", Json(pool)}, {"source", Json(std::string(source))}}));
  };
  for (const Json& pool : pools) {
    const std::string id = StringField(pool, "id");
    const Json* types = pool.Find("handlerTypes");
    if (types == nullptr || !types->is_array()) {
      add("", id, "not announced (submission checks no type)");
      continue;
    }
    for (const Json& type : types->AsArray()) add(ScalarText(&type), id, "registry");
  }
  for (const std::string& type : ResidentOperationTypes()) add(type, "*", "resident");
  if (IsStructured(options.output)) {
    Print(Structured(options.output, Json(rows)));
    return kExitOk;
  }
  Table table({"TYPE", "POOL", "SOURCE"});
  for (const Json& row : rows) {
    table.AddRow(
        {StringField(row, "type", "-"), StringField(row, "pool"), StringField(row, "source")});
  }
  Print(table.Render());
  return kExitOk;
}

}  // namespace

void AddHandlerCommands(CLI::App& handler_group, ClientCommandState& state) {
  CLI::App* list = handler_group.add_subcommand(
      "list", "the operation types each resource pool's handlers run, and the resident types");
  auto& options = RegisterCommand<HandlerListOptions>(state, list, &RunHandlerList);
  AddConnectionFlags(*list, options.connection);
  list->add_option("--pool", options.pool, "only this resource pool");
  AddOutputFlag(*list, options.output);
}

}  // namespace pop::cli
