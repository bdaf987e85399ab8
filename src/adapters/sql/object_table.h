// ObjectTable: how each ObjectKind maps onto its table (name, extracted columns), and the SQL
// built from it for Put, Find and Count, in the dialect of either SQL adapter (SQLite or
// PostgreSQL): both build their object queries here, never a copy of their own. Column names and
// SQL shapes come only from the constant tables in object_table.cc; every value from a caller is a
// bound parameter. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json/json.h"
#include "core/model/data_object.h"
#include "ports/store.h"

namespace pop::sql {

// The SQL spoken by the store: its placeholders (`?1` or `$1`), JSON functions and booleans.
enum class SqlDialect {
  kSqlite,    // ?N placeholders; json_each, json_type, ->, ->>; booleans are 0/1 integers
  kPostgres,  // $N placeholders; jsonb arrays, doc::json ->>; booleans are boolean columns
};

enum class ColumnType {
  kText,       // a string field; NULL when absent
  kInteger,    // an integer field (times); NULL when absent
  kBool,       // a boolean field; false when absent (bound as the integer 0 or 1)
  kJsonArray,  // an array field as JSON text (SQLite TEXT, PostgreSQL jsonb); NULL when absent
};

// A column copied from a top-level field of the encoded object.
struct Column {
  std::string_view name;   // SQL column
  std::string_view field;  // JSON field name of the object codec
  ColumnType type;
};

struct ObjectTable {
  std::string_view name;
  std::span<const Column> columns;  // besides seq, id and doc
  bool has_global_rules;            // has is_global and allowed_customer_ids (spec §4.4)
};

const ObjectTable& TableFor(ObjectKind kind);

// A value bound to a query parameter. (A plain struct rather than a std::variant: GCC 12 at -O3
// reports false -Wmaybe-uninitialized warnings when moving variants that hold a string.)
struct SqlValue {
  enum class Type { kNull, kInteger, kText };

  static SqlValue Null() { return SqlValue(); }
  static SqlValue Integer(int64_t value) { return SqlValue{Type::kInteger, value, {}}; }
  static SqlValue Text(std::string value) { return SqlValue{Type::kText, 0, std::move(value)}; }

  Type type = Type::kNull;
  int64_t integer = 0;
  std::string text;
};

// SQL text with its parameter values, bound in order to ?1, ?2 ... (or $1, $2 ...).
struct SqlQuery {
  std::string sql;
  std::vector<SqlValue> params;
};

// INSERT ... ON CONFLICT(id) DO UPDATE for `encoded` (EncodeObject of an object with an id),
// whose JSON text is `doc`.
SqlQuery BuildUpsert(SqlDialect dialect, ObjectKind kind, const Json& encoded, std::string doc);

// SELECT doc ... ORDER BY seq LIMIT, or SELECT count(*). nullopt when the query cannot match
// anything (an empty scope, or a field name that is not a plain identifier).
std::optional<SqlQuery> BuildFind(SqlDialect dialect, ObjectKind kind, const ObjectQuery& query);
std::optional<SqlQuery> BuildCount(SqlDialect dialect, ObjectKind kind, const ObjectQuery& query);

// "?<index>" or "$<index>".
std::string Placeholder(SqlDialect dialect, size_t index);

// The JSON array text of `values` (["a","b"]), as array columns and parameters hold them.
std::string JsonArrayText(const std::vector<std::string>& values);

}  // namespace pop::sql
