// Store: persistence of every object in domain terms (no SQL leaks out). Implementations:
// SqliteStore (adapters/sqlite) and PostgresStore (adapters/postgres). One behaviour suite,
// tests/contract/store_contract_test.cc, runs against each.
//
// All access happens inside a transaction: Read() gives a consistent snapshot, Write() an
// atomic, durable change of any number of rows. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/access/api_token.h"
#include "core/access/visibility.h"
#include "core/base/result.h"
#include "core/model/alert_record.h"
#include "core/model/audit_record.h"
#include "core/model/data_object.h"
#include "core/model/pause.h"
#include "core/model/ready_agenda.h"

namespace pop {

// Captured handler output of one operation.
struct OperationLog {
  std::string text;
  int64_t dropped_bytes = 0;  // removed from the front to keep within the bound
  Timestamp updated;
};

// The ready entries of one agenda (oldest first) and when the agenda was paused (nullopt when it
// is not): what a progress report checks, its claim fence and the pause it answers with.
struct AgendaReadyState {
  std::vector<ReadyAgenda> entries;
  std::optional<Timestamp> paused_since;
};

// `field` is a top-level JSON field name of the object (case-sensitive, e.g. "linkId").
// A field matches when its value's text form equals `value`: strings as they are, numbers and
// booleans as JSON text. A field name that is not a plain identifier matches nothing.
struct FieldEquals {
  std::string field;
  std::string value;
};

// The field equals one of `values` (none: nothing matches).
struct FieldOneOf {
  std::string field;
  std::vector<std::string> values;
};

struct ObjectQuery {
  std::optional<std::string> id;
  std::vector<FieldEquals> equals;  // ANDed with each other and with `id`
  std::vector<FieldOneOf> one_of;   // ANDed too: several objects read in one statement
  VisibilityScope scope;  // spec §4.4, pushed down so that `limit` counts visible objects
  // Only objects whose updatedTime is strictly earlier (objects without one never match). The
  // maintenance jobs find stale and expired work with it.
  std::optional<Timestamp> updated_before;
  // Only objects whose updatedTime is at or after this (objects without one never match).
  std::optional<Timestamp> updated_since;
  size_t limit = 100;         // results are in insertion order (first stored first)...
  bool newest_first = false;  // ...or, when set, last stored first...
  // ...or, when set, oldest updatedTime first (then insertion order): with updated_since, how
  // the alerting rules read what finished since they last looked.
  bool oldest_updated_first = false;
};

// Which audit records to list: newest first.
struct AuditQuery {
  std::optional<Timestamp> since;      // only records at or after this time
  std::optional<std::string> by_user;  // only calls by this token id or by a token for this account
  size_t limit = 100;
};

class StoreReader {
 public:
  virtual ~StoreReader() = default;

  // Without visibility rules: the caller decides what the object may be used for.
  [[nodiscard]] virtual Result<std::optional<DataObject>> Get(ObjectKind kind,
                                                              std::string_view id) = 0;
  [[nodiscard]] virtual Result<std::vector<DataObject>> Find(ObjectKind kind,
                                                             const ObjectQuery& query) = 0;
  // The number of matches, ignoring `limit`.
  [[nodiscard]] virtual Result<int64_t> Count(ObjectKind kind, const ObjectQuery& query) = 0;

  // Ready entries of one agenda, oldest first.
  [[nodiscard]] virtual Result<std::vector<ReadyAgenda>> ReadyAgendasOf(
      std::string_view agenda_id) = 0;
  // ReadyAgendasOf and PausedSince(kAgenda) of one agenda, read together in one statement.
  [[nodiscard]] virtual Result<AgendaReadyState> ReadyStateOf(std::string_view agenda_id) = 0;
  // Every ready entry (claimed or not), in arrival order, with `sequence` set. The scheduler
  // rebuilds its queues from this at start.
  [[nodiscard]] virtual Result<std::vector<ReadyAgenda>> ListReadyAgendas() = 0;
  // The entries of these insights a puller holds at `now` (confirmed, or claimed with a lease
  // running past `now`): the Agendas their Resource Pool is running. Oldest claim first, then
  // arrival order; `sequence` and `claimed_at` are set.
  [[nodiscard]] virtual Result<std::vector<ReadyAgenda>> ListHeldReadyAgendas(
      const std::vector<std::string>& insight_ids, Timestamp now) = 0;

