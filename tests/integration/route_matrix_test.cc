// The route x caller matrix (docs/security.md): every route and verb of the router's table,
// asked by every kind of caller, against objects of one customer (acme), with the answer each
// must get written down in one table. A route the router serves without a row here, or a row for
// a route it does not serve, fails the test. Refused calls (and reads) must change nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "integration/raw_http_support.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

// The callers, in the order each row lists their answers (destructive successes come last).
enum Caller { kNoToken, kBadToken, kRevoked, kOtherTenant, kAllowed, kPoolOwner, kOwner, kSuper };
constexpr const char* kCallerNames[] = {
    "no token",   "bad token", "revoked token", "other tenant", "allowed customer (initech)",
    "pool owner", "owner",     "super user"};
constexpr int kCallers = 8;

// One expected answer: the status, then for reads '+' (the target is in `all`) or '-' (it is
// not), and '=' when a successful call must change nothing (a delete of an invisible object).
struct Row {
  std::string method;
  std::string pattern;  // as in Router::Routes()
  std::string path;     // with {A} agenda, {P} progress, {O} operation progress, {T} token ids
  std::string body;     // likewise; empty for none
  std::string target;   // the id whose presence '+'/'-' checks (reads)
  std::vector<std::string> expect;  // kCallers answers
  bool claim_first = false;         // the pool owner claims agenda {A} before the row runs
};

// Routes outside the base path that need no token.
bool IsOpen(const std::string& pattern) {
  return pattern == "/healthz" || pattern == "/readyz" || pattern == "/" ||
         pattern.rfind("/ui", 0) == 0;
}

