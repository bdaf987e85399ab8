// PostgreSQL restarted under two running `pop server`s (a cluster of the test's own, so that it
// can be stopped and started): during the outage requests answer 503 naming the cause and a
// long poll in flight ends with an answer; afterwards every acknowledged agenda is there, both
// servers reconnect by themselves (store connections and the change feed's LISTEN connection)
// and a submission to one wakes a long poll parked on the other.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chaos/chaos_support.h"
#include "core/codec/json_text.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

// Waits up to `timeout` until `path` contains `text` (polling: another process writes it).
bool WaitForText(const std::filesystem::path& path, const std::string& text, seconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (ReadFile(path).find(text) == std::string::npos) {
    if (Steady::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// "127.0.0.1:PORT" and the password of the test cluster's postgresql://postgres:PW@HOST:PORT/db.
std::string UriEndpoint(const std::string& uri) {
  const size_t at = uri.rfind('@');
  return uri.substr(at + 1, uri.find('/', at) - at - 1);
}
std::string UriPassword(const std::string& uri) {
  const size_t colon = uri.find(':', uri.find("//"));
  return uri.substr(colon + 1, uri.rfind('@') - colon - 1);
}

size_t AgendaCount(const ApiResult& reply) {
  const Json* all = reply.body.is_object() ? reply.body.Find("all") : nullptr;
  return all != nullptr && all->is_array() ? all->AsArray().size() : 0;
}

std::string SubmitBody(const std::string& insight_type, int n) {
  return R"({"customerId":"acme","linkId":"outage-)" + std::to_string(n) +
         R"(","operations":[{"name":"a","type":")" + insight_type + R"(","payload":{}}]})";
}

std::string GetAgendaBody(const std::string& insight, int wait_seconds) {
  return R"({"insightId":")" + insight + R"(","count":1,"waitSeconds":)" +
         std::to_string(wait_seconds) + "}";
}

class PostgresOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(PostgresTestCluster("start", cluster_dir()))
        << "the test's own PostgreSQL did not start";
    uri_ = WaitForLine(cluster_dir() / "uri", seconds(5)).value_or("");
    ASSERT_FALSE(uri_.empty());
  }
  void TearDown() override {
    for (auto& server : servers_) server->Kill9();
    EXPECT_TRUE(PostgresTestCluster("stop", cluster_dir()));
  }

  std::filesystem::path cluster_dir() const { return dir_.path() / "cluster"; }

  std::string StartServer(int n, const std::vector<std::string>& extra = {}) {
    const std::filesystem::path ready = dir_.path() / ("ready-" + std::to_string(n));
    const std::filesystem::path log = dir_.path() / ("server-" + std::to_string(n) + ".log");
    std::vector<std::string> argv = {PopBinary(),
                                     "server",
                                     "--store",
                                     uri_,
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--ready-file",
                                     ready.string(),
                                     "--bootstrap-token-file",
                                     (dir_.path() / "admin-token").string(),
                                     "--log-level",
                                     "info"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    servers_.push_back(std::make_unique<ChildProcess>(argv, log));
    std::optional<std::string> url = WaitForLine(ready, seconds(30));
    EXPECT_TRUE(url.has_value()) << ReadFile(log);
    return url.value_or("");
  }

  std::string Logs() const {
    return ReadFile(dir_.path() / "server-1.log") + ReadFile(dir_.path() / "server-2.log");
  }

  ChaosDir dir_;
  std::string uri_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
};