  [[nodiscard]] virtual Result<std::optional<InsightScheduleInfo>> GetScheduleInfo(
      std::string_view insight_id) = 0;

  // The captured output of one operation, if any.
  [[nodiscard]] virtual Result<std::optional<OperationLog>> GetOperationLog(
      std::string_view operation_progress_id) = 0;

  // Revoked and expired tokens too: the caller decides what they may still be used for.
  [[nodiscard]] virtual Result<std::optional<ApiToken>> FindTokenByHash(
      std::string_view secret_hash) = 0;
  [[nodiscard]] virtual Result<int64_t> CountTokens() = 0;
  // Every token (revoked ones included), oldest first.
  [[nodiscard]] virtual Result<std::vector<ApiToken>> ListTokens() = 0;

  // Audit records matching `query`, newest first.
  [[nodiscard]] virtual Result<std::vector<AuditRecord>> FindAuditRecords(
      const AuditQuery& query) = 0;

  // When the agenda or insight `id` was paused; nullopt when it is not paused.
  [[nodiscard]] virtual Result<std::optional<Timestamp>> PausedSince(PauseTarget target,
                                                                     std::string_view id) = 0;
  // Every paused agenda and insight (the scheduler's view is rebuilt from it).
  [[nodiscard]] virtual Result<std::vector<PausedTarget>> ListPaused() = 0;

  // The agenda first submitted with this idempotency key by this customer, if any.
  [[nodiscard]] virtual Result<std::optional<std::string>> FindIdempotentAgenda(
      std::string_view customer_id, std::string_view key) = 0;

  // Alerting (app/alerts): every open condition, alerting or still counting towards its
  // threshold, oldest first_seen first (then by rule and key).
  [[nodiscard]] virtual Result<std::vector<AlertRecord>> ListAlertConditions() = 0;
  // The `limit` most recently resolved alerts, newest first.
  [[nodiscard]] virtual Result<std::vector<AlertRecord>> ListResolvedAlerts(size_t limit) = 0;
  // The value a rule stored under `name` with SetAlertCursor (how far it has read); nullopt when
  // none was.
  [[nodiscard]] virtual Result<std::optional<std::string>> GetAlertCursor(
      std::string_view name) = 0;
  // When a puller last polled each Insight (RecordInsightPoll), by insight id.
  [[nodiscard]] virtual Result<std::vector<InsightPoll>> ListInsightPolls() = 0;
};

class StoreWriter : public StoreReader {
 public:
  // Inserts, or replaces the whole stored object with the same kind and id (keeping its
  // original insertion position). Stores exactly what it is given: derived fields
  // (AgendaProgress.operationProgress, ResourcePool.insightIds) are the caller's to strip.
  // Errors: kInvalidArgument when the object has no id.
  [[nodiscard]] virtual Status Put(const DataObject& object) = 0;
  // True when an object was deleted.
  [[nodiscard]] virtual Result<bool> Delete(ObjectKind kind, std::string_view id) = 0;

