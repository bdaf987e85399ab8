-- Schema version 5: when the holder of a ready entry's claim took it, and progress on the change
-- feed.

-- When claimed_by took the claim (adapters/sql/ready_sql.cc), for the Resource Pools page's
-- running Agendas (GET /pop/resourcepool/{id}/status). NULL while unclaimed, and for claims
-- taken before this version.
ALTER TABLE ready_agenda ADD COLUMN claimed_at bigint;  -- epoch milliseconds

-- Every change of an Agenda's progress is announced like an insight's (pop_object_changed of
-- version 2: [table, id]), so that the event streams (GET /pop/events) of every server sharing
-- the store show the progress whichever server recorded it. (Operations' progress is not: the
-- executor's reports change the Agenda's progress with it, and the streams send that.)
CREATE TRIGGER agenda_progress_added AFTER INSERT ON agenda_progress
  FOR EACH ROW EXECUTE FUNCTION pop_object_changed();
-- A report that changes nothing announces nothing.
CREATE TRIGGER agenda_progress_changed AFTER UPDATE ON agenda_progress
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION pop_object_changed();
