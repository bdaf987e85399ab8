// Two `pop server` processes on one PostgreSQL database (the test cluster of ctest's `postgres`
// fixture) and two `pop puller` processes, one on each: 2,000 agendas submitted alternately to
// both servers each run exactly once (one attempt, every operation once, never in two executors
// at a time). The handler is the chaos tier's journaling script, so every run is on record.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chaos/chaos_support.h"
#include "core/codec/json_text.h"
#include "support/postgres_test_cluster.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr size_t kAgendas = 2000;

class MultiServerPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dbname_ = PostgresDatabaseNameFor(dir_.path().string());
    Result<std::string> uri = PostgresTestDatabaseUri(dbname_);
    ASSERT_TRUE(uri.ok()) << uri.error().message;
    uri_ = *uri;
  }
  void TearDown() override { EXPECT_TRUE(DropPostgresDatabase(dbname_).ok()); }

  // Starts `pop server` number `n` on the database; returns its URL.
  std::string StartServer(int n) {
    const std::filesystem::path ready = dir_.path() / ("ready-" + std::to_string(n));
    servers_.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "server", "--store", uri_, "--listen", "127.0.0.1:0",
                                 "--ready-file", ready.string(), "--bootstrap-token-file",
                                 (dir_.path() / "admin-token").string(), "--log-level", "warning"},
        dir_.path() / ("server-" + std::to_string(n) + ".log")));
    std::optional<std::string> url = WaitForLine(ready, seconds(30));
    EXPECT_TRUE(url.has_value()) << ReadFile(dir_.path() /
                                             ("server-" + std::to_string(n) + ".log"));
    return url.value_or("");
  }

  ChaosDir dir_;
  std::string dbname_;
  std::string uri_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
};

