-- Schema version 6: an agenda progress's operations in their order from one index. Every claimed
-- Agenda's hand-off and every progress summary reads `WHERE agenda_progress_id = $1 ORDER BY seq
-- LIMIT $2` (OperationProgressOf, src/app/agenda_progress_update.h). With an index on
-- agenda_progress_id alone, a generic plan made while the table was small walked the primary
-- key in seq order and filtered every row: over one W1 run of 2,020 Agendas the primary key
-- served 999 of these reads with 1.4 million rows read (261 µs each, the dearest statement).
-- Ordered by seq within each agenda progress, as the per-customer indexes are, the index gives
-- the rows in order and LIMIT stops early. (SQLite's index already ends with seq, its rowid.)
CREATE INDEX operation_progress_agenda_progress_seq ON operation_progress (agenda_progress_id, seq);
DROP INDEX operation_progress_agenda_progress_id;
