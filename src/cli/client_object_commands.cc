#include "cli/client_object_commands.h"

#include <optional>

#include <CLI/CLI.hpp>

#include "cli/client_output.h"
#include "cli/client_pause_commands.h"
#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

constexpr int64_t kDefaultListLimit = 100;

enum class Kind { kPool, kInsight, kCustomer, kTemplate };

struct KindInfo {
  Kind kind;
  const char* command;  // pop <command> create
  const char* noun;     // in messages
  const char* path;     // the data route
};

constexpr KindInfo kKinds[] = {
    {Kind::kPool, "pool", "resource pool", "/resourcepool"},
    {Kind::kInsight, "insight", "insight", "/insight"},
    {Kind::kCustomer, "customer", "customer", "/customer"},
    {Kind::kTemplate, "template", "agenda template", "/agendatemplate"},
};

struct CreateOptions {
  ConnectionFlags connection;
  const KindInfo* kind = nullptr;
  std::string file;
  std::string id;
  std::string title;
  std::string customer;
  std::string pool;
  std::string algorithm;
  std::string queue_name;
  std::vector<std::string> types;
  std::optional<int64_t> queue_size;
  std::optional<double> weight;
  bool global = false;
};

struct GetOptions {
  ConnectionFlags connection;
  const KindInfo* kind = nullptr;
  std::string id;
  OutputFormat output = OutputFormat::kTable;
};

struct ListOptions {
  ConnectionFlags connection;
  const KindInfo* kind = nullptr;
  int64_t limit = kDefaultListLimit;
  OutputFormat output = OutputFormat::kTable;
};

std::string Joined(const Json* list) {
  std::string text;
  if (list == nullptr || !list->is_array()) return text;
  for (const Json& item : list->AsArray()) text += (text.empty() ? "" : ",") + ScalarText(&item);
  return text;
}

// The fields the flags name, over the file's object when there is one.
Result<JsonObject> BuildBody(const CreateOptions& options) {
  JsonObject body;
  if (!options.file.empty()) {
    POP_ASSIGN_OR_RETURN(body, ReadJsonObject(options.file));
  } else if (options.id.empty() && options.title.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("pass -f FILE or the fields as flags (pop ") + options.kind->command +
                     " create --help)");
  }
  if (!options.id.empty()) body.Set("id", Json(options.id));
  if (!options.title.empty()) body.Set("title", Json(options.title));
  if (!options.pool.empty()) body.Set("resourcePoolId", Json(options.pool));
  if (!options.algorithm.empty()) body.Set("schedulingAlgorithm", Json(options.algorithm));
  if (!options.queue_name.empty()) body.Set("queueName", Json(options.queue_name));
  if (options.queue_size) body.Set("queueSize", Json(*options.queue_size));
  if (options.weight) body.Set("weight", Json(*options.weight));
  if (options.global) body.Set("isGlobal", Json(true));
  if (!options.types.empty()) {
    Json* existing = body.Find("mappers");
    JsonObject mappers =
        existing != nullptr && existing->is_object() ? existing->AsObject() : JsonObject();
    JsonArray types(options.types.begin(), options.types.end());
    mappers.Set("operationType", Json(std::move(types)));
    body.Set("mappers", Json(std::move(mappers)));
  }
  if (options.kind->kind == Kind::kInsight && !body.Contains("queueName") && body.Contains("id")) {
    body.Set("queueName", *body.Find("id"));
  }
  if (!options.customer.empty()) {
    body.Set("customerId", Json(options.customer));
  } else if (!body.Contains("customerId")) {
    // A Customer works only when its customerId is its own id (spec §3.5).
    const Json* id = body.Find("id");
    bool own = options.kind->kind == Kind::kCustomer && id != nullptr;
    body.Set("customerId", own ? *id : Json(ResolveCustomer("")));
  }
  // A template's agenda without a customerId is for the template's customer, as an agenda file
  // without one is for the default customer: run, it would be refused for having none.
  Json* agenda = options.kind->kind == Kind::kTemplate ? body.Find("agenda") : nullptr;
  if (agenda != nullptr && agenda->is_object() && !agenda->AsObject().Contains("customerId")) {
    agenda->AsObject().Set("customerId", *body.Find("customerId"));
  }
  return body;
}

