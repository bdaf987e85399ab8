// The service routes' verbs and names (spec §4, §8-§10), and GET /pop/agenda/{id}/why ("why is
// this not running yet", docs/compat.md "Added") over real HTTP.
#include <gtest/gtest.h>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

const char* const kServiceRoutes[] = {
    "/agenda/service/run",
    "/agenda/service/rerun",
    "/progress/agenda/service",
    "/resourcepool/service/getAgenda",
    "/resourcepool/service/createAgenda",
    "/resourcepool/service/updateAgendaProgress",
    "/resourcepool/service/updateAgenda",
};

class ServiceRoutesTest : public ServiceTest {};

TEST_F(ServiceRoutesTest, OtherVerbsAreNotImplemented) {
  const std::string before = server_.Snapshot();
  for (const char* route : kServiceRoutes) {
    for (const char* verb : {"GET", "PUT", "DELETE"}) {
      SCOPED_TRACE(std::string(verb) + " " + route);
      std::optional<std::string> body;
      if (std::string(verb) == "PUT") body = R"({"insightId":"insight-1","count":1})";
      auto reply = server_.Call(verb, route, body, owner_);
      EXPECT_EQ(reply.status, 400);
      EXPECT_EQ(ErrorTitle(reply), "BadRequestException");
      EXPECT_EQ(reply.ErrorDescription(),
                std::string(verb) + " is not implemented for this endpoint");
    }
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ServiceRoutesTest, UnknownServiceNamesAre404) {
  for (const char* route : {"/agenda/service/nope", "/resourcepool/service/getAgendas",
                            "/resourcepool/service/getagenda", "/progress/agenda/service/extra",
                            "/agendatemplate/service/run"}) {
    SCOPED_TRACE(route);
    auto reply = Service(route, R"({"insightId":"insight-1","count":1})", owner_);
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(ErrorTitle(reply), "ObjectNotFoundException");
  }
}

TEST_F(ServiceRoutesTest, NonCrudVerbsAre405) {
  auto reply = server_.Call("PATCH", "/agenda/service/run", std::string("{}"), owner_);
  EXPECT_EQ(reply.status, 405);
}

TEST_F(ServiceRoutesTest, ServiceRoutesNeedCredentials) {
  for (const char* route : kServiceRoutes) {
    SCOPED_TRACE(route);
    auto reply = server_.Raw("POST", std::string("/pop") + route, std::string("{}"), {});
    EXPECT_EQ(reply.status, 401);
  }
}

TEST_F(ServiceRoutesTest, NonObjectBodiesAre400) {
  for (const char* route : kServiceRoutes) {
    SCOPED_TRACE(route);
    auto reply = Service(route, "[1,2]", owner_);
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.ErrorDescription(),
              "Invalid request body: expected a JSON object, got an array");
    reply = Service(route, R"({"a":)", owner_);
    EXPECT_EQ(reply.status, 400);
  }
}

class WhyRouteTest : public ServiceTest {
 protected:
  ApiReply WhyOk(const std::string& agenda_id, const std::string& token) {
    auto reply = Why(agenda_id, token);
    EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
    EXPECT_EQ(StringAt(reply.body, "agendaId"), agenda_id);
    return reply;
  }
  static int64_t IntAt(const ApiReply& reply, std::string_view field) {
    const Json* value = reply.body.Find(field);
    return value != nullptr && value->is_integer() ? value->AsInt() : -1;
  }
  static bool ReasonContains(const ApiReply& reply, const std::string& text) {
    return StringAt(reply.body, "reason").find(text) != std::string::npos;
  }
};