const std::vector<Row>& Rows() {
  static const std::vector<Row> kRows = [] {
    std::vector<Row> rows;
    const std::vector<std::string> unauth = {"401", "401", "401"};
    auto row = [&](std::string method, std::string pattern, std::string path, std::string body,
                   std::string target, std::vector<std::string> rest, bool claim = false) {
      std::vector<std::string> expect =
          IsOpen(pattern) ? std::vector<std::string>{"200", "200", "200"} : unauth;
      expect.insert(expect.end(), rest.begin(), rest.end());
      rows.push_back(Row{std::move(method), std::move(pattern), std::move(path), std::move(body),
                         std::move(target), std::move(expect), claim});
    };
    struct Kind {
      std::string collection, id, create, readers;  // readers: '+' per tenant-side caller
    };
    // Per kind: the target object of acme, a body creating one for acme, and who may read it
    // among {other tenant, allowed customer, pool owner}.
    const std::vector<Kind> kinds = {
        {"/agenda", "{A}", R"({"customerId":"acme","operations":[{"name":"a","type":"sample"}]})",
         "---"},
        {"/agendatemplate", "tmpl-acme",
         R"({"customerId":"acme","title":"t","agenda":{"customerId":"acme"}})", "-+-"},
        {"/customer", "acme", R"({"customerId":"acme","title":"c"})", "---"},
        {"/insight", "ins-acme", R"({"customerId":"acme","title":"i","resourcePoolId":"rp-acme"})",
         "-+-"},
        {"/resourcepool", "rp-acme", R"({"customerId":"acme","title":"p"})", "---"},
        {"/progress/agenda", "{P}", R"({"customerId":"acme","title":"p"})", "---"},
        {"/progress/operation", "{O}",
         R"({"customerId":"acme","agendaProgressId":"{P}","operation":"z"})", "---"},
    };
    for (const Kind& kind : kinds) {
      std::vector<std::string> reads;
      for (char c : kind.readers) reads.push_back(std::string("200") + c);
      auto reading = [&](std::vector<std::string> v) {
        v.insert(v.end(), {"200+", "200+"});
        return v;
      };
      const bool readable_by_allowed = kind.readers[1] == '+';
      row("GET", kind.collection, kind.collection, "", kind.id, reading(reads));
      row("POST", kind.collection, kind.collection, kind.create, "",
          {"403", "403", "403", "200", "200"});
      row("GET", kind.collection + "/{id}", kind.collection + "/" + kind.id, "", kind.id,
          reading(reads));
      row("PUT", kind.collection + "/{id}", kind.collection + "/" + kind.id, R"({"title":"x"})", "",
          {"404", readable_by_allowed ? "403" : "404", "404", "200", "200"});
      row("DELETE", kind.collection + "/{id}", kind.collection + "/" + kind.id, "", "",
          {"200=", readable_by_allowed ? "403" : "200=", "200=", "200", "200"});
    }
    row("POST", "/agenda/service/run", "/agenda/service/run",
        R"({"agendaTemplateId":"tmpl-acme","payload":"{\"customerId\":\"acme\"}"})", "",
        {"404", "403", "404", "200", "200"});
    row("POST", "/agenda/service/rerun", "/agenda/service/rerun", R"({"agendaId":"{A}"})", "",
        {"404", "404", "404", "200", "200"});
    row("POST", "/agenda/service/cancel", "/agenda/service/cancel", R"({"agendaId":"{A}"})", "",
        {"404", "404", "404", "200", "200"});
    for (const char* verb : {"pause", "resume"}) {
      const std::string agenda_route = std::string("/agenda/service/") + verb;
      row("POST", agenda_route, agenda_route, R"({"agendaId":"{A}"})", "",
          {"404", "404", "404", "200", "200"});
      // ins-acme: initech may read it (allowedCustomerIds), only acme may change it.
      const std::string insight_route = std::string("/insight/service/") + verb;
      row("POST", insight_route, insight_route, R"({"insightId":"ins-acme"})", "",
          {"404", "403", "404", "200", "200"});
    }
    row("POST", "/progress/agenda/service", "/progress/agenda/service", R"({"linkId":"L"})", "",
        {"200=", "200=", "200=", "200=", "200="});
    row("POST", "/resourcepool/service/getAgenda", "/resourcepool/service/getAgenda",
        R"({"insightId":"insight-1","count":1,"waitSeconds":0})", "",
        {"400", "400", "200", "400", "200"});
    row("POST", "/resourcepool/service/createAgenda", "/resourcepool/service/createAgenda",
        R"({"agendas":[{"customerId":"acme","operations":[{"name":"a","type":"sample"}]}]})", "",
        {"400", "400", "200", "400", "200"});
    row("POST", "/resourcepool/service/updateAgendaProgress",
        "/resourcepool/service/updateAgendaProgress",
        R"({"pullerId":"matrix-puller","agendaProgress":{"id":"{P}","processingState":"EXECUTING"}})",
        "", {"400", "400", "200", "400", "200"}, /*claim=*/true);
    row("POST", "/resourcepool/service/updateAgenda", "/resourcepool/service/updateAgenda",
        R"({"agendaId":"{A}","operations":[{"name":"g","type":"sample"}]})", "",
        {"404", "404", "200", "404", "200"});
    row("POST", "/resourcepool/service/setCustomerWeight",
        "/resourcepool/service/setCustomerWeight", R"({"customerId":"acme","weight":2})", "",
        {"404", "404", "200", "403", "200"});
    row("POST", "/resourcepool/service/appendOperationLog",
        "/resourcepool/service/appendOperationLog", R"({"logs":{"{O}":"x\n"}})", "",
        {"400", "400", "200", "400", "200"});
    row("GET", "/agenda/{id}/why", "/agenda/{A}/why", "", "", {"404", "404", "404", "200", "200"});
    row("GET", "/progress/operation/{id}/log", "/progress/operation/{O}/log", "", "",
        {"404", "404", "404", "200", "200"});
    row("GET", "/resourcepool/{id}/status", "/resourcepool/rp-acme/status", "", "",
        {"404", "404", "404", "200", "200"});
    row("GET", "/token", "/token", "", "", {"200", "200", "200", "200", "200"});
    row("POST", "/token", "/token", R"({"accounts":["acme"],"title":"new"})", "",
        {"403", "403", "403", "403", "200"});
    row("DELETE", "/token/{id}", "/token/{T}", "", "", {"403", "403", "403", "403", "200"});
    row("GET", "/alert", "/alert", "", "", {"200", "200", "200", "200", "200"});
    row("GET", "/audit", "/audit", "", "", {"404", "404", "404", "404", "200"});
    // The event stream: answered 200 (and left streaming) for every valid token; what each may
    // see on it is checked in ui_routes_test.cc.
    row("GET", "/events", "/events", "", "", {"200", "200", "200", "200", "200"});
    // The web UI's page and files: no token, no data.
    row("GET", "/", "/", "", "", {"200", "200", "200", "200", "200"});
    row("GET", "/ui", "/ui", "", "", {"200", "200", "200", "200", "200"});
    row("GET", "/ui/assets/{id}", "/ui/assets/app.js", "", "", {"200", "200", "200", "200", "200"});
    row("GET", "/ui/{path*}", "/ui/agendas/{A}", "", "", {"200", "200", "200", "200", "200"});
    row("GET", "/healthz", "/healthz", "", "", {"200", "200", "200", "200", "200"});
    row("GET", "/readyz", "/readyz", "", "", {"200", "200", "200", "200", "200"});
    return rows;
  }();
  return kRows;
}

