// The schema migrations of the SQLite store: migrations/NNNN_name.sql, embedded into the binary
// at build time (embed_migrations.cmake) and applied in order by SqliteStore::Open. Rules:
// docs/design/storage.md, "Migrations". Immutable.
#pragma once

#include <span>
#include <string_view>

namespace pop::sqlite {

struct Migration {
  int version;            // NNNN of the file name; versions run 1, 2, 3 ... without gaps
  std::string_view name;  // file name without ".sql"
  std::string_view sql;   // one or more statements
};

// Every migration this binary knows, oldest first. The newest version is the schema version it
// writes and the newest it accepts.
std::span<const Migration> Migrations();

}  // namespace pop::sqlite
