-- The audit log: one row per state-changing API call (docs/security.md "Audit log"). Its own
-- table, touching no other: it may be applied after any other migration of the same release.
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,            -- epoch milliseconds
  token_id TEXT NOT NULL,
  accounts TEXT NOT NULL,         -- JSON array of strings
  super_user INTEGER NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  object_ids TEXT NOT NULL,       -- JSON array of strings
  status INTEGER NOT NULL,
  correlation_id TEXT NOT NULL
) STRICT;
-- Listing by time and the reaper's deletes of the oldest.
CREATE INDEX audit_log_at ON audit_log (at);