TEST_F(PostgresOutageTest, RestartAnswers503ThenBothServersCarryOnWithNothingLost) {
  const std::string url_a = StartServer(1);
  const std::string url_b = StartServer(2);
  ASSERT_FALSE(url_a.empty());
  ASSERT_FALSE(url_b.empty());
  const std::string token = WaitForLine(dir_.path() / "admin-token", seconds(5)).value_or("");
  ApiClient a(url_a, token);
  ApiClient b(url_b, token);
  ASSERT_EQ(
      a.Call("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})").status,
      200);
  // "held": agendas nobody pulls, to read back after the outage; "live": long polls.
  for (const char* insight : {"held", "live"}) {
    ASSERT_EQ(
        a.Call("POST", "/insight",
               std::string(R"({"id":")") + insight + R"(","customerId":"ops","title":"t",)" +
                   R"("resourcePoolId":"rp","queueName":")" + insight +
                   R"(","queueSize":10,"schedulingAlgorithm":"FirstInFirstOut","isGlobal":true,)" +
                   R"("mappers":{"operationType":[")" + insight + R"("]}})")
            .status,
        200);
  }
  ASSERT_EQ(a.Call("POST", "/customer",
                   R"({"id":"acme","customerId":"acme","title":"c","resourcePoolId":"rp"})")
                .status,
            200);
  std::vector<std::string> acknowledged;
  for (int n = 0; n < 20; ++n) {
    ApiResult reply = (n % 2 == 0 ? a : b).Call("POST", "/agenda", SubmitBody("held", n));
    ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
    acknowledged.push_back(reply.body.Find("all")->AsArray()[0].Find("id")->AsString());
  }

  // A long poll parked on B when PostgreSQL goes away.
  std::future<std::pair<ApiResult, double>> parked = std::async(std::launch::async, [&] {
    const auto start = Steady::now();
    ApiResult reply =
        b.Call("POST", "/resourcepool/service/getAgenda", GetAgendaBody("live", 3), seconds(30));
    return std::make_pair(reply, std::chrono::duration<double>(Steady::now() - start).count());
  });
  std::this_thread::sleep_for(milliseconds(300));  // parked (polling is all a process test has)
  ASSERT_TRUE(PostgresTestCluster("halt", cluster_dir()));

  // During the outage: 503 at once, on reads and writes, on both servers.
  const auto outage_start = Steady::now();
  ApiResult submit = a.Call("POST", "/agenda", SubmitBody("held", 100), seconds(30));
  ApiResult read = b.Call("GET", "/agenda/" + acknowledged[0], "", seconds(30));
  const double outage_answer_seconds =
      std::chrono::duration<double>(Steady::now() - outage_start).count();
  std::printf("during the outage: submit %d %s; read %d %s (both answered in %.2f s)\n",
              submit.status, ToJsonText(submit.body).c_str(), read.status,
              ToJsonText(read.body).c_str(), outage_answer_seconds);
  // The answer names the cause (never the password of the store's URI).
  const std::string refused =
      "The store is unavailable: connection to PostgreSQL at " + UriEndpoint(uri_) + " refused";
  EXPECT_EQ(submit.status, 503);
  EXPECT_THAT(ToJsonText(submit.body), ::testing::HasSubstr(refused));
  EXPECT_EQ(read.status, 503);
  EXPECT_THAT(ToJsonText(read.body), ::testing::HasSubstr(refused));
  for (const ApiResult* reply : {&submit, &read}) {
    EXPECT_THAT(ToJsonText(reply->body), ::testing::Not(::testing::HasSubstr(UriPassword(uri_))));
  }
  // The reason is in the server's log, under the answer's correlation id.
  EXPECT_THAT(Logs(), ::testing::HasSubstr("detail=the PostgreSQL server is unreachable"));

  // The parked long poll ends with an answer (empty, or 503), not a dropped connection.
  auto [poll, poll_seconds] = parked.get();
  std::printf("long poll in flight: %d %s after %.2f s\n", poll.status,
              ToJsonText(poll.body).c_str(), poll_seconds);
  EXPECT_TRUE(poll.status == 200 || poll.status == 503) << poll.status;
  EXPECT_EQ(AgendaCount(poll), 0u);

  ASSERT_TRUE(PostgresTestCluster("resume", cluster_dir()));
  // Both servers serve again without being restarted (the first requests after the restart may
  // still meet a connection the server has not yet seen break).
  const auto back_start = Steady::now();
  for (ApiClient* client : {&a, &b}) {
    int status = 0;
    const auto deadline = Steady::now() + seconds(30);
    while (status != 200 && Steady::now() < deadline) {
      status = client->Call("GET", "/agenda/" + acknowledged[0]).status;
      if (status != 200) std::this_thread::sleep_for(milliseconds(100));
    }
    ASSERT_EQ(status, 200) << Logs();
  }
  std::printf("both servers answered 200 again %.2f s after PostgreSQL started\n",
              std::chrono::duration<double>(Steady::now() - back_start).count());

  // Nothing acknowledged was lost.
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(AgendaCount(b.Call("GET", "/agenda/" + id)), 1u) << id;
  }
  // B's change feed listens again: a submission to A wakes a long poll parked on B, well
  // before the poll's own end (20 s) would answer empty.
  std::future<ApiResult> woken = std::async(std::launch::async, [&] {
    return b.Call("POST", "/resourcepool/service/getAgenda", GetAgendaBody("live", 20),
                  seconds(30));
  });
  std::this_thread::sleep_for(milliseconds(300));
  ApiResult live = a.Call("POST", "/agenda", SubmitBody("live", 200));
  ASSERT_EQ(live.status, 200) << ToJsonText(live.body);
  const auto submitted = Steady::now();
  ApiResult claimed = woken.get();
  std::printf("long poll on B woken %.3f s after the submission to A\n",
              std::chrono::duration<double>(Steady::now() - submitted).count());
  EXPECT_EQ(claimed.status, 200);
  EXPECT_EQ(AgendaCount(claimed), 1u)
      << ToJsonText(claimed.body) << " why: "
      << ToJsonText(b.Call("GET", "/agenda/" +
                                      live.body.Find("all")->AsArray()[0].Find("id")->AsString() +
                                      "/why")
                        .body)
      << Logs();
  EXPECT_THAT(Logs(), ::testing::HasSubstr("listening again"));

  for (auto& server : servers_) EXPECT_EQ(server->Terminate(), 0);
}