int RunCreate(const CreateOptions& options) {
  auto body = BuildBody(options);
  if (!body.ok()) return Fail(body.error());
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  // POST onto an existing id merges into it; say which happened.
  bool existed = false;
  if (const Json* id = body->Find("id"); id != nullptr && id->is_string()) {
    auto found = client->Call(
        "GET", std::string(options.kind->path) + "/" + UrlEncode(id->AsString()) + "?byfields=id");
    if (!found.ok()) return Fail(found.error());
    existed = FirstOf(*found, "all") != nullptr;
  }
  auto response = client->Call("POST", options.kind->path, ToJsonText(Json(std::move(*body))));
  if (!response.ok()) return Fail(response.error());
  const Json* created = FirstOf(*response, "all");
  std::string id = created != nullptr ? StringField(*created, "id") : "";
  Print(std::string(options.kind->noun) + " " + id + (existed ? " updated\n" : " created\n"));
  return kExitOk;
}

int RunGet(const GetOptions& options) {
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto found = client->Call("GET", std::string(options.kind->path) + "/" + UrlEncode(options.id));
  if (!found.ok()) return Fail(found.error());
  const Json* object = FirstOf(*found, "all");
  if (object == nullptr) {
    return Fail(Error(ErrorCode::kNotFound,
                      std::string(options.kind->noun) + " " + options.id + " not found"));
  }
  Print(IsStructured(options.output) ? Structured(options.output, *object) : Describe(*object));
  return kExitOk;
}

Table TableOf(Kind kind, const JsonArray& objects) {
  auto text = [](const Json& object, const char* key) { return ScalarText(object.Find(key)); };
  switch (kind) {
    case Kind::kPool: {
      Table table({"ID", "CUSTOMER", "TITLE", "INSIGHTS"});
      for (const Json& o : objects) {
        table.AddRow(
            {text(o, "id"), text(o, "customerId"), text(o, "title"), Joined(o.Find("insightIds"))});
      }
      return table;
    }
    case Kind::kInsight: {
      Table table(
          {"ID", "CUSTOMER", "TITLE", "POOL", "ALGORITHM", "QUEUE SIZE", "GLOBAL", "TYPES"});
      for (const Json& o : objects) {
        const Json* mappers = o.Find("mappers");
        table.AddRow({text(o, "id"), text(o, "customerId"), text(o, "title"),
                      text(o, "resourcePoolId"), text(o, "schedulingAlgorithm"),
                      text(o, "queueSize"), text(o, "isGlobal"),
                      Joined(mappers != nullptr ? mappers->Find("operationType") : nullptr)});
      }
      return table;
    }
    case Kind::kCustomer: {
      Table table({"ID", "TITLE", "POOL", "WEIGHT"});
      for (const Json& o : objects) {
        table.AddRow(
            {text(o, "id"), text(o, "title"), text(o, "resourcePoolId"), text(o, "weight")});
      }
      return table;
    }
    case Kind::kTemplate: {
      Table table({"ID", "CUSTOMER", "TITLE", "GLOBAL"});
      for (const Json& o : objects) {
        table.AddRow({text(o, "id"), text(o, "customerId"), text(o, "title"), text(o, "isGlobal")});
      }
      return table;
    }
  }
  return Table({});
}

