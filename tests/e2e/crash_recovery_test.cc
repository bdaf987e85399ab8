// Kill -9 of `pop server` in the middle of a burst of submissions: after restart every
// acknowledged Agenda exists, and no Agenda is half-written (each has its progress, one
// OperationProgress per operation and its ready entry; no progress without its agenda).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "adapters/http_client/curl_http_client.h"
#include "adapters/sqlite/sqlite_store.h"
#include "core/codec/json_text.h"
#include "e2e/server_process_support.h"

namespace pop::testing {
namespace {

struct Client {
  std::string url;
  std::string token;
  std::unique_ptr<CurlHttpClient> http = std::move(CurlHttpClient::Create()).value();

  Result<HttpClientResponse> Send(const std::string& method, const std::string& path,
                                  const std::string& body) {
    HttpClientRequest request;
    request.method = method;
    request.url = url + "/pop" + path;
    request.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    request.body = body;
    request.timeout = std::chrono::milliseconds(10'000);
    return http->Send(request);
  }
};

void SetUpTenant(Client& admin) {
  ASSERT_EQ(
      admin.Send("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})")->status,
      200);
  ASSERT_EQ(admin
                .Send("POST", "/insight",
                      R"({"id":"ins","customerId":"ops","title":"ins","resourcePoolId":"rp",
                          "isGlobal":true,"mappers":{"operationType":["sample"]}})")
                ->status,
            200);
  ASSERT_EQ(admin
                .Send("POST", "/customer",
                      R"({"id":"acme","customerId":"acme","title":"A","resourcePoolId":"rp"})")
                ->status,
            200);
}

std::string AgendaBody(int operations) {
  std::string ops;
  for (int i = 0; i < operations; ++i) {
    if (i > 0) ops += ",";
    ops += R"({"name":"op)" + std::to_string(i) + R"(","type":"sample","payload":{"n":)" +
           std::to_string(i) +
           (i > 0 ? R"(,"prev":"@<op)" + std::to_string(i - 1) + R"(.out>")" : "") + "}}";
  }
  return R"({"customerId":"acme","operations":[)" + ops + "]}";
}

// Checks the store directly: acknowledged agendas exist, and everything is whole.
void VerifyStore(const std::filesystem::path& db, const std::set<std::string>& acknowledged) {
  SqliteStoreOptions options;
  options.path = db.string();
  auto store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  Status status = (*store)->Read([&](StoreReader& reader) -> Status {
    ObjectQuery all;
    all.scope = VisibilityScope::Everything();
    all.limit = 10'000'000;
    POP_ASSIGN_OR_RETURN(auto agendas, reader.Find(ObjectKind::kAgenda, all));
    POP_ASSIGN_OR_RETURN(auto progresses, reader.Find(ObjectKind::kAgendaProgress, all));
    POP_ASSIGN_OR_RETURN(auto op_progress, reader.Find(ObjectKind::kOperationProgress, all));
    std::map<std::string, int> ops_per_progress;
    for (const auto& op : op_progress) {
      ops_per_progress[*std::get<OperationProgress>(op).agenda_progress_id]++;
    }
    std::set<std::string> agenda_ids;
    std::set<std::string> progress_of_agendas;
    for (const auto& object : agendas) {
      const auto& agenda = std::get<Agenda>(object);
      agenda_ids.insert(*agenda.id);
      progress_of_agendas.insert(*agenda.progress_id);
      EXPECT_EQ(ops_per_progress[*agenda.progress_id], static_cast<int>(agenda.operations->size()))
          << "agenda " << *agenda.id << " lacks operation progress";
      POP_ASSIGN_OR_RETURN(auto ready, reader.ReadyAgendasOf(*agenda.id));
      EXPECT_EQ(ready.size(), 1u) << "agenda " << *agenda.id << " lacks its ready entry";
    }
    for (const auto& object : progresses) {
      EXPECT_EQ(progress_of_agendas.count(*BaseOf(object).id), 1u)
          << "progress " << *BaseOf(object).id << " has no agenda (half-written submission)";
    }
    for (const auto& [progress_id, count] : ops_per_progress) {
      EXPECT_EQ(progress_of_agendas.count(progress_id), 1u) << "orphan operation progress";
    }
    for (const auto& id : acknowledged) {
      EXPECT_EQ(agenda_ids.count(id), 1u) << "acknowledged agenda " << id << " was lost";
    }
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.message();
}

TEST(CrashRecoveryTest, KillNineDuringSubmissionBurstsLosesNothingAndLeavesNothingHalfWritten) {
  TempDir dir;
  ServerProcess server(dir.path());
  std::mt19937 random(20261127);
  std::set<std::string> acknowledged;
  constexpr int kTrials = 5;
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    std::string url = server.Start();
    if (trial == 0) {
      Client admin{url, server.admin_token()};
      SetUpTenant(admin);
    }
    std::atomic<int> acks{0};
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> submitters;
    for (int t = 0; t < 6; ++t) {
      submitters.emplace_back([&, t] {
        Client client{url, server.admin_token()};
        int n = 0;
        while (!stop) {
          auto response = client.Send("POST", "/agenda", AgendaBody(1 + (t + n++) % 5));
          if (!response.ok()) break;  // the server is gone
          if (response->status != 200) continue;
          auto body = ParseJson(response->body);
          if (!body.ok()) continue;
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(body->Find("all")->AsArray()[0].Find("id")->AsString());
          ++acks;
        }
      });
    }
    int kill_after = std::uniform_int_distribution<int>(20, 200)(random);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (acks < kill_after && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    const bool reached = acks >= kill_after;
    server.Kill9();
    stop = true;
    for (auto& thread : submitters) thread.join();
    ASSERT_TRUE(reached) << "the server stopped acknowledging submissions";
    VerifyStore(dir.path() / "pop.db", acknowledged);
  }
  EXPECT_GT(acknowledged.size(), 100u);
  // The server restarts cleanly on the recovered database one last time.
  server.Start();
  EXPECT_EQ(server.Terminate(), 0);
}

TEST(ServerProcessTest, SigtermStopsCleanlyAndTheDataSurvives) {
  TempDir dir;
  ServerProcess server(dir.path());
  std::string url = server.Start();
  Client admin{url, server.admin_token()};
  SetUpTenant(admin);
  EXPECT_EQ(server.Terminate(), 0);
  url = server.Start();
  Client again{url, server.admin_token()};
  auto customers = again.Send("GET", "/customer/acme", "");
  ASSERT_TRUE(customers.ok());
  EXPECT_NE(customers->body.find("\"acme\""), std::string::npos);
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace pop::testing

namespace pop::testing {
namespace {

// The database cannot grow (here: the server's file size limit lowered under it, as a full disk
// looks to one process): submissions fail with 503 and a clear message, what was stored stays
// readable, and submissions work again once space returns, without a restart.
TEST(DiskFullTest, SubmissionsFailWith503AndResumeWhenSpaceReturns) {
  TempDir dir;
  ServerProcess server(dir.path());
  Client admin{server.Start(), server.admin_token()};
  SetUpTenant(admin);
  std::vector<std::string> stored;
  for (int i = 0; i < 20; ++i) {
    auto reply = admin.Send("POST", "/agenda", AgendaBody(2));
    ASSERT_TRUE(reply.ok());
    ASSERT_EQ(reply->status, 200) << reply->body;
    stored.push_back(
        std::move(ParseJson(reply->body)).value().Find("all")->AsArray()[0].Find("id")->AsString());
  }

  rlimit full{4096, RLIM_INFINITY};  // the soft limit only, so that it can be raised again
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_FSIZE, &full, nullptr), 0);
  for (int i = 0; i < 5; ++i) {
    auto refused = admin.Send("POST", "/agenda", AgendaBody(2));
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->status, 503) << refused->body;
    EXPECT_NE(refused->body.find("\"responseCode\":503"), std::string::npos) << refused->body;
    // The store's own text (paths, SQLite's words) goes to the server log, not the client.
    EXPECT_NE(refused->body.find("temporarily unavailable; retry later"), std::string::npos)
        << refused->body;
  }
  // Nothing stored is lost, and reads still work.
  for (const std::string& id : stored) {
    auto read = admin.Send("GET", "/agenda/" + id, "");
    ASSERT_TRUE(read.ok());
    EXPECT_NE(read->body.find(id), std::string::npos);
  }
  auto count = [&] {
    auto reply = admin.Send("GET", "/agenda?bycount=true", "");
    EXPECT_TRUE(reply.ok());
    auto json = ParseJson(reply.ok() ? reply->body : "{}");
    const Json* n = json.ok() ? json->Find("count") : nullptr;
    return n != nullptr && n->is_integer() ? n->AsInt() : -1;
  };
  EXPECT_EQ(count(), 20);  // the refused submissions left nothing behind

  rlimit space{RLIM_INFINITY, RLIM_INFINITY};
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_FSIZE, &space, nullptr), 0);
  auto again = admin.Send("POST", "/agenda", AgendaBody(2));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(count(), 21);
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace pop::testing
