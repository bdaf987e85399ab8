// Session: the reader and writer operations of the Store port as SQL on one Connection, run
// inside the transaction SqliteStore opened for them (a read snapshot or the writer's batch).
// Confined to the thread that holds the connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sqlite/connection.h"
#include "core/json/json_depth.h"
#include "ports/store.h"

namespace pop::sqlite {

class Session final : public StoreWriter {
 public:
  // Put refuses documents nesting deeper than `max_document_depth` (kValidation).
  explicit Session(Connection& connection, size_t max_document_depth = kMaxJsonDepth)
      : connection_(connection), max_document_depth_(max_document_depth) {}

  Result<std::optional<DataObject>> Get(ObjectKind kind, std::string_view id) override;
  Result<std::vector<DataObject>> Find(ObjectKind kind, const ObjectQuery& query) override;
  Result<int64_t> Count(ObjectKind kind, const ObjectQuery& query) override;
  Result<std::vector<ReadyAgenda>> ReadyAgendasOf(std::string_view agenda_id) override;
  Result<AgendaReadyState> ReadyStateOf(std::string_view agenda_id) override;
  Result<std::vector<ReadyAgenda>> ListReadyAgendas() override;
  Result<std::vector<ReadyAgenda>> ListHeldReadyAgendas(const std::vector<std::string>& insight_ids,
                                                        Timestamp now) override;
  Result<std::optional<InsightScheduleInfo>> GetScheduleInfo(std::string_view insight_id) override;
  Result<std::optional<Timestamp>> PausedSince(PauseTarget target, std::string_view id) override;
  Result<std::vector<PausedTarget>> ListPaused() override;
  Result<std::optional<OperationLog>> GetOperationLog(
      std::string_view operation_progress_id) override;
  Result<std::optional<ApiToken>> FindTokenByHash(std::string_view secret_hash) override;
  Result<int64_t> CountTokens() override;
  Result<std::vector<ApiToken>> ListTokens() override;
  Result<std::optional<std::string>> FindIdempotentAgenda(std::string_view customer_id,
                                                          std::string_view key) override;
  Result<std::vector<AuditRecord>> FindAuditRecords(const AuditQuery& query) override;
  Result<std::vector<AlertRecord>> ListAlertConditions() override;
  Result<std::vector<AlertRecord>> ListResolvedAlerts(size_t limit) override;
  Result<std::optional<std::string>> GetAlertCursor(std::string_view name) override;
  Result<std::vector<InsightPoll>> ListInsightPolls() override;

  Status Put(const DataObject& object) override;
  Result<bool> Delete(ObjectKind kind, std::string_view id) override;
  Status AddReadyAgenda(const ReadyAgenda& ready) override;
  Result<int64_t> DeleteReadyAgendasOf(std::string_view agenda_id) override;
  Result<bool> DeleteReadyAgenda(std::string_view ready_id) override;
  Result<int64_t> DeleteConfirmedReadyAgendasOf(std::string_view agenda_id) override;
  Status SetReadyClaim(std::string_view ready_id, const std::optional<std::string>& claimed_by,
                       std::optional<Timestamp> lease_until) override;
  Result<bool> ClaimReady(std::string_view ready_id, std::string_view claimer,
                          Timestamp lease_until, Timestamp now) override;
  Result<bool> ReleaseReadyClaim(std::string_view ready_id, std::string_view claimer,
                                 Timestamp lease_until) override;
  Result<bool> ConfirmReadyClaim(std::string_view ready_id, std::string_view claimer,
                                 Timestamp now) override;
  Result<bool> DeleteHeldReadyClaim(std::string_view ready_id, std::string_view claimer,
                                    Timestamp now) override;
  Result<int64_t> ReleaseAllClaims() override;
  Status PutScheduleInfo(const InsightScheduleInfo& info) override;
  Result<bool> SetPaused(PauseTarget target, std::string_view id,
                         std::optional<Timestamp> since) override;
  Status AppendOperationLog(std::string_view operation_progress_id, std::string_view text,
                            size_t max_bytes, Timestamp now) override;
  Result<bool> DeleteOperationLog(std::string_view operation_progress_id) override;
  Result<bool> TryAcquireJobLease(std::string_view job, std::string_view holder, Timestamp now,
                                  Timestamp until) override;
  Status ReleaseJobLease(std::string_view job, std::string_view holder) override;
  Status AddToken(const ApiToken& token) override;
  Result<bool> RevokeToken(std::string_view id, Timestamp at) override;
  Status RecordTokenUse(std::string_view id, Timestamp last_used,
                        const std::vector<std::string>& pending_accounts) override;
  Status AddAuditRecords(const std::vector<AuditRecord>& records) override;
  Result<int64_t> DeleteAuditRecordsBefore(Timestamp cutoff, size_t limit) override;
  Status AddIdempotencyKey(std::string_view customer_id, std::string_view key,
                           std::string_view agenda_id, Timestamp created) override;
  Status PutAlertCondition(const AlertRecord& condition) override;
  Result<bool> DeleteAlertCondition(std::string_view rule, std::string_view key) override;
  Status AddResolvedAlert(const AlertRecord& alert, size_t keep) override;
  Status SetAlertCursor(std::string_view name, std::string_view value) override;
  Status RecordInsightPoll(std::string_view insight_id, Timestamp at) override;

 private:
  Result<std::vector<ReadyAgenda>> QueryReady(std::string_view where, std::string_view arg);
  // The rows of a statement selecting sql::kReadyColumns.
  static Result<std::vector<ReadyAgenda>> ReadReady(Statement& statement);
  // Runs a compare-and-set on one ready entry, bound as (ready id, claimer, millis); true when it
  // changed the entry.
  Result<bool> SetReadyIfHeld(const std::string& sql, std::string_view ready_id,
                              std::string_view claimer, int64_t millis);

  Connection& connection_;
  size_t max_document_depth_;
};

}  // namespace pop::sqlite
