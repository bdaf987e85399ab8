// The statements on ready entries and their claims (table ready_agenda), in the dialect of either
// SQL store, so that SQLite and PostgreSQL decide a claim with the same conditions: the claim is a
// compare-and-set (docs/design/scheduler.md, "Claims are decided in the store"). Parameters are
// numbered as each function says; values are always bound, never part of the text. Pure;
// thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "adapters/sql/object_table.h"

namespace pop::sql {

// The columns of a ready entry as both sessions read them, in this order: id, insight_id,
// agenda_id, customer_id, added, priority, seq, claimed_by, lease_until, not_before, confirmed,
// claimed_at.
inline constexpr char kReadyColumns[] =
    "id, insight_id, agenda_id, customer_id, added, priority, seq, claimed_by, lease_until,"
    " not_before, confirmed, claimed_at";

// The number of kReadyColumns (one more than its commas). The sessions read them by position.
inline constexpr int kReadyColumnCount =
    static_cast<int>(std::ranges::count(std::string_view(kReadyColumns), ',')) + 1;
static_assert(kReadyColumnCount == 12, "the sessions read the ready columns by position");

// 1 agenda_id. kReadyColumns of the agenda's entries (oldest first), then the agenda's pause time
// (paused.since, or NULL): Store::ReadyStateOf in one statement. An agenda without entries gives
// one row whose kReadyColumns are NULL, so that its pause time is read all the same.
std::string ReadyStateSql(SqlDialect dialect);

// 1 id, 2 claimer, 3 lease_until, 4 now. One row changed when the claim is taken: the entry is
// not confirmed and is unclaimed, or its lease ended at `now`, or the claimer holds it already;
// and neither its agenda nor its insight is paused. claimed_at becomes `now` unless the claimer
// held it already.
// PostgreSQL locks the row with FOR UPDATE SKIP LOCKED: a row another transaction is changing is
// skipped (no row changed) instead of waited for, so claims never wait on each other and two
// servers' claim batches cannot deadlock.
std::string ClaimReadySql(SqlDialect dialect);

// 1 id, 2 claimer, 3 lease_until. One row changed when exactly that unconfirmed lease was held.
std::string ReleaseReadyClaimSql(SqlDialect dialect);

// 1 id, 2 claimer, 3 now. One row changed when the claimer holds the entry and it is confirmed
// already or its lease runs past `now`; the entry is then confirmed.
std::string ConfirmReadyClaimSql(SqlDialect dialect);

// 1 id, 2 claimer, 3 now. One row deleted when ConfirmReadyClaimSql would confirm it.
std::string DeleteHeldReadyClaimSql(SqlDialect dialect);

// 1 agenda_id. Deletes the confirmed entries of that agenda.
std::string DeleteConfirmedReadySql(SqlDialect dialect);

// 1 id, 2 claimed_by (or NULL), 3 lease_until (or NULL). Unconditional; also unconfirms.
std::string SetReadyClaimSql(SqlDialect dialect);

// 1 now, 2 ... insight_count + 1 the insight ids (insight_count > 0). kReadyColumns of the
// entries of those insights held at `now` (confirmed, or claimed with a lease past `now`), oldest
// claim first (claims without a time last), then arrival order (Store::ListHeldReadyAgendas).
std::string HeldReadySql(SqlDialect dialect, size_t insight_count);

// No parameters. Clears every claim and confirmation (a store with one server only).
std::string ReleaseAllClaimsSql(SqlDialect dialect);

}  // namespace pop::sql
