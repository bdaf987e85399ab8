// The schema migrations of the PostgreSQL store: migrations/NNNN_name.sql, embedded into the
// binary at build time (adapters/sql/embed_migrations.cmake) and applied in order by
// PostgresStore::Open under an advisory lock. Rules: docs/design/storage.md, "Migrations".
// Immutable.
#pragma once

#include <span>

#include "adapters/sql/migration.h"

namespace pop::postgres {

// Every migration this binary knows, oldest first. The newest version is the schema version it
// writes and the newest it accepts.
std::span<const sql::Migration> Migrations();

}  // namespace pop::postgres