// A fresh server per row: pool rp-1 (owner pool-owner) with the global insight-1; customers
// acme, globex and initech in it; acme's own pool rp-acme with its insight ins-acme and its
// template tmpl-acme (both allowing initech); one agenda of acme (linkId L); a token to revoke.
class MatrixFixture : public ServiceTest {
 public:
  void TestBody() override {}
  void Prepare() {
    ServiceTest::SetUp();
    AddCustomer("initech");
    Expect200("POST", "/resourcepool", R"({"id":"rp-acme","customerId":"acme","title":"a"})");
    Expect200("POST", "/insight",
              R"({"id":"ins-acme","customerId":"acme","title":"i","resourcePoolId":"rp-acme",
                  "allowedCustomerIds":["initech"],"mappers":{"operationType":["other"]}})");
    Expect200("POST", "/agendatemplate",
              R"({"id":"tmpl-acme","customerId":"acme","title":"t","allowedCustomerIds":["initech"],
                  "agenda":{"customerId":"@<pop.payload::/customerId>",
                            "operations":[{"name":"a","type":"sample"}]}})");
    Json agenda = Submit(AgendaJson("acme", "", R"("linkId":"L",)"), acme_);
    ids_["{A}"] = StringAt(agenda, "id");
    ids_["{P}"] = StringAt(agenda, "progressId");
    ids_["{O}"] = ids_["{P}"] + "-a";
    tokens_[kOtherTenant] = globex_;
    tokens_[kAllowed] = server_.TokenFor({"initech"});
    tokens_[kPoolOwner] = owner_;
    tokens_[kOwner] = acme_;
    tokens_[kSuper] = admin_;
    tokens_[kBadToken] = "pop_" + std::string(64, '0');
    auto revoked = server_.Call("POST", "/token", R"({"accounts":["acme"]})", admin_);
    tokens_[kRevoked] = StringAt(revoked.body, "token");
    Expect200("DELETE", "/token/" + StringAt(revoked.body, "id"), "");
    auto victim = server_.Call("POST", "/token", R"({"accounts":["globex"]})", admin_);
    ids_["{T}"] = StringAt(victim.body, "id");
  }

  std::string Fill(std::string text) const {
    for (const auto& [key, value] : ids_) {
      for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
        text.replace(at, key.size(), value);
      }
    }
    return text;
  }

  ApiReply Ask(const Row& row, Caller caller) {
    std::optional<std::string> body;
    if (!row.body.empty()) body = Fill(row.body);
    std::vector<std::pair<std::string, std::string>> headers;
    if (caller != kNoToken) headers.emplace_back("Authorization", "Bearer " + tokens_[caller]);
    const std::string prefix = IsOpen(row.pattern) ? "" : "/pop";
    if (row.pattern == "/events") {
      // A stream does not end: only its head is read, then the connection closes (which ends
      // the stream on the server).
      RawHttpConnection connection(PortOf(server_.url()));
      std::string request = "GET /pop/events HTTP/1.1\r\nHost: test\r\n";
      for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
      EXPECT_TRUE(connection.Send(request + "\r\n"));
      auto head = connection.ReadHead();
      ApiReply reply;
      reply.status = head ? head->status : 0;
      return reply;
    }
    return server_.Raw(row.method, prefix + Fill(row.path), body, headers);
  }

  // Claims as the puller the updateAgendaProgress row reports as: the row checks who may call
  // the route, the claim fence (only the holder reports) has tests of its own.
  void ClaimAgenda() {
    ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_, 1, 0, "insight-1", R"(,"pullerId":"matrix-puller")")),
              std::vector<std::string>{ids_["{A}"]});
  }

  std::string Snapshot() { return server_.Snapshot(); }
  const api::Router& router() const { return server_.router(); }
  const std::string& Id(const std::string& key) { return ids_[key]; }

 private:
  void Expect200(const std::string& method, const std::string& path, const std::string& body) {
    auto reply =
        server_.Call(method, path, body.empty() ? std::nullopt : std::optional(body), admin_);
    ASSERT_EQ(reply.status, 200) << method << " " << path << " " << ToJsonText(reply.body);
  }

  std::map<std::string, std::string> ids_;
  std::map<int, std::string> tokens_;
};

