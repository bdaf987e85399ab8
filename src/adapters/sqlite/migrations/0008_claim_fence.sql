-- Schema version 8: the claim fence. A ready entry stays, confirmed, while the executor of its
-- holder runs the agenda: only the holder may report on it (docs/design/scheduler.md).
ALTER TABLE ready_agenda ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;  -- 0 or 1