TEST_F(MultiServerPostgresTest, AgendasSubmittedAlternatelyToTwoServersEachRunExactlyOnce) {
  const std::filesystem::path journal = dir_.path() / "journal";
  const std::filesystem::path registry = dir_.path() / "registry.json";
  const std::filesystem::path handler = WriteChaosHandler(dir_.path(), journal);
  {
    std::ofstream out(registry);
    out << R"({"chaos":{"command":")" << handler.string() << R"(","timeoutSeconds":60}})";
  }
  const std::vector<std::string> urls = {StartServer(1), StartServer(2)};
  ASSERT_FALSE(urls[0].empty());
  ASSERT_FALSE(urls[1].empty());
  const std::string token = WaitForLine(dir_.path() / "admin-token", seconds(5)).value_or("");
  ApiClient a(urls[0], token);
  ASSERT_EQ(
      a.Call("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})").status,
      200);
  ASSERT_EQ(a.Call("POST", "/insight",
                   R"({"id":"multi","customerId":"ops","title":"multi","resourcePoolId":"rp",)"
                   R"("queueName":"multi","queueSize":20,"schedulingAlgorithm":"RoundRobin",)"
                   R"("isGlobal":true,"mappers":{"operationType":["chaos"]}})")
                .status,
            200);
  for (const char* customer : {"acme", "globex"}) {
    ASSERT_EQ(a.Call("POST", "/customer",
                     std::string(R"({"id":")") + customer + R"(","customerId":")" + customer +
                         R"(","title":"c","resourcePoolId":"rp"})")
                  .status,
              200);
  }
  std::vector<std::unique_ptr<ChildProcess>> pullers;
  for (size_t i = 0; i < urls.size(); ++i) {
    pullers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "puller", "--server", urls[i], "--token", token,
                                 "--insight", "multi", "--registry", registry.string(),
                                 "--puller-id", "puller-" + std::to_string(i + 1), "--log-level",
                                 "warning"},
        dir_.path() / ("puller-" + std::to_string(i + 1) + ".log")));
  }
  // Submitters take turns between the servers: agenda n goes to server n % 2.
  std::mutex mu;
  std::vector<std::string> progress_ids(kAgendas);
  std::vector<std::string> refused;
  std::atomic<size_t> next{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 8; ++t) {
    submitters.emplace_back([&] {
      ApiClient clients[2] = {ApiClient(urls[0], token), ApiClient(urls[1], token)};
      for (size_t n = next++; n < kAgendas; n = next++) {
        const std::string customer = n % 4 < 2 ? "acme" : "globex";
        ApiResult reply = clients[n % 2].Call(
            "POST", "/agenda",
            R"({"customerId":")" + customer + R"(","linkId":"multi-)" + std::to_string(n) +
                R"(","operations":[{"name":"a","type":"chaos","payload":{"n":)" +
                std::to_string(n) + "}}]}");
        const Json* all = reply.body.is_object() ? reply.body.Find("all") : nullptr;
        std::lock_guard<std::mutex> lock(mu);
        if (reply.status != 200 || all == nullptr || !all->is_array() || all->AsArray().empty()) {
          refused.push_back(std::to_string(reply.status) + " " + ToJsonText(reply.body));
          continue;
        }
        progress_ids[n] = StringField(all->AsArray()[0], "progressId");
      }
    });
  }
  for (std::thread& thread : submitters) thread.join();
  ASSERT_TRUE(refused.empty()) << refused.size() << " submissions refused, e.g. " << refused[0];

  // Waiting for other processes to finish has nothing to wait on but polling.
  std::map<std::string, std::string> unfinished;
  const auto deadline = std::chrono::steady_clock::now() + seconds(300);
  std::vector<std::string> pending = progress_ids;
  std::vector<std::string> wrong;
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> still;
    for (const std::string& id : pending) {
      ApiResult reply = a.Call("GET", "/progress/agenda/" + id);
      const Json* all = reply.body.is_object() ? reply.body.Find("all") : nullptr;
      if (reply.status != 200 || all == nullptr || !all->is_array() || all->AsArray().empty()) {
        still.push_back(id);
        continue;
      }
      const Json& progress = all->AsArray()[0];
      if (StringField(progress, "processingState") != "COMPLETE") {
        still.push_back(id);
        continue;
      }
      const Json* attempts = progress.Find("attemptsCompleted");
      if (StringField(progress, "processingStateMessage") != "succeeded" || attempts == nullptr ||
          !attempts->is_integer() || attempts->AsInt() != 1) {
        wrong.push_back(id + ": " + ToJsonText(progress));
      }
    }
    pending = std::move(still);
    if (!pending.empty()) std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_TRUE(pending.empty()) << pending.size() << " of " << kAgendas << " never finished";
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " did not succeed in one attempt, e.g. "
                             << wrong.front();

  // Every operation ran once: one start and one end per agenda, none in two executors.
  JournalCheck check = CheckJournal(journal);
  EXPECT_EQ(check.runs_started, kAgendas);
  EXPECT_EQ(check.runs_ended, kAgendas);
  EXPECT_TRUE(check.doubled.empty()) << check.doubled.front();
  EXPECT_TRUE(check.overlapping.empty()) << check.overlapping.front();
  std::map<std::string, int> starts;             // agenda → runs started
  std::map<std::string, size_t> runs_by_puller;  // the handler's parent: the puller
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind;
    std::string agenda;
    std::string operation;
    std::string parent;
    words >> kind >> agenda >> operation >> parent;
    if (kind != "start") continue;
    ++starts[agenda];
    ++runs_by_puller[parent];
  }
  EXPECT_EQ(starts.size(), kAgendas);
  for (const auto& [agenda, count] : starts) EXPECT_EQ(count, 1) << agenda << " started twice";
  // Both servers handed agendas to their puller.
  for (const auto& puller : pullers) {
    const size_t runs = runs_by_puller[std::to_string(puller->pid())];
    std::printf("puller %d ran %zu agendas\n", static_cast<int>(puller->pid()), runs);
    EXPECT_GT(runs, 0u);
  }
  for (auto& puller : pullers) EXPECT_EQ(puller->Terminate(), 0);
  for (auto& server : servers_) EXPECT_EQ(server->Terminate(), 0);
}

