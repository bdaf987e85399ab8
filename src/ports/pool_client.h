// PoolClient: what pullers and executors need from the server (spec §10). Implementations:
// InProcessPoolClient (app: direct calls, used by `pop dev`), HttpPoolClient (app: the REST API
// through the HttpClient port, used by `pop puller` and `pop executor`). Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/time.h"
#include "core/model/agenda.h"
#include "core/model/agenda_progress.h"

namespace pop {

struct ClaimedWork {
  std::vector<Agenda> agendas;
  std::vector<AgendaProgress> prior_progress;  // matched to agendas by progressId
};

// The server's answer to a progress report.
struct ProgressReportAnswer {
  // The Agenda is paused (POST /agenda/service/pause): start no new operation, let the running
  // ones finish, keep reporting. False again once it is resumed.
  bool paused = false;
};

class PoolClient {
 public:
  virtual ~PoolClient() = default;

  // Long-polls for up to `count` agendas of `insight_id`, claimed for `puller_id`.
  [[nodiscard]] virtual Result<ClaimedWork> GetAgenda(const std::string& insight_id, int64_t count,
                                                      Duration wait,
                                                      const std::string& puller_id) = 0;

  // kConflict: the claim is no longer this puller's; the execution must stop.
  [[nodiscard]] virtual Result<ProgressReportAnswer> UpdateAgendaProgress(
      const AgendaProgress& progress, const std::string& puller_id) = 0;

  // Appends generated operations (and params) to an agenda (spec §10.3).
  [[nodiscard]] virtual Status UpdateAgenda(const std::string& agenda_id,
                                            const std::vector<Operation>& operations,
                                            const std::optional<ParamsMap>& params) = 0;

  // Appends captured handler output, by OperationProgress id.
  [[nodiscard]] virtual Status AppendOperationLogs(
      const std::map<std::string, std::string>& chunks) = 0;
};

}  // namespace pop
