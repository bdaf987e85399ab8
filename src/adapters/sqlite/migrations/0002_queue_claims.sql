-- Schema version 2: claims with leases on ready agendas, priorities, and the scheduler's
-- RoundRobin carry-over per insight (spec §3.13).
ALTER TABLE ready_agenda ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ready_agenda ADD COLUMN claimed_by TEXT;
ALTER TABLE ready_agenda ADD COLUMN lease_until INTEGER;  -- epoch milliseconds

CREATE TABLE insight_schedule_info (
  insight_id TEXT PRIMARY KEY,
  pending_customer_ids TEXT NOT NULL,  -- JSON array of customer ids
  last_executed INTEGER               -- epoch milliseconds
) STRICT;
