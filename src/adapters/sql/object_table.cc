#include "adapters/sql/object_table.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <utility>

#include "core/codec/json_text.h"

namespace pop::sql {
namespace {

constexpr Column kAgendaColumns[] = {
    {"customer_id", "customerId", ColumnType::kText},
    {"title", "title", ColumnType::kText},
    {"updated_time", "updatedTime", ColumnType::kInteger},
    {"link_id", "linkId", ColumnType::kText},
};
constexpr Column kAgendaTemplateColumns[] = {
    {"customer_id", "customerId", ColumnType::kText},
    {"title", "title", ColumnType::kText},
    {"updated_time", "updatedTime", ColumnType::kInteger},
    {"is_global", "isGlobal", ColumnType::kBool},
    {"allowed_customer_ids", "allowedCustomerIds", ColumnType::kJsonArray},
};
constexpr Column kCustomerColumns[] = {
    {"customer_id", "customerId", ColumnType::kText},
    {"title", "title", ColumnType::kText},
    {"updated_time", "updatedTime", ColumnType::kInteger},
    {"resource_pool_id", "resourcePoolId", ColumnType::kText},
};
constexpr Column kInsightColumns[] = {
    {"customer_id", "customerId", ColumnType::kText},
    {"title", "title", ColumnType::kText},
    {"updated_time", "updatedTime", ColumnType::kInteger},
    {"resource_pool_id", "resourcePoolId", ColumnType::kText},
    {"is_global", "isGlobal", ColumnType::kBool},
    {"allowed_customer_ids", "allowedCustomerIds", ColumnType::kJsonArray},
};
constexpr Column kResourcePoolColumns[] = {
    {"customer_id", "customerId", ColumnType::kText},
    {"title", "title", ColumnType::kText},
    {"updated_time", "updatedTime", ColumnType::kInteger},
};
constexpr Column kAgendaProgressColumns[] = {
    {"customer_id", "customerId", ColumnType::kText},
    {"title", "title", ColumnType::kText},
    {"updated_time", "updatedTime", ColumnType::kInteger},
    {"link_id", "linkId", ColumnType::kText},
    {"agenda_id", "agendaId", ColumnType::kText},
    {"processing_state", "processingState", ColumnType::kText},
};
constexpr Column kOperationProgressColumns[] = {
    {"customer_id", "customerId", ColumnType::kText},
    {"title", "title", ColumnType::kText},
    {"updated_time", "updatedTime", ColumnType::kInteger},
    {"agenda_progress_id", "agendaProgressId", ColumnType::kText},
};

// Indexed by ObjectKind.
constexpr ObjectTable kTables[] = {
    {"agenda", kAgendaColumns, false},
    {"agenda_template", kAgendaTemplateColumns, true},
    {"customer", kCustomerColumns, false},
    {"insight", kInsightColumns, true},
    {"resource_pool", kResourcePoolColumns, false},
    {"agenda_progress", kAgendaProgressColumns, false},
    {"operation_progress", kOperationProgressColumns, false},
};
static_assert(std::size(kTables) == std::size(kAllObjectKinds));

std::string UpsertSqlOf(SqlDialect dialect, const ObjectTable& table) {
  std::string names = "id";
  std::string values = Placeholder(dialect, 1);
  std::string updates;
  size_t param = 2;
  for (const Column& column : table.columns) {
    names += ", " + std::string(column.name);
    values += ", " + Placeholder(dialect, param++);
    updates += std::string(column.name) + " = excluded." + std::string(column.name) + ", ";
  }
  names += ", doc";
  values += ", " + Placeholder(dialect, param);
  updates += "doc = excluded.doc";
  // An upsert, not INSERT OR REPLACE: the row (and its seq, the insertion order) stays.
  return "INSERT INTO " + std::string(table.name) + " (" + names + ") VALUES (" + values +
         ") ON CONFLICT (id) DO UPDATE SET " + updates;
}

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty()) return false;
  auto head = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(head) || head == '_')) return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || u == '_';
  });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Collects the conditions of a WHERE clause and their parameters.
class WhereBuilder {
 public:
  explicit WhereBuilder(SqlDialect dialect) : dialect_(dialect) {}

  SqlDialect dialect() const { return dialect_; }
  std::string AddParam(SqlValue value) {
    params_.push_back(std::move(value));
    return Placeholder(dialect_, params_.size());
  }
  void AddCondition(std::string condition) { conditions_.push_back(std::move(condition)); }

  std::string Clause() const {
    if (conditions_.empty()) return "";
    std::string clause = " WHERE ";
    for (size_t i = 0; i < conditions_.size(); ++i) {
      if (i > 0) clause += " AND ";
      clause += conditions_[i];
    }
    return clause;
  }
  std::vector<SqlValue> TakeParams() { return std::move(params_); }

 private:
  SqlDialect dialect_;
  std::vector<std::string> conditions_;
  std::vector<SqlValue> params_;
};

