// A schema migration of an SQL store: one migrations/NNNN_name.sql file of its adapter, embedded
// into the binary at build time by embed_migrations.cmake. Rules: docs/design/storage.md,
// "Migrations". Immutable.
#pragma once

#include <string_view>

namespace pop::sql {

struct Migration {
  int version;            // NNNN of the file name; versions run 1, 2, 3 ... without gaps
  std::string_view name;  // file name without ".sql"
  std::string_view sql;   // one or more statements
};

}  // namespace pop::sql