int RunList(const ListOptions& options) {
  if (options.limit < 1 || options.limit > 10'000) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--limit must be between 1 and 10000"));
  }
  auto client = Connect(options.connection);
  if (!client.ok()) return Fail(client.error());
  auto found = client->Call(
      "GET", std::string(options.kind->path) + "?bylimit=" + std::to_string(options.limit));
  if (!found.ok()) return Fail(found.error());
  const Json* all = found->Find("all");
  const JsonArray objects = all != nullptr && all->is_array() ? all->AsArray() : JsonArray();
  Print(IsStructured(options.output) ? Structured(options.output, Json(objects))
                                     : TableOf(options.kind->kind, objects).Render());
  return kExitOk;
}

void AddCreateFlags(CLI::App& command, CreateOptions& options) {
  Kind kind = options.kind->kind;
  if (kind != Kind::kCustomer) {
    command.add_option("--customer", options.customer,
                       "owning customerId (env POP_CUSTOMER, default dev)");
  }
  if (kind == Kind::kInsight || kind == Kind::kCustomer) {
    command.add_option("--pool", options.pool, "resourcePoolId");
  }
  if (kind == Kind::kCustomer) {
    command.add_option("--weight", options.weight, "share under WeightedFair (default 1)");
  }
  if (kind != Kind::kInsight) return;
  command.add_option("--types", options.types, "operation types it takes (mappers), a,b")
      ->delimiter(',');
  command.add_option("--queue-size", options.queue_size, "agendas kept ready in its queue");
  command.add_option("--queue-name", options.queue_name, "queueName (default: the id)");
  command.add_option("--algorithm", options.algorithm, "schedulingAlgorithm")
      ->check(CLI::IsMember({"FirstInFirstOut", "RoundRobin", "Priority", "WeightedFair"}));
  command.add_flag("--global", options.global, "isGlobal: every customer's agendas may use it");
}

// Adds `pop <kind> create|get|list`; returns the `<kind>` command.
CLI::App* AddKindCommands(CLI::App& app, ClientCommandState& state, const KindInfo& info) {
  CLI::App* group = app.add_subcommand(info.command, std::string("manage ") + info.noun + "s");
  group->require_subcommand(1);

  CLI::App* create = group->add_subcommand("create", std::string("create a new ") + info.noun +
                                                         " (POST; an existing id is merged into)");
  auto& create_options = RegisterCommand<CreateOptions>(state, create, &RunCreate);
  create_options.kind = &info;
  AddConnectionFlags(*create, create_options.connection);
  create->add_option("-f,--file", create_options.file, "the object as JSON; - reads stdin");
  create->add_option("--id", create_options.id, "id");
  create->add_option("--title", create_options.title, "title");
  AddCreateFlags(*create, create_options);

  CLI::App* get = group->add_subcommand("get", std::string("show one ") + info.noun);
  auto& get_options = RegisterCommand<GetOptions>(state, get, &RunGet);
  get_options.kind = &info;
  AddConnectionFlags(*get, get_options.connection);
  get->add_option("id", get_options.id, "id")->required();
  AddOutputFlag(*get, get_options.output);

  CLI::App* list = group->add_subcommand("list", std::string("list ") + info.noun + "s");
  auto& list_options = RegisterCommand<ListOptions>(state, list, &RunList);
  list_options.kind = &info;
  AddConnectionFlags(*list, list_options.connection);
  list->add_option("--limit", list_options.limit, "at most this many (1-10000)")
      ->capture_default_str();
  AddOutputFlag(*list, list_options.output);
  return group;
}

}  // namespace

void AddObjectCommands(CLI::App& app, ClientCommandState& state) {
  for (const KindInfo& info : kKinds) {
    CLI::App* group = AddKindCommands(app, state, info);
    if (info.kind == Kind::kTemplate) AddTemplateRunCommand(*group, state);
    if (info.kind == Kind::kCustomer) AddSetWeightCommand(*group, state);
    if (info.kind == Kind::kInsight) AddInsightPauseCommands(*group, state);
  }
  AddProgressCommands(app, state);
}

}  // namespace pop::cli
