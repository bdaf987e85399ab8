-- Schema version 3: pause and resume (docs/api.md, "Pause and resume"). One row per paused
-- agenda or insight; a claim of a ready entry whose agenda or insight has a row here is refused
-- (adapters/sql/ready_sql.cc), so a pause recorded through one server holds for the claims of
-- every other.
CREATE TABLE paused (
  target text NOT NULL,     -- 'agenda' or 'insight'
  id text NOT NULL,
  since bigint NOT NULL,    -- epoch milliseconds
  PRIMARY KEY (target, id)
);

-- body: [target, id, since] (since: null when resumed): the other servers' schedulers take the agenda out of (or put it
-- back into) their queues, or stop (or resume) serving the insight.
CREATE FUNCTION pop_paused_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pop_change_notify('pause', json_build_array(OLD.target, OLD.id, NULL));
  ELSE
    PERFORM pop_change_notify('pause', json_build_array(NEW.target, NEW.id, NEW.since));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER paused_changed AFTER INSERT OR DELETE ON paused
  FOR EACH ROW EXECUTE FUNCTION pop_paused_changed();