// A sub-select of the strings of the JSON array text bound to `placeholder`.
std::string ArrayParamValues(SqlDialect dialect, const std::string& placeholder) {
  if (dialect == SqlDialect::kPostgres) {
    return "SELECT jsonb_array_elements_text(" + placeholder + "::jsonb)";
  }
  return "SELECT value FROM json_each(" + placeholder + ")";
}

// True when the row's allowed_customer_ids array holds one of the strings of the JSON array
// text bound to `placeholder`.
std::string AllowedCustomersMatch(SqlDialect dialect, const std::string& placeholder) {
  if (dialect == SqlDialect::kPostgres) {
    // jsonb `?|`: any of the strings is an element of the array (NULL arrays match nothing).
    return "allowed_customer_ids ?| ARRAY(" + ArrayParamValues(dialect, placeholder) + ")";
  }
  return "EXISTS (SELECT 1 FROM json_each(allowed_customer_ids) AS allowed"
         " WHERE allowed.value IN (" +
         ArrayParamValues(dialect, placeholder) + "))";
}

// The visibility rules of spec §4.4 as one OR-ed condition. False when no rule can match.
bool AddScope(const ObjectTable& table, const VisibilityScope& scope, WhereBuilder& where) {
  if (scope.everything) return true;
  std::vector<std::string> rules;
  if (scope.accounts.size() == 1) {
    // The common case gets `=`: the customer_id index then yields rows in seq order, so a
    // LIMIT stops early instead of sorting all of the customer's rows.
    rules.push_back("customer_id = " + where.AddParam(SqlValue::Text(scope.accounts[0])));
  } else if (!scope.accounts.empty()) {
    rules.push_back("customer_id IN (" +
                    ArrayParamValues(where.dialect(), where.AddParam(SqlValue::Text(
                                                          JsonArrayText(scope.accounts)))) +
                    ")");
  }
  if (scope.global_objects && table.has_global_rules) {
    rules.emplace_back(where.dialect() == SqlDialect::kPostgres ? "is_global" : "is_global = 1");
  }
  if (scope.allowed_customers && table.has_global_rules && !scope.accounts.empty()) {
    std::vector<std::string> lowered;
    lowered.reserve(scope.accounts.size());
    for (const auto& account : scope.accounts) lowered.push_back(Lower(account));
    rules.push_back(AllowedCustomersMatch(where.dialect(),
                                          where.AddParam(SqlValue::Text(JsonArrayText(lowered)))));
  }
  if (rules.empty()) return false;
  std::string condition = "(";
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) condition += " OR ";
    condition += rules[i];
  }
  where.AddCondition(condition + ")");
  return true;
}

const Column* TextColumnFor(const ObjectTable& table, std::string_view field) {
  for (const Column& column : table.columns) {
    if (column.field == field && column.type == ColumnType::kText) return &column;
  }
  return nullptr;
}

// The text form of a top-level field of `doc`: a string as it is, anything else as its JSON text
// exactly as stored (e.g. 100.0), NULL when absent.
std::string FieldText(WhereBuilder& where, const std::string& field) {
  if (where.dialect() == SqlDialect::kPostgres) {
    // `json` (not jsonb) keeps the stored text, so numbers compare as they were written.
    return "(doc::json ->> " + where.AddParam(SqlValue::Text(field)) + "::text)";
  }
  // SQLite's `->` returns numbers exactly as the codec wrote them; `->>` unquotes strings.
  std::string path = where.AddParam(SqlValue::Text("$.\"" + field + "\""));
  return "(CASE json_type(doc, " + path + ") WHEN 'text' THEN doc ->> " + path + " ELSE doc -> " +
         path + " END)";
}

// What a filter on `field` compares: the id, the field's text column, or its text in `doc`
// (absent fields are NULL and match nothing).
std::string FieldExpression(const ObjectTable& table, const std::string& field,
                            WhereBuilder& where) {
  if (field == "id") return "id";
  if (const Column* column = TextColumnFor(table, field)) return std::string(column->name);
  return FieldText(where, field);
}

// False when the filter cannot match anything.
bool AddFieldEquals(const ObjectTable& table, const FieldEquals& equals, WhereBuilder& where) {
  if (!IsPlainIdentifier(equals.field)) return false;
  std::string text = FieldExpression(table, equals.field, where);
  where.AddCondition(text + " = " + where.AddParam(SqlValue::Text(equals.value)));
  return true;
}

// False when the filter cannot match anything.
bool AddFieldOneOf(const ObjectTable& table, const FieldOneOf& one_of, WhereBuilder& where) {
  if (!IsPlainIdentifier(one_of.field) || one_of.values.empty()) return false;
  std::string text = FieldExpression(table, one_of.field, where);
  const std::string values = where.AddParam(SqlValue::Text(JsonArrayText(one_of.values)));
  where.AddCondition(text + " IN (" + ArrayParamValues(where.dialect(), values) + ")");
  return true;
}

