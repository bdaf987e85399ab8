-- Schema version 1. Rules for changing it: docs/design/storage.md, "Migrations".
--
-- Each data object is one row of its kind's table: `doc` holds the whole object as the JSON
-- text of the object codec; the other columns are copies of fields that queries and visibility
-- use, written from the same object on every Put. `seq` (the rowid) is the insertion order;
-- an upsert keeps it.

CREATE TABLE agenda (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  title TEXT,
  updated_time INTEGER,
  link_id TEXT,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX agenda_customer_id ON agenda (customer_id);
CREATE INDEX agenda_link_id ON agenda (link_id);

CREATE TABLE agenda_template (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  title TEXT,
  updated_time INTEGER,
  is_global INTEGER NOT NULL DEFAULT 0,
  allowed_customer_ids TEXT,  -- JSON array of lower-cased customer ids, or NULL
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX agenda_template_customer_id ON agenda_template (customer_id);
CREATE INDEX agenda_template_title ON agenda_template (title);

CREATE TABLE customer (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  title TEXT,
  updated_time INTEGER,
  resource_pool_id TEXT,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX customer_customer_id ON customer (customer_id);
CREATE INDEX customer_resource_pool_id ON customer (resource_pool_id);

CREATE TABLE insight (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  title TEXT,
  updated_time INTEGER,
  resource_pool_id TEXT,
  is_global INTEGER NOT NULL DEFAULT 0,
  allowed_customer_ids TEXT,  -- JSON array of lower-cased customer ids, or NULL
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX insight_customer_id ON insight (customer_id);
CREATE INDEX insight_resource_pool_id ON insight (resource_pool_id);

CREATE TABLE resource_pool (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  title TEXT,
  updated_time INTEGER,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX resource_pool_customer_id ON resource_pool (customer_id);

CREATE TABLE agenda_progress (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  title TEXT,
  updated_time INTEGER,
  link_id TEXT,
  agenda_id TEXT,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX agenda_progress_customer_id ON agenda_progress (customer_id);
CREATE INDEX agenda_progress_link_id ON agenda_progress (link_id);
CREATE INDEX agenda_progress_agenda_id ON agenda_progress (agenda_id);

CREATE TABLE operation_progress (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  title TEXT,
  updated_time INTEGER,
  agenda_progress_id TEXT,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX operation_progress_customer_id ON operation_progress (customer_id);
CREATE INDEX operation_progress_agenda_progress_id ON operation_progress (agenda_progress_id);

-- Agendas that may be scheduled into their insight's queue (spec §3.12).
CREATE TABLE ready_agenda (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  insight_id TEXT NOT NULL,
  agenda_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  added INTEGER NOT NULL  -- epoch milliseconds
) STRICT;
CREATE INDEX ready_agenda_insight_id_added ON ready_agenda (insight_id, added);
CREATE INDEX ready_agenda_agenda_id ON ready_agenda (agenda_id);

-- Bearer credentials; only a hash of the secret is kept.
CREATE TABLE api_token (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  accounts TEXT NOT NULL,  -- JSON array of customer ids
  super_user INTEGER NOT NULL,
  title TEXT NOT NULL,
  created INTEGER NOT NULL  -- epoch milliseconds
) STRICT;

-- The agenda first submitted with an idempotency key, per customer.
CREATE TABLE idempotency_key (
  customer_id TEXT NOT NULL,
  key TEXT NOT NULL,
  agenda_id TEXT NOT NULL,
  created INTEGER NOT NULL,  -- epoch milliseconds
  PRIMARY KEY (customer_id, key)
) STRICT, WITHOUT ROWID;
