// Fields the model does not have (a typo such as `paylod`) answer 400 naming the field and the
// field it most likely meant, on the data routes and in the objects the services take, and
// change nothing; a server started with --accept-unknown-fields ignores them as the original did.
#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {
namespace {

class ApiUnknownFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.SetUpPoolFor("acme"); }

  ApiServer server_;
  std::string acme_ = server_.TokenFor({"acme"});
};

TEST_F(ApiUnknownFieldsTest, AgendaWithATypoInAnOperationIs400NamingItAndStoresNothing) {
  std::string before = server_.Snapshot();

  ApiReply reply = server_.Call(
      "POST", "/agenda",
      R"({"customerId":"acme","operations":[{"name":"a","type":"sample","paylod":{}}]})", acme_);

  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "Unknown field 'operations[0].paylod' (did you mean 'payload'?) in the Agenda; send "
            "only its fields, or run the server with --accept-unknown-fields to ignore them");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiUnknownFieldsTest, PutCountsTheOtherUnknownFieldsAndNamesTheFirst) {
  ASSERT_EQ(
      server_.Call("POST", "/insight", R"({"id":"i-2","customerId":"acme","title":"t"})", acme_)
          .status,
      200);
  std::string before = server_.Snapshot();

  ApiReply reply =
      server_.Call("PUT", "/insight/i-2", R"({"queuSize":3,"colour":"red","extra":1})", acme_);

  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "Unknown field 'queuSize' (did you mean 'queueSize'?) and 2 others in the Insight; "
            "send only its fields, or run the server with --accept-unknown-fields to ignore them");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiUnknownFieldsTest, ObjectsInServiceBodiesAreCheckedWithTheirPathInTheBody) {
  std::string before = server_.Snapshot();
  std::string owner = server_.TokenFor({"pool-owner"});

  ApiReply created = server_.Call(
      "POST", "/resourcepool/service/createAgenda",
      R"({"agendas":[{"customerId":"acme","operations":[{"name":"a","tpye":"sample"}]}]})", owner);
  ApiReply progress = server_.Call("POST", "/resourcepool/service/updateAgendaProgress",
                                   R"({"agendaProgress":{"id":"p","percent":5}})", owner);

  EXPECT_EQ(created.status, 400);
  EXPECT_EQ(created.ErrorDescription().rfind(
                "Unknown field 'agendas[0].operations[0].tpye' (did you mean 'type'?) in the "
                "Agenda;",
                0),
            0u)
      << created.ErrorDescription();
  EXPECT_EQ(progress.status, 400);
  EXPECT_EQ(progress.ErrorDescription().rfind(
                "Unknown field 'agendaProgress.percent' in the AgendaProgress;", 0),
            0u)
      << progress.ErrorDescription();
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiUnknownFieldsTest, EverythingTheServerAnswersCanBeSentBack) {
  ApiReply submitted = server_.Call("POST", "/agenda", AgendaJson("acme"), acme_);
  ASSERT_EQ(submitted.status, 200) << ToJsonText(submitted.body);
  const std::string progress_id = submitted.All()[0].Find("progressId")->AsString();
  ApiReply progress = server_.Call("GET", "/progress/agenda/" + progress_id, std::nullopt, acme_);
  ASSERT_EQ(progress.All().size(), 1u);

  ApiReply agenda_back = server_.Call("PUT", "/agenda/" + submitted.All()[0].Find("id")->AsString(),
                                      ToJsonText(submitted.All()[0]), acme_);
  ApiReply progress_back =
      server_.Call("PUT", "/progress/agenda/" + progress_id, ToJsonText(progress.All()[0]), acme_);

  EXPECT_EQ(agenda_back.status, 200) << agenda_back.ErrorDescription();
  EXPECT_EQ(progress_back.status, 200) << progress_back.ErrorDescription();
}

TEST(ApiUnknownFieldsLenientTest, AcceptUnknownFieldsIgnoresThemAsTheOriginalDid) {
  ApiServer server(ApiServerOptions{.accept_unknown_fields = true});
  server.SetUpPoolFor("acme");
  std::string acme = server.TokenFor({"acme"});

  ApiReply reply = server.Call(
      "POST", "/agenda",
      R"({"customerId":"acme","color":"red","operations":[{"name":"a","type":"sample"}]})", acme);

  ASSERT_EQ(reply.status, 200) << reply.ErrorDescription();
  EXPECT_EQ(reply.All()[0].Find("color"), nullptr);
}

}  // namespace
}  // namespace pop::testing
