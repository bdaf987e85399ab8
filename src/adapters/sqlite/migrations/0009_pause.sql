-- Schema version 9: pause and resume (docs/api.md, "Pause and resume"). One row per paused
-- agenda or insight; a claim of a ready entry whose agenda or insight has a row here is refused
-- (adapters/sql/ready_sql.cc), so the pause holds for every claim the store decides.
CREATE TABLE paused (
  target TEXT NOT NULL,     -- 'agenda' or 'insight'
  id TEXT NOT NULL,
  since INTEGER NOT NULL,   -- epoch milliseconds
  PRIMARY KEY (target, id)
) STRICT, WITHOUT ROWID;
