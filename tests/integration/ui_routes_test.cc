// The web UI's routes over real HTTP: its page and files (content types, ETag, the
// Content-Security-Policy, deep links, refused escapes) and GET /pop/events (a chunked
// text/event-stream that carries only what the token may read, its limits, its keep-alive and
// its clean end).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration/raw_http_support.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

// Small limits, so that the limit test reaches them.
ApiServerOptions WithStreamLimits() {
  ApiServerOptions options;
  options.events.max_per_token = 2;
  options.events.max_total = 3;
  options.event_keep_alive = true;
  return options;
}

class UiRoutesTest : public ServiceTest {
 public:
  UiRoutesTest() : ServiceTest(WithStreamLimits()) {}

 protected:
  // GET `target` as sent (no normalisation), with `extra` header lines.
  RawHttpResponse Get(const std::string& target, const std::string& extra = "") {
    RawHttpConnection connection(PortOf(server_.url()));
    EXPECT_TRUE(connection.Send("GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra +
                                "Connection: close\r\n\r\n"));
    auto response = connection.ReadResponse();
    EXPECT_TRUE(response.has_value()) << target;
    return response.value_or(RawHttpResponse{});
  }

  // An open event stream of `token`: its head read, and the hello event.
  std::unique_ptr<RawHttpConnection> OpenStream(const std::string& token, int expect = 200) {
    auto connection = std::make_unique<RawHttpConnection>(PortOf(server_.url()));
    EXPECT_TRUE(connection->Send(
        "GET /pop/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + token + "\r\n\r\n"));
    auto head = connection->ReadHead();
    EXPECT_TRUE(head.has_value());
    if (!head) return nullptr;
    EXPECT_EQ(head->status, expect);
    if (expect == 200) {
      EXPECT_EQ(head->headers["content-type"], "text/event-stream");
      EXPECT_EQ(head->headers["transfer-encoding"], "chunked");
      EXPECT_TRUE(connection->ReadUntil("event: hello").has_value());
    }
    return connection;
  }

  // Waits (on I/O, not time) until the server has `count` streams open.
  void WaitForStreams(size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_.events().open_streams() != count &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(server_.events().open_streams(), count);
  }
};

TEST_F(UiRoutesTest, ServesThePageAndItsFilesWithTypesCachingAndAStrictPolicy) {
  RawHttpResponse page = Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["cache-control"], "no-cache");
  const std::string& policy = page.headers["content-security-policy"];
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(policy.find("unsafe-eval"), std::string::npos);
  EXPECT_EQ(page.headers["x-content-type-options"], "nosniff");
  // The API base path is written into the page; no inline script carries it.
  EXPECT_NE(page.body.find(R"(<meta name="pop-base-path" content="/pop">)"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);

  const std::map<std::string, std::string> types = {
      {"/ui/assets/app.js", "text/javascript; charset=utf-8"},
      {"/ui/assets/app.css", "text/css; charset=utf-8"},
      {"/ui/assets/favicon.svg", "image/svg+xml"}};
  for (const auto& [path, type] : types) {
    RawHttpResponse file = Get(path);
    EXPECT_EQ(file.status, 200) << path;
    EXPECT_EQ(file.headers["content-type"], type) << path;
    EXPECT_FALSE(file.body.empty()) << path;
    ASSERT_FALSE(file.headers["etag"].empty()) << path;
    RawHttpResponse again = Get(path, "If-None-Match: " + file.headers["etag"] + "\r\n");
    EXPECT_EQ(again.status, 304) << path;
    EXPECT_TRUE(again.body.empty()) << path;
  }
}

TEST_F(UiRoutesTest, DeepLinksAnswerThePageAndEscapesAndUnknownFilesAnswer404) {
  RawHttpResponse page = Get("/");
  for (const char* link : {"/ui", "/ui/agendas", "/ui/agendas/some-agenda-id", "/ui/tokens/"}) {
    RawHttpResponse deep = Get(link);
    EXPECT_EQ(deep.status, 200) << link;
    EXPECT_EQ(deep.headers["etag"], page.headers["etag"]) << link;
  }
  for (const char* escape :
       {"/ui/../pop/agenda", "/ui/%2e%2e/pop/agenda", "/ui/a/../../healthz",
        "/ui/assets/..%2Findex.html", "/ui/assets/missing.js", "/ui/x%2F..%2F..%2Fetc"}) {
    RawHttpResponse refused = Get(escape);
    EXPECT_EQ(refused.status, 404) << escape;
    EXPECT_EQ(refused.body.find("<html"), std::string::npos) << escape;
  }
  EXPECT_EQ(server_.Raw("POST", "/ui/agendas", "{}", {}).status, 405);
}

TEST_F(UiRoutesTest, AStreamCarriesOnlyWhatItsTokenMayRead) {
  auto acme_stream = OpenStream(acme_);
  auto globex_stream = OpenStream(globex_);
  ASSERT_TRUE(acme_stream && globex_stream);
  // globex's agenda first: were it sent to acme's stream, it would come before acme's own.
  const Json globex = SubmitFor("globex");
  const std::string globex_agenda = StringAt(globex, "id");
  const std::string acme_agenda = StringAt(SubmitFor("acme"), "id");
  ASSERT_FALSE(globex_agenda.empty());
  ASSERT_FALSE(acme_agenda.empty());
  auto acme_seen = acme_stream->ReadUntil(acme_agenda);
  ASSERT_TRUE(acme_seen.has_value());
  EXPECT_EQ(acme_seen->find(globex_agenda), std::string::npos) << *acme_seen;
  EXPECT_NE(acme_seen->find("event: change"), std::string::npos);
  auto globex_seen = globex_stream->ReadUntil(globex_agenda);
  ASSERT_TRUE(globex_seen.has_value());

  // A progress report on globex's agenda reaches globex, never acme: acme's stream next shows
  // acme's second agenda, with nothing of globex's before it.
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_, 2)).size(), 2U);
  const std::string progress_id = StringAt(globex, "progressId");
  ASSERT_EQ(ReportState(owner_, progress_id, "EXECUTING").status, 200);
  globex_seen = globex_stream->ReadUntil(R"("processingState":"EXECUTING")");
  ASSERT_TRUE(globex_seen.has_value());
  EXPECT_NE(globex_seen->find(progress_id), std::string::npos) << *globex_seen;
  const std::string second_acme = StringAt(SubmitFor("acme"), "id");
  acme_seen = acme_stream->ReadUntil(second_acme);
  ASSERT_TRUE(acme_seen.has_value());
  EXPECT_EQ(acme_seen->find(progress_id), std::string::npos) << *acme_seen;
  EXPECT_EQ(acme_seen->find("globex"), std::string::npos) << *acme_seen;
  // The admin (global visibility) is sent both tenants' changes.
  auto admin_stream = OpenStream(admin_, 200);
  ASSERT_TRUE(admin_stream);
  const std::string third = StringAt(SubmitFor("globex"), "id");
  EXPECT_TRUE(admin_stream->ReadUntil(third).has_value());
}