// The whole queue (positions, counts) is shown to the insight's owner and global callers;
// the agenda's customer gets the tenant view (SecurityTest.WhyDoesNotCountOtherTenantsAgendas).
TEST_F(WhyRouteTest, QueuedAgendasTellTheirPosition) {
  const std::string first = StringAt(SubmitFor("acme"), "id");
  const std::string second = StringAt(SubmitFor("acme"), "id");
  auto reply = WhyOk(first, admin_);
  EXPECT_EQ(StringAt(reply.body, "state"), "QUEUED");
  EXPECT_EQ(StringAt(reply.body, "insightId"), "insight-1");
  EXPECT_EQ(StringAt(reply.body, "algorithm"), "FirstInFirstOut");
  EXPECT_EQ(IntAt(reply, "position"), 0);
  EXPECT_EQ(IntAt(reply, "queueSize"), 2);
  EXPECT_EQ(IntAt(reply, "queued"), 2);
  EXPECT_EQ(IntAt(reply, "waiting"), 0);
  EXPECT_TRUE(ReasonContains(reply, "first in the queue")) << StringAt(reply.body, "reason");
  reply = WhyOk(second, admin_);
  EXPECT_EQ(StringAt(reply.body, "state"), "QUEUED");
  EXPECT_EQ(IntAt(reply, "position"), 1);
  EXPECT_TRUE(ReasonContains(reply, "1 agenda(s) ahead")) << StringAt(reply.body, "reason");
}

TEST_F(WhyRouteTest, QueuedAgendasSayWhetherAPullerPollsTheirInsight) {
  const std::string first = StringAt(SubmitFor("acme"), "id");
  const std::string second = StringAt(SubmitFor("acme"), "id");
  auto unpolled = WhyOk(second, acme_);
  EXPECT_EQ(StringAt(unpolled.body, "pullers"), "NONE");
  EXPECT_EQ(unpolled.body.Find("lastPollTime"), nullptr);
  EXPECT_TRUE(ReasonContains(unpolled,
                             "no puller has polled insight insight-1 since this server "
                             "started: start one (pop puller --insight insight-1)"))
      << StringAt(unpolled.body, "reason");

  const int64_t now = server_.clock().Now().millis();
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_, 1, 0, "insight-1", R"(,"pullerId":"puller-7")")),
            std::vector<std::string>{first});
  auto polled = WhyOk(second, admin_);
  EXPECT_EQ(StringAt(polled.body, "pullers"), "ACTIVE");
  EXPECT_EQ(IntAt(polled, "lastPollTime"), now);
  EXPECT_EQ(StringAt(polled.body, "lastPolledBy"), "puller-7");
  EXPECT_FALSE(ReasonContains(polled, "no puller")) << StringAt(polled.body, "reason");
  // The customer learns when its insight was polled, not by whom.
  auto tenant = WhyOk(second, acme_);
  EXPECT_EQ(StringAt(tenant.body, "pullers"), "ACTIVE");
  EXPECT_EQ(IntAt(tenant, "lastPollTime"), now);
  EXPECT_EQ(tenant.body.Find("lastPolledBy"), nullptr);
}

TEST_F(WhyRouteTest, AgendasBehindAFullQueueAreWaiting) {
  SubmitFor("acme");
  SubmitFor("acme");
  const std::string third = StringAt(SubmitFor("acme"), "id");
  const std::string fourth = StringAt(SubmitFor("acme"), "id");
  auto reply = WhyOk(third, admin_);
  EXPECT_EQ(StringAt(reply.body, "state"), "WAITING");
  EXPECT_EQ(IntAt(reply, "position"), 0);
  EXPECT_EQ(IntAt(reply, "waiting"), 2);
  EXPECT_TRUE(ReasonContains(reply, "is full (2 of 2)")) << StringAt(reply.body, "reason");
  EXPECT_EQ(IntAt(WhyOk(fourth, admin_), "position"), 1);
}

TEST_F(WhyRouteTest, QueueSizeZeroIsNamedAsTheReason) {
  AdminPut("/insight/insight-1", R"({"queueSize":0})");
  const std::string id = StringAt(SubmitFor("acme"), "id");
  auto reply = WhyOk(id, acme_);
  EXPECT_EQ(StringAt(reply.body, "state"), "WAITING");
  EXPECT_EQ(IntAt(reply, "queueSize"), 0);
  EXPECT_TRUE(ReasonContains(reply, "queueSize 0")) << StringAt(reply.body, "reason");
}