  // kConflict when a ready entry with the same id exists.
  [[nodiscard]] virtual Status AddReadyAgenda(const ReadyAgenda& ready) = 0;
  // Deletes every ready entry of the agenda; returns how many there were.
  [[nodiscard]] virtual Result<int64_t> DeleteReadyAgendasOf(std::string_view agenda_id) = 0;
  // True when the entry existed.
  [[nodiscard]] virtual Result<bool> DeleteReadyAgenda(std::string_view ready_id) = 0;
  // Deletes the confirmed ready entries of `agenda_id` (the claim fence of its execution,
  // docs/design/scheduler.md), in one statement; returns how many.
  [[nodiscard]] virtual Result<int64_t> DeleteConfirmedReadyAgendasOf(
      std::string_view agenda_id) = 0;
  // Sets (claimed_by and lease_until given) or clears (both nullopt) the claim of a ready
  // entry unconditionally. kNotFound when the entry is gone. The scheduler never uses it (it
  // claims with ClaimReady); it is for set-up and repair.
  [[nodiscard]] virtual Status SetReadyClaim(std::string_view ready_id,
                                             const std::optional<std::string>& claimed_by,
                                             std::optional<Timestamp> lease_until) = 0;

  // The claim, as a compare-and-set: the one decision that keeps two servers sharing a store
  // from handing out the same agenda (docs/design/scheduler.md). Sets claimed_by = `claimer`
  // and lease_until and returns true when the entry exists, is not confirmed, and is unclaimed,
  // or its lease ended at `now`, or `claimer` holds it already. Otherwise changes nothing and
  // returns false. Never while the entry's agenda or insight is paused (SetPaused): false.
  // On a store several servers share, an entry another transaction is changing
  // at this moment is not waited for: false (read it again to see who won).
  [[nodiscard]] virtual Result<bool> ClaimReady(std::string_view ready_id, std::string_view claimer,
                                                Timestamp lease_until, Timestamp now) = 0;
  // Ends exactly one lease: clears the claim and returns true when `claimer` still holds the
  // unconfirmed entry with this `lease_until`; false when it was claimed again, extended,
  // confirmed or deleted meanwhile (nothing changes then).
  [[nodiscard]] virtual Result<bool> ReleaseReadyClaim(std::string_view ready_id,
                                                       std::string_view claimer,
                                                       Timestamp lease_until) = 0;
  // A report through the claim fence: marks the entry confirmed and returns true when `claimer`
  // holds it and it is confirmed already or its lease runs past `now`; false otherwise (another
  // holder, no holder, a lease that ended, or gone; nothing changes).
  [[nodiscard]] virtual Result<bool> ConfirmReadyClaim(std::string_view ready_id,
                                                       std::string_view claimer, Timestamp now) = 0;
  // A report that ends the execution, through the claim fence in one statement: what
  // ConfirmReadyClaim accepts, but the entry is deleted (as DeleteConfirmedReadyAgendasOf would
  // delete it once confirmed) instead of confirmed. True when it was deleted; false otherwise
  // (nothing changes).
  [[nodiscard]] virtual Result<bool> DeleteHeldReadyClaim(std::string_view ready_id,
                                                          std::string_view claimer,
                                                          Timestamp now) = 0;

  // Clears every claim and confirmation, so that every entry is scheduled again (a restart of
  // the only server and puller of the store, pop dev); returns how many entries changed. A store
  // that several servers share (PostgreSQL) refuses with kInvalidArgument and changes nothing:
  // the claims of the other servers' pullers are theirs.
  [[nodiscard]] virtual Result<int64_t> ReleaseAllClaims() = 0;

  [[nodiscard]] virtual Status PutScheduleInfo(const InsightScheduleInfo& info) = 0;

  // Pauses (`since` given: when) or resumes (nullopt) an agenda or an insight; true when that
  // changed anything (pausing what is paused keeps its first time and returns false). While an
  // agenda or its entry's insight is paused, ClaimReady refuses its ready entries. The target
  // need not exist (the caller checks).
  [[nodiscard]] virtual Result<bool> SetPaused(PauseTarget target, std::string_view id,
                                               std::optional<Timestamp> since) = 0;