TEST_F(UiRoutesTest, ADeleteIsStreamedAsDeletedOnlyToTheStreamsThatCouldReadTheObject) {
  auto acme_stream = OpenStream(acme_);
  auto globex_stream = OpenStream(globex_);
  ASSERT_TRUE(acme_stream && globex_stream);
  const std::string acme_agenda = StringAt(SubmitFor("acme"), "id");
  ASSERT_FALSE(acme_agenda.empty());
  auto removed = server_.Call("DELETE", "/agenda/" + acme_agenda, std::nullopt, acme_);
  ASSERT_EQ(removed.status, 200) << ToJsonText(removed.body);
  ASSERT_TRUE(acme_stream->ReadUntil("event: deleted\ndata: ").has_value());
  auto acme_event = acme_stream->ReadUntil("\n\n");
  ASSERT_TRUE(acme_event.has_value());
  EXPECT_NE(acme_event->find(R"("kind":"Agenda")"), std::string::npos) << *acme_event;
  EXPECT_NE(acme_event->find(R"("id":")" + acme_agenda + "\""), std::string::npos) << *acme_event;
  EXPECT_NE(acme_event->find(R"("customerId":"acme")"), std::string::npos) << *acme_event;
  // globex is sent its own deletion, and nothing of acme's before it.
  const std::string globex_agenda = StringAt(SubmitFor("globex"), "id");
  ASSERT_EQ(server_.Call("DELETE", "/agenda/" + globex_agenda, std::nullopt, globex_).status, 200);
  auto globex_seen = globex_stream->ReadUntil("event: deleted\ndata: ");
  ASSERT_TRUE(globex_seen.has_value());
  EXPECT_EQ(globex_seen->find(acme_agenda), std::string::npos) << *globex_seen;
  auto globex_event = globex_stream->ReadUntil("\n\n");
  ASSERT_TRUE(globex_event.has_value());
  EXPECT_NE(globex_event->find(globex_agenda), std::string::npos) << *globex_event;
  // Another kind: the admin deletes acme's template; acme's stream is told, globex's is not.
  ASSERT_EQ(server_
                .Call("POST", "/agendatemplate",
                      R"({"id":"tmpl-gone","customerId":"acme","title":"t",
                          "agenda":{"customerId":"acme","operations":[{"name":"a","type":"sample"}]}})",
                      acme_)
                .status,
            200);
  ASSERT_EQ(server_.Call("DELETE", "/agendatemplate/tmpl-gone", std::nullopt, admin_).status, 200);
  ASSERT_TRUE(acme_stream->ReadUntil("event: deleted\ndata: ").has_value());
  auto template_event = acme_stream->ReadUntil("\n\n");
  ASSERT_TRUE(template_event.has_value());
  EXPECT_NE(template_event->find(R"("kind":"AgendaTemplate","id":"tmpl-gone")"), std::string::npos)
      << *template_event;
  // A marker after it: globex's stream got no deletion of acme's template on the way.
  const std::string marker = StringAt(SubmitFor("globex"), "id");
  auto globex_rest = globex_stream->ReadUntil(marker);
  ASSERT_TRUE(globex_rest.has_value());
  EXPECT_EQ(globex_rest->find("tmpl-gone"), std::string::npos) << *globex_rest;
}