bool Contains(const ApiReply& reply, const std::string& id) {
  const Json* all = reply.body.is_object() ? reply.body.Find("all") : nullptr;
  if (all == nullptr || !all->is_array()) return false;
  return std::any_of(all->AsArray().begin(), all->AsArray().end(),
                     [&](const Json& item) { return StringAt(item, "id") == id; });
}

TEST(RouteMatrixTest, EveryRouteOfTheRouterHasARowAndEveryRowARoute) {
  MatrixFixture fixture;
  fixture.Prepare();
  std::set<std::string> served;
  for (const api::RouteSpec& spec : fixture.router().Routes()) {
    for (const std::string& method : spec.methods) served.insert(method + " " + spec.pattern);
  }
  std::set<std::string> rows;
  for (const Row& row : Rows()) {
    EXPECT_TRUE(rows.insert(row.method + " " + row.pattern).second)
        << "two rows for " << row.pattern;
    ASSERT_EQ(row.expect.size(), static_cast<size_t>(kCallers)) << row.pattern;
  }
  for (const std::string& route : served)
    EXPECT_EQ(rows.count(route), 1U) << "no row for " << route;
  for (const std::string& row : rows) EXPECT_EQ(served.count(row), 1U) << "not served: " << row;
}

TEST(RouteMatrixTest, EveryCallerGetsTheAnswerOfTheTable) {
  int cells = 0;
  for (const Row& row : Rows()) {
    MatrixFixture fixture;
    fixture.Prepare();
    if (row.claim_first) fixture.ClaimAgenda();
    for (int caller = 0; caller < kCallers; ++caller) {
      SCOPED_TRACE(row.method + " " + row.path + " as " + kCallerNames[caller]);
      const std::string& expected = row.expect[caller];
      const int status = std::stoi(expected.substr(0, 3));
      const bool read = expected.size() > 3 && (expected[3] == '+' || expected[3] == '-');
      const bool unchanged = status >= 400 || read || expected.back() == '=' || row.method == "GET";
      const std::string before = unchanged ? fixture.Snapshot() : "";
      ApiReply reply = fixture.Ask(row, static_cast<Caller>(caller));
      ++cells;
      EXPECT_EQ(reply.status, status) << ToJsonText(reply.body);
      if (read) {
        EXPECT_EQ(Contains(reply, fixture.Fill(row.target)), expected[3] == '+')
            << ToJsonText(reply.body);
      }
      if (unchanged) {
        EXPECT_EQ(fixture.Snapshot(), before) << "a refused call changed the store";
      }
    }
  }
  RecordProperty("cells", cells);
  EXPECT_EQ(cells, static_cast<int>(Rows().size()) * kCallers);
}

}  // namespace
}  // namespace pop::testing