// False when the query cannot match anything.
bool BuildWhere(const ObjectTable& table, const ObjectQuery& query, WhereBuilder& where) {
  if (query.id.has_value()) where.AddCondition("id = " + where.AddParam(SqlValue::Text(*query.id)));
  for (const FieldEquals& equals : query.equals) {
    if (!AddFieldEquals(table, equals, where)) return false;
  }
  for (const FieldOneOf& one_of : query.one_of) {
    if (!AddFieldOneOf(table, one_of, where)) return false;
  }
  if (query.updated_before.has_value()) {
    where.AddCondition("updated_time < " +
                       where.AddParam(SqlValue::Integer(query.updated_before->millis())));
  }
  if (query.updated_since.has_value()) {
    where.AddCondition("updated_time >= " +
                       where.AddParam(SqlValue::Integer(query.updated_since->millis())));
  }
  return AddScope(table, query.scope, where);
}

std::array<std::string, std::size(kTables)> UpsertSqlOf(SqlDialect dialect) {
  std::array<std::string, std::size(kTables)> sql;
  for (size_t i = 0; i < sql.size(); ++i) sql[i] = UpsertSqlOf(dialect, kTables[i]);
  return sql;
}

}  // namespace

const ObjectTable& TableFor(ObjectKind kind) { return kTables[static_cast<size_t>(kind)]; }

std::string Placeholder(SqlDialect dialect, size_t index) {
  // Built by appending: GCC 12 at -O3 reports a false -Wrestrict for `"?" + std::to_string(i)`.
  std::string placeholder = dialect == SqlDialect::kPostgres ? "$" : "?";
  placeholder += std::to_string(index);
  return placeholder;
}

std::string JsonArrayText(const std::vector<std::string>& values) {
  JsonArray array;
  array.reserve(values.size());
  for (const auto& value : values) array.emplace_back(value);
  return ToJsonText(Json(std::move(array)));
}

SqlQuery BuildUpsert(SqlDialect dialect, ObjectKind kind, const Json& encoded, std::string doc) {
  static const std::array<std::string, std::size(kTables)> kSqliteUpsert =
      UpsertSqlOf(SqlDialect::kSqlite);
  static const std::array<std::string, std::size(kTables)> kPostgresUpsert =
      UpsertSqlOf(SqlDialect::kPostgres);
  const ObjectTable& table = TableFor(kind);
  const auto& upserts = dialect == SqlDialect::kPostgres ? kPostgresUpsert : kSqliteUpsert;
  SqlQuery query{upserts[static_cast<size_t>(kind)], {}};
  const Json* id = encoded.Find("id");
  query.params.push_back(
      SqlValue::Text(id != nullptr && id->is_string() ? id->AsString() : std::string()));
  for (const Column& column : table.columns) {
    const Json* value = encoded.Find(column.field);
    switch (column.type) {
      case ColumnType::kText:
        if (value != nullptr && value->is_string()) {
          query.params.push_back(SqlValue::Text(value->AsString()));
          continue;
        }
        break;
      case ColumnType::kInteger:
        if (value != nullptr && value->is_integer()) {
          query.params.push_back(SqlValue::Integer(value->AsInt()));
          continue;
        }
        break;
      case ColumnType::kBool:
        query.params.push_back(
            SqlValue::Integer(value != nullptr && value->is_bool() && value->AsBool() ? 1 : 0));
        continue;
      case ColumnType::kJsonArray:
        if (value != nullptr && value->is_array()) {
          query.params.push_back(SqlValue::Text(ToJsonText(*value)));
          continue;
        }
        break;
    }
    query.params.push_back(SqlValue::Null());
  }
  query.params.push_back(SqlValue::Text(std::move(doc)));
  return query;
}

std::optional<SqlQuery> BuildFind(SqlDialect dialect, ObjectKind kind, const ObjectQuery& query) {
  const ObjectTable& table = TableFor(kind);
  WhereBuilder where(dialect);
  if (!BuildWhere(table, query, where)) return std::nullopt;
  const char* order = query.oldest_updated_first ? " ORDER BY updated_time, seq LIMIT "
                      : query.newest_first       ? " ORDER BY seq DESC LIMIT "
                                                 : " ORDER BY seq LIMIT ";
  std::string sql = "SELECT doc FROM " + std::string(table.name) + where.Clause() + order +
                    where.AddParam(SqlValue::Integer(static_cast<int64_t>(std::min<size_t>(
                        query.limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())))));
  return SqlQuery{std::move(sql), where.TakeParams()};
}

std::optional<SqlQuery> BuildCount(SqlDialect dialect, ObjectKind kind, const ObjectQuery& query) {
  const ObjectTable& table = TableFor(kind);
  WhereBuilder where(dialect);
  if (!BuildWhere(table, query, where)) return std::nullopt;
  std::string sql = "SELECT count(*) FROM " + std::string(table.name) + where.Clause();
  return SqlQuery{std::move(sql), where.TakeParams()};
}

}  // namespace pop::sql
