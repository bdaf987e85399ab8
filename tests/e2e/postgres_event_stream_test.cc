// The event stream across servers: two `pop server`s on one PostgreSQL database, a `pop puller`
// on server A, and an event stream (GET /pop/events) open on server B. An Agenda submitted to A
// and run by A's puller shows on B's stream from its submission to its completion: B learns of
// A's progress reports through the store's change feed (PostgreSQL migration 0005).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "chaos/chaos_support.h"
#include "core/codec/json_text.h"
#include "integration/raw_http_support.h"
#include "support/postgres_test_cluster.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using std::chrono::seconds;

class PostgresEventStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dbname_ = PostgresDatabaseNameFor(dir_.path().string());
    Result<std::string> uri = PostgresTestDatabaseUri(dbname_);
    ASSERT_TRUE(uri.ok()) << uri.error().message;
    uri_ = *uri;
  }
  void TearDown() override {
    puller_.reset();  // SIGKILL: its parked long poll is not what this test is about
    servers_.clear();
    EXPECT_TRUE(DropPostgresDatabase(dbname_).ok());
  }

  // Starts `pop server` `name` on the database; returns its URL.
  std::string StartServer(const std::string& name) {
    const std::filesystem::path ready = dir_.path() / ("ready-" + name);
    servers_.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "server", "--store", uri_, "--listen", "127.0.0.1:0",
                                 "--ready-file", ready.string(), "--bootstrap-token-file",
                                 (dir_.path() / "admin-token").string(), "--log-level", "warning"},
        dir_.path() / ("server-" + name + ".log")));
    std::optional<std::string> url = WaitForLine(ready, seconds(30));
    EXPECT_TRUE(url.has_value()) << ReadFile(dir_.path() / ("server-" + name + ".log"));
    return url.value_or("");
  }

  ChaosDir dir_;
  std::string dbname_;
  std::string uri_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
  std::unique_ptr<ChildProcess> puller_;
};

TEST_F(PostgresEventStreamTest, ServerBsStreamShowsTheProgressOfAnAgendaServerARuns) {
  // `steps` reports three percentages 0.2 s apart, then completes.
  const std::filesystem::path handler = dir_.path() / "steps.sh";
  {
    std::ofstream out(handler);
    out << "#!/bin/sh\n"
           "for p in 25 50 75; do\n"
           "  printf '{\"processingState\":\"EXECUTING\",\"percentComplete\":%d}\\n' $p"
           " >> \"$POP_REPORT\"\n"
           "  sleep 0.2\n"
           "done\n"
           "printf '%s\\n' '{\"processingState\":\"COMPLETE\",\"processingStateMessage\":"
           "\"succeeded\",\"percentComplete\":100.0,\"result\":{\"ok\":true}}' >> "
           "\"$POP_REPORT\"\n";
  }
  std::filesystem::permissions(handler, std::filesystem::perms::owner_all);
  const std::filesystem::path registry = dir_.path() / "registry.json";
  std::ofstream(registry) << R"({"steps":{"command":")" << handler.string()
                          << R"(","timeoutSeconds":60}})";

  const std::string a_url = StartServer("a");
  const std::string b_url = StartServer("b");
  ASSERT_FALSE(a_url.empty());
  ASSERT_FALSE(b_url.empty());
  const std::string token = WaitForLine(dir_.path() / "admin-token", seconds(5)).value_or("");
  ApiClient a(a_url, token);
  ASSERT_EQ(CreatePoolInsightAndCustomer(a, "feed", {"steps"}, 5), "");

  // B's stream, open before anything runs.
  RawHttpConnection stream(PortOf(b_url));
  ASSERT_TRUE(stream.Send("GET /pop/events HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " + token +
                          "\r\n\r\n"));
  auto head = stream.ReadHead();
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->status, 200);
  ASSERT_TRUE(stream.ReadUntil("event: hello").has_value());

  puller_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{PopBinary(), "puller", "--server", a_url, "--token", token,
                               "--insight", "feed", "--registry", registry.string(), "--log-level",
                               "warning"},
      dir_.path() / "puller.log");
  ApiResult submitted = a.Call("POST", "/agenda",
                               R"({"customerId":"acme","operations":[)"
                               R"({"name":"one","type":"steps","payload":{}}]})");
  ASSERT_EQ(submitted.status, 200) << ToJsonText(submitted.body);
  const Json* all = submitted.body.Find("all");
  ASSERT_TRUE(all != nullptr && all->is_array() && !all->AsArray().empty());
  const std::string agenda = StringField(all->AsArray()[0], "id");

  // B's events about the agenda's progress, in order, until it completes.
  std::vector<std::string> states;
  bool queued = false;
  while (states.empty() || states.back() != "COMPLETE") {
    ASSERT_TRUE(stream.ReadUntil("event: change\ndata: ").has_value())
        << "seen: " << ::testing::PrintToString(states) << "\n"
        << ReadFile(dir_.path() / "puller.log") << ReadFile(dir_.path() / "server-b.log");
    auto data = stream.ReadUntil("\n");
    ASSERT_TRUE(data.has_value());
    Result<Json> event = ParseJson(*data);
    ASSERT_TRUE(event.ok()) << *data;
    if (StringField(*event, "kind") == "Agenda" && StringField(*event, "id") == agenda)
      queued = true;
    if (StringField(*event, "kind") != "AgendaProgress" ||
        StringField(*event, "agendaId") != agenda)
      continue;
    const std::string state = StringField(*event, "processingState");
    if (states.empty() || states.back() != state) states.push_back(state);
  }
  EXPECT_TRUE(queued);  // the submission to A (its ready entry) reached B too
  // A's progress reports reached B before the completion: the agenda was seen running.
  EXPECT_NE(std::find(states.begin(), states.end(), "EXECUTING"), states.end())
      << ::testing::PrintToString(states);
  // And B's own API agrees.
  ApiClient b(b_url, token);
  ApiResult progress = b.Call("GET", "/progress/agenda?byagendaId=" + agenda);
  ASSERT_EQ(progress.status, 200);
  EXPECT_EQ(StringField(progress.body.Find("all")->AsArray()[0], "processingState"), "COMPLETE");
}

}  // namespace
}  // namespace pop::testing
