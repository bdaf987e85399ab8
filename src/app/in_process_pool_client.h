// InProcessPoolClient: the PoolClient of `pop dev`: the puller and executors call the
// ResourcePoolService directly, as `identity`, with no HTTP in between. Thread-safe.
#pragma once

#include "app/resource_pool_service.h"
#include "ports/pool_client.h"

namespace pop::app {

class InProcessPoolClient final : public PoolClient {
 public:
  InProcessPoolClient(ResourcePoolService& service, AuthContext identity)
      : service_(service), identity_(std::move(identity)) {}

  Result<ClaimedWork> GetAgenda(const std::string& insight_id, int64_t count, Duration wait,
                                const std::string& puller_id) override;
  Result<ProgressReportAnswer> UpdateAgendaProgress(const AgendaProgress& progress,
                                                    const std::string& puller_id) override;
  Status UpdateAgenda(const std::string& agenda_id, const std::vector<Operation>& operations,
                      const std::optional<ParamsMap>& params) override;
  Status AppendOperationLogs(const std::map<std::string, std::string>& chunks) override;

 private:
  RequestContext Context() const;

  ResourcePoolService& service_;
  AuthContext identity_;
};

}  // namespace pop::app
