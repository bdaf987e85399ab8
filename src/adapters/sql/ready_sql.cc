#include "adapters/sql/ready_sql.h"

namespace pop::sql {
namespace {

// The statements are written with PostgreSQL's $N placeholders; SQLite's are ?N. TRUE and FALSE
// are keywords of both (SQLite stores them as 1 and 0 in its INTEGER column).
std::string InDialect(SqlDialect dialect, std::string text) {
  if (dialect == SqlDialect::kSqlite) {
    for (char& c : text) {
      if (c == '$') c = '?';
    }
  }
  return text;
}

// Who may take the claim of a row: see ClaimReadySql. Never while the agenda or the insight is
// paused (table paused, migrations 0009 of SQLite and 0003 of PostgreSQL).
constexpr char kClaimable[] =
    "confirmed = FALSE AND (claimed_by IS NULL OR lease_until IS NULL OR lease_until <= $4"
    " OR claimed_by = $2) AND NOT EXISTS (SELECT 1 FROM paused WHERE (paused.target = 'agenda'"
    " AND paused.id = ready_agenda.agenda_id) OR (paused.target = 'insight'"
    " AND paused.id = ready_agenda.insight_id))";

// Who holds an entry through the claim fence: see ConfirmReadyClaimSql.
constexpr char kHeldBy[] =
    "WHERE id = $1 AND claimed_by = $2 AND (confirmed = TRUE OR lease_until > $3)";

}  // namespace

std::string ReadyStateSql(SqlDialect dialect) {
  // The one-row table on the left keeps a row when the agenda has no entry.
  return InDialect(dialect, std::string("SELECT ") + kReadyColumns +
                                ", (SELECT since FROM paused WHERE paused.target = 'agenda'"
                                " AND paused.id = $1) FROM (SELECT 1 AS one_row) AS one"
                                " LEFT JOIN ready_agenda ON agenda_id = $1 ORDER BY added, seq");
}

std::string ClaimReadySql(SqlDialect dialect) {
  // A holder that claims again (renews) keeps the time of its first claim.
  const std::string set =
      "UPDATE ready_agenda SET claimed_at = CASE WHEN claimed_by = $2 AND claimed_at IS NOT NULL"
      " THEN claimed_at ELSE $4 END, claimed_by = $2, lease_until = $3 WHERE ";
  if (dialect == SqlDialect::kPostgres) {
    return set + "id = (SELECT id FROM ready_agenda WHERE id = $1 AND " + kClaimable +
           " FOR UPDATE SKIP LOCKED)";
  }
  return InDialect(dialect, set + "id = $1 AND " + kClaimable);
}

std::string ReleaseReadyClaimSql(SqlDialect dialect) {
  return InDialect(dialect,
                   "UPDATE ready_agenda SET claimed_by = NULL, lease_until = NULL,"
                   " claimed_at = NULL WHERE id = $1 AND claimed_by = $2 AND lease_until = $3"
                   " AND confirmed = FALSE");
}

std::string ConfirmReadyClaimSql(SqlDialect dialect) {
  return InDialect(dialect, std::string("UPDATE ready_agenda SET confirmed = TRUE ") + kHeldBy);
}

std::string DeleteHeldReadyClaimSql(SqlDialect dialect) {
  return InDialect(dialect, std::string("DELETE FROM ready_agenda ") + kHeldBy);
}

std::string DeleteConfirmedReadySql(SqlDialect dialect) {
  return InDialect(dialect, "DELETE FROM ready_agenda WHERE agenda_id = $1 AND confirmed = TRUE");
}

std::string SetReadyClaimSql(SqlDialect dialect) {
  return InDialect(dialect,
                   "UPDATE ready_agenda SET claimed_by = $2, lease_until = $3, confirmed = FALSE,"
                   " claimed_at = NULL WHERE id = $1");
}

std::string HeldReadySql(SqlDialect dialect, size_t insight_count) {
  std::string in;
  for (size_t i = 0; i < insight_count; ++i) {
    in += (i == 0 ? "$" : ", $") + std::to_string(i + 2);
  }
  return InDialect(
      dialect, std::string("SELECT ") + kReadyColumns + " FROM ready_agenda WHERE insight_id IN (" +
                   in +
                   ") AND claimed_by IS NOT NULL AND (confirmed = TRUE"
                   " OR lease_until > $1) ORDER BY claimed_at IS NULL, claimed_at, seq");
}

std::string ReleaseAllClaimsSql(SqlDialect dialect) {
  return InDialect(dialect,
                   "UPDATE ready_agenda SET claimed_by = NULL, lease_until = NULL,"
                   " claimed_at = NULL, confirmed = FALSE"
                   " WHERE claimed_by IS NOT NULL OR confirmed = TRUE");
}

}  // namespace pop::sql
