-- Schema version 4: alerting's state (docs/alerting.md), kept in the store so that every server
-- lists the same alerts and the server that evaluates the rules next (after a restart or a
-- change of leader) carries on the open ones. Tables of their own, touching no other.
-- Open conditions: alerting (firing announced) or still counting towards the rule's threshold.
CREATE TABLE alert_condition (
  rule text NOT NULL,
  key text NOT NULL,
  alerting boolean NOT NULL,
  count bigint NOT NULL,
  first_seen bigint NOT NULL,      -- epoch milliseconds
  last_seen bigint NOT NULL,
  insight_id text NOT NULL,
  agenda_id text NOT NULL,
  customer_id text NOT NULL,
  operation_type text NOT NULL,
  summary text NOT NULL,
  agenda_url text NOT NULL,
  PRIMARY KEY (rule, key)
);
-- The most recently resolved alerts (the list's "resolved"), trimmed as new ones come.
CREATE TABLE alert_resolved (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule text NOT NULL,
  key text NOT NULL,
  count bigint NOT NULL,
  first_seen bigint NOT NULL,
  last_seen bigint NOT NULL,
  resolved_at bigint NOT NULL,
  insight_id text NOT NULL,
  agenda_id text NOT NULL,
  customer_id text NOT NULL,
  operation_type text NOT NULL,
  summary text NOT NULL,
  agenda_url text NOT NULL
);
-- How far a rule has read the finished records (its high-water mark).
CREATE TABLE alert_cursor (
  name text PRIMARY KEY,
  value text NOT NULL
);
-- When a puller last polled each insight, through any server (the pullerSilent rule).
CREATE TABLE insight_poll (
  insight_id text PRIMARY KEY,
  last_poll bigint NOT NULL        -- epoch milliseconds
);
