// The schema migrations of the SQLite store: migrations/NNNN_name.sql, embedded into the binary
// at build time (adapters/sql/embed_migrations.cmake) and applied in order by SqliteStore::Open.
// Rules: docs/design/storage.md, "Migrations". Immutable.
#pragma once

#include <span>

#include "adapters/sql/migration.h"

namespace pop::sqlite {

using Migration = sql::Migration;

// Every migration this binary knows, oldest first. The newest version is the schema version it
// writes and the newest it accepts.
std::span<const Migration> Migrations();

}  // namespace pop::sqlite