  // Appends to an operation's log, keeping at most `max_bytes` (the newest); what is cut from
  // the front is counted in OperationLog::dropped_bytes.
  [[nodiscard]] virtual Status AppendOperationLog(std::string_view operation_progress_id,
                                                  std::string_view text, size_t max_bytes,
                                                  Timestamp now) = 0;

  // True when the operation had a log.
  [[nodiscard]] virtual Result<bool> DeleteOperationLog(std::string_view operation_progress_id) = 0;

  // A named lease that one instance at a time holds (the maintenance jobs: one runner across
  // every server sharing the store). Takes or extends the lease to `until` and returns true when
  // it is free, expired at `now`, or already held by `holder`; false when another holder's
  // lease runs past `now`.
  [[nodiscard]] virtual Result<bool> TryAcquireJobLease(std::string_view job,
                                                        std::string_view holder, Timestamp now,
                                                        Timestamp until) = 0;
  // Gives the lease up if `holder` holds it (a stopping instance lets another take over at once).
  [[nodiscard]] virtual Status ReleaseJobLease(std::string_view job, std::string_view holder) = 0;

  // kConflict if a token with the same id or hash exists.
  [[nodiscard]] virtual Status AddToken(const ApiToken& token) = 0;
  // Marks the token revoked at `at` (a token already revoked keeps its first time). False when
  // no token has this id.
  [[nodiscard]] virtual Result<bool> RevokeToken(std::string_view id, Timestamp at) = 0;
  // Records a use of the token: sets last_used and replaces pending_accounts. kNotFound when no
  // token has this id.
  [[nodiscard]] virtual Status RecordTokenUse(std::string_view id, Timestamp last_used,
                                              const std::vector<std::string>& pending_accounts) = 0;

  // Appends audit records (their `sequence` is ignored; the store numbers them).
  [[nodiscard]] virtual Status AddAuditRecords(const std::vector<AuditRecord>& records) = 0;
  // Deletes up to `limit` audit records older than `cutoff`, oldest first; returns how many.
  [[nodiscard]] virtual Result<int64_t> DeleteAuditRecordsBefore(Timestamp cutoff,
                                                                 size_t limit) = 0;

  // kConflict if (customer_id, key) is already recorded.
  [[nodiscard]] virtual Status AddIdempotencyKey(std::string_view customer_id, std::string_view key,
                                                 std::string_view agenda_id, Timestamp created) = 0;

  // Stores the open condition (rule, key), replacing what was stored for it (resolved_at is
  // not stored here).
  [[nodiscard]] virtual Status PutAlertCondition(const AlertRecord& condition) = 0;
  // True when the condition was stored.
  [[nodiscard]] virtual Result<bool> DeleteAlertCondition(std::string_view rule,
                                                          std::string_view key) = 0;
  // Adds a resolved alert (kInvalidArgument without resolved_at) and keeps only the `keep` most
  // recent ones.
  [[nodiscard]] virtual Status AddResolvedAlert(const AlertRecord& alert, size_t keep) = 0;
  [[nodiscard]] virtual Status SetAlertCursor(std::string_view name, std::string_view value) = 0;
  // Records a poll of the Insight at `at`; an earlier time than the one stored changes nothing.
  [[nodiscard]] virtual Status RecordInsightPoll(std::string_view insight_id, Timestamp at) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` against one consistent snapshot. Returns fn's status, or the store's error.
  // `fn` must not call the Store itself (a nested Read can wait forever for a connection).
  [[nodiscard]] virtual Status Read(const std::function<Status(StoreReader&)>& fn) = 0;

  // Runs `fn` as one atomic transaction. When fn returns an error nothing it wrote is kept and
  // that error is returned. When Write returns OK the change is durable (survives a crash or
  // power loss). `fn` may run on another thread and is never retried; it must not call the
  // Store itself. Errors of the store: kUnavailable (disk full, read-only, closing), kInternal.
  [[nodiscard]] virtual Status Write(const std::function<Status(StoreWriter&)>& fn) = 0;
};

}  // namespace pop
