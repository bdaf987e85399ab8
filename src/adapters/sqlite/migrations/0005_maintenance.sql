-- Schema version 5: what the maintenance jobs need (docs/operations.md).
--
-- The reclaimer looks for EXECUTING progress not updated for a while; the reaper for finished
-- work past its retention. Both select by state and updatedTime.
ALTER TABLE agenda_progress ADD COLUMN processing_state TEXT;
UPDATE agenda_progress SET processing_state = doc ->> '$.processingState';
CREATE INDEX agenda_progress_state_updated ON agenda_progress (processing_state, updated_time);
CREATE INDEX agenda_template_updated ON agenda_template (updated_time);

-- One holder at a time per maintenance job, across every server sharing the store.
CREATE TABLE job_lease (
  job TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  lease_until INTEGER NOT NULL  -- epoch milliseconds
) STRICT, WITHOUT ROWID;