TEST_F(UiRoutesTest, StreamsAreLimitedPerTokenAndPerServerAndFreedWhenClosed) {
  auto first = OpenStream(acme_);
  auto second = OpenStream(acme_);
  auto refused = OpenStream(acme_, 429);  // this token's two are open
  auto third = OpenStream(globex_);
  auto full = OpenStream(globex_, 503);  // the server's three are open
  ASSERT_TRUE(first && second && third && refused && full);
  // Both through the one error map: the spec's title for each code.
  EXPECT_TRUE(refused->ReadUntil("TooManyRequestsException").has_value());
  EXPECT_TRUE(full->ReadUntil("ServiceUnavailableException").has_value());
  WaitForStreams(3);
  first.reset();  // the client goes away: its slot is freed
  WaitForStreams(2);
  auto again = OpenStream(acme_);
  EXPECT_TRUE(again);
  EXPECT_EQ(server_.Raw("GET", "/pop/events", std::nullopt, {}).status, 401);
}

TEST_F(UiRoutesTest, KeepAliveCommentsFollowTheClockAndStopEndsEveryStreamCleanly) {
  auto stream = OpenStream(acme_);
  ASSERT_TRUE(stream);
  server_.clock().Advance(Duration::Seconds(16));
  EXPECT_TRUE(stream->ReadUntil(": keep-alive\n\n").has_value());
  server_.events().Stop();
  auto rest = stream->ReadUntilClose();
  ASSERT_TRUE(rest.has_value());
  EXPECT_TRUE(rest->size() >= 5 && rest->substr(rest->size() - 5) == "0\r\n\r\n") << *rest;
  OpenStream(acme_, 503);  // a stopped hub opens no stream
}

}  // namespace
}  // namespace pop::testing
