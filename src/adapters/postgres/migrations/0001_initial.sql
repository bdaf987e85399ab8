-- PostgreSQL schema version 1: the same tables as SQLite's versions 1-7, in PostgreSQL's types.
-- Rules for changing it: docs/design/storage.md, "Migrations" and "PostgreSQL".
--
-- Each data object is one row of its kind's table: `doc` holds the whole object as the JSON text
-- of the object codec (text, not jsonb: it is read back exactly as written, and nothing parses it
-- on the hot path); the other columns are copies of fields that queries and visibility use,
-- written from the same object on every Put. `seq` is the insertion order; an upsert keeps it.
-- Times are epoch milliseconds (bigint), as in SQLite.

CREATE TABLE agenda (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  customer_id text,
  title text,
  updated_time bigint,
  link_id text,
  doc text NOT NULL
);
-- (customer_id, seq): one customer's rows come out in insertion order, so a LIMIT stops early.
CREATE INDEX agenda_customer_id ON agenda (customer_id, seq);
CREATE INDEX agenda_link_id ON agenda (link_id);

CREATE TABLE agenda_template (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  customer_id text,
  title text,
  updated_time bigint,
  is_global boolean NOT NULL DEFAULT false,
  allowed_customer_ids jsonb,  -- array of lower-cased customer ids, or NULL
  doc text NOT NULL
);
CREATE INDEX agenda_template_customer_id ON agenda_template (customer_id, seq);
CREATE INDEX agenda_template_title ON agenda_template (title);
CREATE INDEX agenda_template_updated ON agenda_template (updated_time);

CREATE TABLE customer (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  customer_id text,
  title text,
  updated_time bigint,
  resource_pool_id text,
  doc text NOT NULL
);
CREATE INDEX customer_customer_id ON customer (customer_id, seq);
CREATE INDEX customer_resource_pool_id ON customer (resource_pool_id);

CREATE TABLE insight (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  customer_id text,
  title text,
  updated_time bigint,
  resource_pool_id text,
  is_global boolean NOT NULL DEFAULT false,
  allowed_customer_ids jsonb,  -- array of lower-cased customer ids, or NULL
  doc text NOT NULL
);
CREATE INDEX insight_customer_id ON insight (customer_id, seq);
CREATE INDEX insight_resource_pool_id ON insight (resource_pool_id);

CREATE TABLE resource_pool (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  customer_id text,
  title text,
  updated_time bigint,
  doc text NOT NULL
);
CREATE INDEX resource_pool_customer_id ON resource_pool (customer_id, seq);

CREATE TABLE agenda_progress (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  customer_id text,
  title text,
  updated_time bigint,
  link_id text,
  agenda_id text,
  processing_state text,
  doc text NOT NULL
);
CREATE INDEX agenda_progress_customer_id ON agenda_progress (customer_id, seq);
CREATE INDEX agenda_progress_link_id ON agenda_progress (link_id);
CREATE INDEX agenda_progress_agenda_id ON agenda_progress (agenda_id);
-- The reclaimer (EXECUTING without an update) and the reaper (finished past retention).
CREATE INDEX agenda_progress_state_updated ON agenda_progress (processing_state, updated_time);

CREATE TABLE operation_progress (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  customer_id text,
  title text,
  updated_time bigint,
  agenda_progress_id text,
  doc text NOT NULL
);
CREATE INDEX operation_progress_customer_id ON operation_progress (customer_id, seq);
CREATE INDEX operation_progress_agenda_progress_id ON operation_progress (agenda_progress_id);

-- Agendas that may be scheduled into their insight's queue (spec §3.12), with their claims.
CREATE TABLE ready_agenda (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  insight_id text NOT NULL,
  agenda_id text NOT NULL,
  customer_id text NOT NULL,
  added bigint NOT NULL,
  priority bigint NOT NULL DEFAULT 0,
  claimed_by text,
  lease_until bigint,
  not_before bigint  -- the backoff before an automatic retry, or NULL
);
CREATE INDEX ready_agenda_insight_id_added ON ready_agenda (insight_id, added);
CREATE INDEX ready_agenda_agenda_id ON ready_agenda (agenda_id);

-- The scheduler's RoundRobin carry-over per insight (spec §3.13).
CREATE TABLE insight_schedule_info (
  insight_id text PRIMARY KEY,
  pending_customer_ids text NOT NULL,  -- JSON array of customer ids
  last_executed bigint
);

-- Captured handler output per OperationProgress, bounded (the newest bytes are kept; `dropped`
-- counts what was cut from the front). bytea: handlers may print any bytes, not only UTF-8.
CREATE TABLE operation_log (
  operation_progress_id text PRIMARY KEY,
  text bytea NOT NULL,
  dropped bigint NOT NULL DEFAULT 0,
  updated bigint NOT NULL
);

-- One holder at a time per maintenance job, across every server sharing the store.
CREATE TABLE job_lease (
  job text PRIMARY KEY,
  holder text NOT NULL,
  lease_until bigint NOT NULL
);

-- Bearer credentials; only a hash of the secret is kept. `seq`: the order they were issued in.
CREATE TABLE api_token (
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id text PRIMARY KEY,
  secret_hash text NOT NULL UNIQUE,
  accounts text NOT NULL,  -- JSON array of customer ids
  super_user boolean NOT NULL,
  title text NOT NULL,
  created bigint NOT NULL,
  expires_at bigint,  -- NULL: never
  last_used bigint,   -- NULL: never used
  revoked_at bigint,  -- NULL: not revoked
  pending_accounts text NOT NULL DEFAULT '[]'  -- JSON array of accounts not confirmed yet
);

-- The agenda first submitted with an idempotency key, per customer.
CREATE TABLE idempotency_key (
  customer_id text NOT NULL,
  key text NOT NULL,
  agenda_id text NOT NULL,
  created bigint NOT NULL,
  PRIMARY KEY (customer_id, key)
);

-- The audit log: one row per state-changing API call (docs/security.md "Audit log").
CREATE TABLE audit_log (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  token_id text NOT NULL,
  accounts jsonb NOT NULL,  -- array of strings; `?` finds the calls of one account
  super_user boolean NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  object_ids text NOT NULL,  -- JSON array of strings
  status integer NOT NULL,
  correlation_id text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
