// HttpPoolClient: the PoolClient of `pop puller` and `pop executor`: the resource-pool service
// routes of a remote pop server over HTTP (the HttpClient port). Thread-safe.
#pragma once

#include <string>

#include "ports/http_client.h"
#include "ports/pool_client.h"

namespace pop::app {

struct HttpPoolClientOptions {
  std::string server;  // "http://host:port"
  std::string base_path = "/pop";
  std::string token;                         // bearer secret
  Duration timeout = Duration::Seconds(30);  // per request, on top of a long poll's wait
};

class HttpPoolClient final : public PoolClient {
 public:
  HttpPoolClient(HttpPoolClientOptions options, HttpClient& http)
      : options_(std::move(options)), http_(http) {}

  Result<ClaimedWork> GetAgenda(const std::string& insight_id, int64_t count, Duration wait,
                                const std::string& puller_id) override;
  Result<ProgressReportAnswer> UpdateAgendaProgress(const AgendaProgress& progress,
                                                    const std::string& puller_id) override;
  Status UpdateAgenda(const std::string& agenda_id, const std::vector<Operation>& operations,
                      const std::optional<ParamsMap>& params) override;
  Status AppendOperationLogs(const std::map<std::string, std::string>& chunks) override;

 private:
  // POSTs `body` to the service route and returns the parsed answer, or the server's error.
  Result<Json> Post(const std::string& route, const Json& body, Duration extra_timeout);

  HttpPoolClientOptions options_;
  HttpClient& http_;
};

}  // namespace pop::app