TEST_F(WhyRouteTest, ClaimedAgendasNameTheirClaimerAndLease) {
  const std::string id = StringAt(SubmitFor("acme"), "id");
  const int64_t now = server_.clock().Now().millis();
  auto got = GetAgenda(owner_, 1, 0, "insight-1", R"(,"pullerId":"puller-7")");
  ASSERT_EQ(AgendaIdsIn(got), std::vector<std::string>{id});
  auto reply = WhyOk(id, admin_);
  EXPECT_EQ(StringAt(reply.body, "state"), "CLAIMED");
  EXPECT_EQ(StringAt(reply.body, "claimedBy"), "puller-7");
  EXPECT_EQ(IntAt(reply, "leaseUntil"), now + 60'000);
  EXPECT_TRUE(ReasonContains(reply, "puller-7")) << StringAt(reply.body, "reason");
  // The customer sees the claim and its lease, not the pool's puller names.
  auto tenant = WhyOk(id, acme_);
  EXPECT_EQ(StringAt(tenant.body, "state"), "CLAIMED");
  EXPECT_EQ(IntAt(tenant, "leaseUntil"), now + 60'000);
  EXPECT_EQ(tenant.body.Find("claimedBy"), nullptr);
  EXPECT_FALSE(ReasonContains(tenant, "puller-7"));
}

TEST_F(WhyRouteTest, ConfirmedAgendasAreRunningThenComplete) {
  Json agenda = SubmitFor("acme");
  const std::string id = StringAt(agenda, "id");
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id});
  ASSERT_EQ(ReportState(owner_, StringAt(agenda, "progressId"), "EXECUTING").status, 200);
  auto reply = WhyOk(id, acme_);
  EXPECT_EQ(StringAt(reply.body, "state"), "RUNNING");
  EXPECT_FALSE(StringAt(reply.body, "reason").empty());
  ASSERT_EQ(ReportState(owner_, StringAt(agenda, "progressId"), "COMPLETE", "succeeded").status,
            200);
  EXPECT_EQ(StringAt(WhyOk(id, acme_).body, "state"), "COMPLETE");
}

TEST_F(WhyRouteTest, DoNotRunAgendasAreNotScheduled) {
  const std::string id =
      StringAt(Submit(AgendaJson("acme", "", R"("params":{"doNotRun":null},)"), acme_), "id");
  auto reply = WhyOk(id, acme_);
  EXPECT_EQ(StringAt(reply.body, "state"), "NOT_SCHEDULED");
  EXPECT_TRUE(ReasonContains(reply, "doNotRun")) << StringAt(reply.body, "reason");
}

TEST_F(WhyRouteTest, SkippedRerunsAreNotScheduled) {
  Json agenda = SubmitFor("acme");
  const std::string id = StringAt(agenda, "id");
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id});
  ASSERT_EQ(ReportState(owner_, StringAt(agenda, "progressId"), "COMPLETE", "failed").status, 200);
  ASSERT_EQ(Rerun(acme_, id, R"(["skipExecution"])").status, 200);
  EXPECT_EQ(StringAt(WhyOk(id, acme_).body, "state"), "NOT_SCHEDULED");
}

TEST_F(WhyRouteTest, AnotherTenantsAgendaIs404) {
  const std::string id = StringAt(SubmitFor("acme"), "id");
  for (const std::string* token : {&globex_, &owner_}) {
    auto reply = Why(id, *token);
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(ErrorTitle(reply), "ObjectNotFoundException");
    EXPECT_EQ(reply.ErrorDescription(), "Agenda " + id + " not found");
  }
  EXPECT_EQ(Why("nope", acme_).status, 404);
  EXPECT_EQ(StringAt(WhyOk(id, admin_).body, "state"), "QUEUED");
}

TEST_F(WhyRouteTest, OnlyGetIsAllowed) {
  const std::string id = StringAt(SubmitFor("acme"), "id");
  EXPECT_EQ(server_.Call("POST", "/agenda/" + id + "/why", std::string("{}"), acme_).status, 405);
}

}  // namespace
}  // namespace pop::testing
