// Connection strings of the PostgreSQL store as text: which `--store` values name PostgreSQL, and
// the redaction that keeps passwords out of every message, log line, banner and argv. Pure string
// handling (no libpq), so the composition root can use it before any connection exists.
// Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

namespace pop::postgres {

// True for libpq URIs: "postgresql://..." and "postgres://..." (also the bare "postgresql://",
// which takes everything from the PG* environment variables).
bool IsPostgresUri(std::string_view text);

// `text` with every password it holds replaced by "***": the password of a URI's user info
// (postgresql://user:secret@host/db), and the value of `password=` (or `sslpassword=`) in a URI
// query or a key=value connection string, quoted or not.
std::string RedactPassword(std::string_view text);

// Overwrites the same passwords in place with '*' (the text keeps its length); for scrubbing a
// process's argv, which `ps` shows. True when anything was overwritten.
bool MaskPassword(char* text);

}  // namespace pop::postgres
