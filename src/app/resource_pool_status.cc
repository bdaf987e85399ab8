#include "app/resource_pool_status.h"

#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "core/access/visibility.h"
#include "core/model/data_object.h"

namespace pop::app {
namespace {

constexpr size_t kUnlimited = std::numeric_limits<int32_t>::max();

}  // namespace

Result<PoolStatus> ResourcePoolStatus::Get(const std::string& pool_id, const RequestContext& ctx) {
  PoolStatus status;
  status.pool_id = pool_id;
  status.now = services_.clock.Now();
  std::map<std::string, Timestamp> last_polls;
  for (const auto& [insight, at] : last_polls_()) {
    if (at) last_polls[insight] = *at;
  }
  bool found = false;
  Status read = services_.store.Read([&](StoreReader& reader) -> Status {
    ObjectQuery pool_query;
    pool_query.id = pool_id;
    pool_query.scope = ReadScope(ObjectKind::kResourcePool, ctx.auth);
    pool_query.limit = 1;
    POP_ASSIGN_OR_RETURN(auto pools, reader.Find(ObjectKind::kResourcePool, pool_query));
    if (pools.empty()) return Status::Ok();
    found = true;
    // The pool's Insights the caller may read, as ResourcePool.insightIds lists them.
    ObjectQuery insight_query;
    insight_query.equals.push_back({"resourcePoolId", pool_id});
    insight_query.scope = ReadScope(ObjectKind::kInsight, ctx.auth);
    insight_query.limit = kUnlimited;
    POP_ASSIGN_OR_RETURN(auto insights, reader.Find(ObjectKind::kInsight, insight_query));
    std::vector<std::string> insight_ids;
    insight_ids.reserve(insights.size());
    for (const DataObject& insight : insights) insight_ids.push_back(*BaseOf(insight).id);
    POP_ASSIGN_OR_RETURN(std::vector<InsightPoll> polls, reader.ListInsightPolls());
    for (const InsightPoll& poll : polls) {
      auto [known, added] = last_polls.emplace(poll.insight_id, poll.last_poll);
      if (!added && known->second < poll.last_poll) known->second = poll.last_poll;
    }
    for (const std::string& id : insight_ids) {
      auto poll = last_polls.find(id);
      status.insights.push_back(
          {id, poll == last_polls.end() ? std::nullopt : std::optional<Timestamp>(poll->second)});
    }
    POP_ASSIGN_OR_RETURN(std::vector<ReadyAgenda> held,
                         reader.ListHeldReadyAgendas(insight_ids, status.now));
    const VisibilityScope agenda_scope = ReadScope(ObjectKind::kAgenda, ctx.auth);
    for (const ReadyAgenda& entry : held) {
      POP_ASSIGN_OR_RETURN(std::optional<DataObject> agenda,
                           reader.Get(ObjectKind::kAgenda, entry.agenda_id));
      if (!agenda || !ScopeAllows(agenda_scope, *agenda)) continue;  // another tenant's
      HeldAgendaStatus row;
      row.agenda_id = entry.agenda_id;
      row.insight_id = entry.insight_id;
      row.customer_id = entry.customer_id;
      row.claimed_by = entry.claimed_by.value_or("");
      row.claimed_at = entry.claimed_at;
      row.lease_until = entry.lease_until;
      row.running = entry.confirmed;
      row.progress_id = std::get<Agenda>(*agenda).progress_id;
      if (row.progress_id) {
        POP_ASSIGN_OR_RETURN(std::optional<DataObject> progress,
                             reader.Get(ObjectKind::kAgendaProgress, *row.progress_id));
        if (progress) {
          const auto& stored = std::get<AgendaProgress>(*progress);
          row.processing_state = stored.processing_state;
          row.percent_complete = stored.percent_complete;
        }
      }
      status.agendas.push_back(std::move(row));
    }
    return Status::Ok();
  });
  if (!read.ok()) return read.error();
  if (!found) return Error(ErrorCode::kNotFound, "ResourcePool " + pool_id + " not found");
  return status;
}

}  // namespace pop::app
