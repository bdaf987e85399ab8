-- Schema version 11: when the holder of a ready entry's claim took it (adapters/sql/ready_sql.cc),
-- for the Resource Pools page's running Agendas (GET /pop/resourcepool/{id}/status). NULL while
-- unclaimed, and for claims taken before this version.
ALTER TABLE ready_agenda ADD COLUMN claimed_at INTEGER;  -- epoch milliseconds
