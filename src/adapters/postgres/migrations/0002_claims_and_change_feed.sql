-- Schema version 2: the claim fence and the change feed (docs/design/scheduler.md).

-- A ready entry stays, confirmed, while the executor of its holder runs the agenda: only the
-- holder may report on it.
ALTER TABLE ready_agenda ADD COLUMN confirmed boolean NOT NULL DEFAULT false;

-- The change feed. Every change of a ready entry, an insight, a customer or an insight's
-- RoundRobin carry-over is announced on the channel pop_change when its transaction commits, as
-- the JSON array [origin, kind, body]. `origin` is the setting pop.origin of the writing session
-- (each pop server sets it on its writer connection, and skips its own changes; '' for anyone
-- else). NOTIFY refuses payloads of 8000 bytes or more: such a change (ids thousands of bytes
-- long) is announced as 'resync', and the listeners read everything again.
CREATE FUNCTION pop_change_notify(kind text, body json) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  origin text := coalesce(current_setting('pop.origin', true), '');
  payload text := json_build_array(origin, kind, body)::text;
BEGIN
  IF octet_length(payload) >= 7900 THEN
    payload := json_build_array(origin, 'resync', NULL)::text;
  END IF;
  PERFORM pg_notify('pop_change', payload);
END
$$;

-- body: [id, insight_id, agenda_id, customer_id, added, priority, claimed_by, lease_until,
-- not_before, confirmed] of the row as it is now (as it was, for a deletion).
CREATE FUNCTION pop_ready_agenda_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r ready_agenda;
  kind text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    r := OLD;
    kind := 'ready_removed';
  ELSIF TG_OP = 'INSERT' THEN
    r := NEW;
    kind := 'ready_added';
  ELSE
    r := NEW;
    kind := 'ready_changed';
  END IF;
  PERFORM pop_change_notify(kind, json_build_array(r.id, r.insight_id, r.agenda_id,
      r.customer_id, r.added, r.priority, r.claimed_by, r.lease_until, r.not_before,
      r.confirmed));
  RETURN NULL;
END
$$;
CREATE TRIGGER ready_agenda_added_or_removed AFTER INSERT OR DELETE ON ready_agenda
  FOR EACH ROW EXECUTE FUNCTION pop_ready_agenda_changed();
-- A report through the fence rewrites a confirmed row unchanged: no announcement.
CREATE TRIGGER ready_agenda_changed AFTER UPDATE ON ready_agenda
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION pop_ready_agenda_changed();

-- body: [table, id]; the listeners read the object again (it may be large).
CREATE FUNCTION pop_object_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pop_change_notify('object', json_build_array(TG_TABLE_NAME, OLD.id));
  ELSE
    PERFORM pop_change_notify('object', json_build_array(TG_TABLE_NAME, NEW.id));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER insight_changed AFTER INSERT OR UPDATE OR DELETE ON insight
  FOR EACH ROW EXECUTE FUNCTION pop_object_changed();
CREATE TRIGGER customer_changed AFTER INSERT OR UPDATE OR DELETE ON customer
  FOR EACH ROW EXECUTE FUNCTION pop_object_changed();

-- body: [insight_id].
CREATE FUNCTION pop_schedule_info_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pop_change_notify('schedule', json_build_array(NEW.insight_id));
  RETURN NULL;
END
$$;
CREATE TRIGGER insight_schedule_info_changed AFTER INSERT OR UPDATE ON insight_schedule_info
  FOR EACH ROW EXECUTE FUNCTION pop_schedule_info_changed();
