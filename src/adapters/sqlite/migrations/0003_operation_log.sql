-- Schema version 3: captured handler output per OperationProgress, bounded (the newest bytes are
-- kept; `dropped` counts what was cut from the front).
CREATE TABLE operation_log (
  operation_progress_id TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  dropped INTEGER NOT NULL DEFAULT 0,  -- bytes removed from the front to stay within the bound
  updated INTEGER NOT NULL             -- epoch milliseconds
) STRICT;
