-- Schema version 4: a ready agenda may wait until a time before it is scheduled (the backoff
-- between automatic retries).
ALTER TABLE ready_agenda ADD COLUMN not_before INTEGER;  -- epoch milliseconds, or NULL
