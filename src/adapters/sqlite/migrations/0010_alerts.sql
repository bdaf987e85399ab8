-- Schema version 10: alerting's state (docs/alerting.md), kept in the store so that every server
-- lists the same alerts and the server that evaluates the rules next (after a restart or a
-- change of leader) carries on the open ones. Tables of their own, touching no other.
-- Open conditions: alerting (firing announced) or still counting towards the rule's threshold.
CREATE TABLE alert_condition (
  rule TEXT NOT NULL,
  key TEXT NOT NULL,
  alerting INTEGER NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,     -- epoch milliseconds
  last_seen INTEGER NOT NULL,
  insight_id TEXT NOT NULL,
  agenda_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  operation_type TEXT NOT NULL,
  summary TEXT NOT NULL,
  agenda_url TEXT NOT NULL,
  PRIMARY KEY (rule, key)
) STRICT, WITHOUT ROWID;
-- The most recently resolved alerts (the list's "resolved"), trimmed as new ones come.
CREATE TABLE alert_resolved (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  rule TEXT NOT NULL,
  key TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  resolved_at INTEGER NOT NULL,
  insight_id TEXT NOT NULL,
  agenda_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  operation_type TEXT NOT NULL,
  summary TEXT NOT NULL,
  agenda_url TEXT NOT NULL
) STRICT;
-- How far a rule has read the finished records (its high-water mark).
CREATE TABLE alert_cursor (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
-- When a puller last polled each insight, through any server (the pullerSilent rule).
CREATE TABLE insight_poll (
  insight_id TEXT PRIMARY KEY,
  last_poll INTEGER NOT NULL       -- epoch milliseconds
) STRICT, WITHOUT ROWID;