// The leader of the timed jobs killed with SIGKILL: the other server runs them from its next
// try, within one period of the job (the advisory lock dies with the leader's connection).
TEST_F(PostgresOutageTest, AServerKilledHandsItsTimedJobsToAnotherWithinOnePeriod) {
  constexpr int kPeriodSeconds = 2;
  const std::vector<std::string> flags = {"--reclaim-interval-seconds",
                                          std::to_string(kPeriodSeconds)};
  ASSERT_FALSE(StartServer(1, flags).empty());
  const std::string leads = "maintenance: reclaimer now runs in this instance";
  const std::filesystem::path log_1 = dir_.path() / "server-1.log";
  const std::filesystem::path log_2 = dir_.path() / "server-2.log";
  ASSERT_TRUE(WaitForText(log_1, leads, seconds(10))) << ReadFile(log_1);
  ASSERT_FALSE(StartServer(2, flags).empty());
  // Two of its periods: server 2 tried and did not lead.
  std::this_thread::sleep_for(seconds(2 * kPeriodSeconds));
  ASSERT_THAT(ReadFile(log_2), ::testing::Not(::testing::HasSubstr(leads)));
  servers_[0]->Kill9();
  const auto killed = Steady::now();
  // The bound is generous for a busy machine, far below the two minutes a lease would take.
  const bool taken_over = WaitForText(log_2, leads, seconds(30));
  const double took = std::chrono::duration<double>(Steady::now() - killed).count();
  std::printf(
      "the reclaimer ran in the other server %.2f s after its leader was killed (period %d s)\n",
      took, kPeriodSeconds);
  EXPECT_TRUE(taken_over) << ReadFile(log_2);
  EXPECT_LT(took, 3 * kPeriodSeconds);
}

}  // namespace
}  // namespace pop::testing
