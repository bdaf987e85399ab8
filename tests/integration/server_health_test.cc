// The server's GET /healthz and GET /readyz over real HTTP: the store's reachability (a read
// probe through a store whose reads can be made to fail) and the maintenance leases it holds.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "app/maintenance_runner.h"
#include "app/store_probe.h"
#include "core/codec/json_text.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

// The real store, whose reads can be made to fail: a database that went away.
class FailingReadsStore final : public Store {
 public:
  explicit FailingReadsStore(Store& store) : store_(store) {}
  Status Read(const std::function<Status(StoreReader&)>& fn) override {
    if (failing_) return Status(ErrorCode::kUnavailable, "the PostgreSQL server is unreachable");
    return store_.Read(fn);
  }
  Status Write(const std::function<Status(StoreWriter&)>& fn) override { return store_.Write(fn); }
  void set_failing(bool failing) { failing_ = failing; }

 private:
  Store& store_;
  std::atomic<bool> failing_{false};
};

class ServerHealthTest : public ::testing::Test {
 protected:
  api::ServerHealth Health() {
    api::ServerHealth health;
    health.store_reachable = app::StoreReadable(probe_);
    health.leases = runner_.HeldLeases();
    return health;
  }
  static app::MaintenanceRunnerOptions RunnerOptions() {
    app::MaintenanceRunnerOptions options;
    options.holder = "server-a";
    options.start_thread = false;
    return options;
  }

  ApiServerOptions ServerOptions() {
    ApiServerOptions options;
    options.health = [this] { return Health(); };
    return options;
  }

  ApiServer server_{ServerOptions()};
  FailingReadsStore probe_{server_.store()};
  NullLogger logger_;
  NullMetrics metrics_;
  app::MaintenanceRunner runner_{
      app::Services{server_.store(), server_.clock(), server_.ids()},
      logger_,
      metrics_,
      RunnerOptions(),
      {{"reclaimer", Duration::Seconds(60), [] { return Status::Ok(); }}}};
};

TEST_F(ServerHealthTest, HealthzReportsTheStoreAndTheLeasesHeld) {
  ApiReply reply = server_.Raw("GET", "/healthz", std::nullopt, {});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(ToJsonText(reply.body), R"({"status":"ok","store":"ok","leader":false,"leases":[]})");
  EXPECT_EQ(runner_.RunDue(), 1);  // takes the reclaimer's lease
  reply = server_.Raw("GET", "/healthz", std::nullopt, {});
  EXPECT_EQ(ToJsonText(reply.body),
            R"({"status":"ok","store":"ok","leader":true,"leases":["reclaimer"]})");
  runner_.Stop();  // gives the lease up
  reply = server_.Raw("GET", "/healthz", std::nullopt, {});
  EXPECT_EQ(ToJsonText(reply.body), R"({"status":"ok","store":"ok","leader":false,"leases":[]})");
}

TEST_F(ServerHealthTest, AnUnreachableStoreFailsReadinessButNotLiveness) {
  EXPECT_EQ(server_.Raw("GET", "/readyz", std::nullopt, {}).status, 200);
  probe_.set_failing(true);
  ApiReply health = server_.Raw("GET", "/healthz", std::nullopt, {});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(StringAt(health.body, "store"), "unreachable");
  ApiReply ready = server_.Raw("GET", "/readyz", std::nullopt, {});
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ToJsonText(ready.body), R"({"status":"not ready","store":"unreachable"})");
  // The reason stays in the server's log: this answer needs no credentials.
  EXPECT_EQ(ToJsonText(ready.body).find("PostgreSQL"), std::string::npos);
  probe_.set_failing(false);
  EXPECT_EQ(server_.Raw("GET", "/readyz", std::nullopt, {}).status, 200);
}

}  // namespace
}  // namespace pop::testing