// RoundRobin across customers holds across the servers: 20 agendas of one customer submitted
// before 20 of another (alternately to both servers, before any puller runs) start in turns,
// whichever server's puller claims them; FirstInFirstOut would start all of the first
// customer's before any of the second's.
TEST_F(MultiServerPostgresTest, RoundRobinAcrossCustomersHoldsAcrossServers) {
  const std::filesystem::path journal = dir_.path() / "journal";
  const std::filesystem::path registry = dir_.path() / "registry.json";
  const std::filesystem::path handler = WriteChaosHandler(dir_.path(), journal);
  {
    std::ofstream out(registry);
    out << R"({"chaos":{"command":")" << handler.string() << R"(","timeoutSeconds":60}})";
  }
  const std::vector<std::string> urls = {StartServer(1), StartServer(2)};
  ASSERT_FALSE(urls[0].empty());
  ASSERT_FALSE(urls[1].empty());
  const std::string token = WaitForLine(dir_.path() / "admin-token", seconds(5)).value_or("");
  ApiClient clients[2] = {ApiClient(urls[0], token), ApiClient(urls[1], token)};
  ASSERT_EQ(clients[0]
                .Call("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})")
                .status,
            200);
  ASSERT_EQ(clients[0]
                .Call("POST", "/insight",
                      R"({"id":"rr","customerId":"ops","title":"rr","resourcePoolId":"rp",)"
                      R"("queueName":"rr","queueSize":2,"schedulingAlgorithm":"RoundRobin",)"
                      R"("isGlobal":true,"mappers":{"operationType":["chaos"]}})")
                .status,
            200);
  for (const char* customer : {"acme", "globex"}) {
    ASSERT_EQ(clients[0]
                  .Call("POST", "/customer",
                        std::string(R"({"id":")") + customer + R"(","customerId":")" + customer +
                            R"(","title":"c","resourcePoolId":"rp"})")
                  .status,
              200);
  }
  constexpr int kPerCustomer = 20;
  std::map<std::string, std::string> customer_of;  // agenda id → customer
  for (int n = 0; n < 2 * kPerCustomer; ++n) {
    const std::string customer = n < kPerCustomer ? "acme" : "globex";
    ApiResult reply = clients[n % 2].Call(
        "POST", "/agenda",
        R"({"customerId":")" + customer + R"(","operations":[{"name":"a","type":"chaos"}]})");
    const Json* all = reply.body.is_object() ? reply.body.Find("all") : nullptr;
    ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
    ASSERT_TRUE(all != nullptr && all->is_array() && !all->AsArray().empty());
    customer_of[StringField(all->AsArray()[0], "id")] = customer;
  }
  std::vector<std::unique_ptr<ChildProcess>> pullers;
  for (size_t i = 0; i < urls.size(); ++i) {
    pullers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "puller", "--server", urls[i], "--token", token,
                                 "--insight", "rr", "--registry", registry.string(), "--puller-id",
                                 "puller-" + std::to_string(i + 1), "--log-level", "warning"},
        dir_.path() / ("puller-" + std::to_string(i + 1) + ".log")));
  }
  // Waiting for other processes has nothing to wait on but polling.
  const auto deadline = std::chrono::steady_clock::now() + seconds(120);
  while (CheckJournal(journal).runs_ended < customer_of.size() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::vector<std::string> started;  // customers in the order their agendas started
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind;
    std::string agenda;
    words >> kind >> agenda;
    if (kind == "start") started.push_back(customer_of[agenda]);
  }
  ASSERT_EQ(started.size(), customer_of.size());
  // The first half started: both customers in turns (FirstInFirstOut: all acme).
  const auto first_half = started.begin() + kPerCustomer;
  const auto globex = std::count(started.begin(), first_half, std::string("globex"));
  std::string order;
  for (const std::string& customer : started) order += customer.substr(0, 1);
  std::printf("start order (a: acme, g: globex): %s\n", order.c_str());
  EXPECT_GE(globex, kPerCustomer / 2 - 3) << order;
  EXPECT_LE(globex, kPerCustomer / 2 + 3) << order;
  // Together: each puller's stop waits for its parked long poll to end.
  std::vector<std::future<int>> stopped;
  for (auto& puller : pullers) {
    stopped.push_back(std::async(std::launch::async, [&puller] { return puller->Terminate(); }));
  }
  for (auto& status : stopped) EXPECT_EQ(status.get(), 0);
  for (auto& server : servers_) EXPECT_EQ(server->Terminate(), 0);
}

}  // namespace
}  // namespace pop::testing
