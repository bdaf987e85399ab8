// Bad input of each kind gets a clear error naming what is wrong, and changes nothing.
#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {
namespace {

class ApiBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.SetUpPoolFor("acme");
    server_.Call("POST", "/agenda", AgendaJson("acme"), acme_);
    before_ = server_.Snapshot();
  }
  void TearDown() override { EXPECT_EQ(server_.Snapshot(), before_); }

  ApiServer server_{ApiServerOptions{.max_body_bytes = 64 * 1024}};
  std::string acme_ = server_.TokenFor({"acme"});
  std::string before_;
};

const char* const kRoutes[] = {
    "/agenda",       "/agendatemplate",  "/customer",          "/insight",
    "/resourcepool", "/progress/agenda", "/progress/operation"};

TEST_F(ApiBadInputTest, MalformedJsonIs400OnEveryRoute) {
  for (const char* route : kRoutes) {
    for (const char* verb : {"POST", "PUT"}) {
      auto reply =
          server_.Call(verb, std::string(route) + "/x", R"({"customerId": "acme",)", acme_);
      EXPECT_EQ(reply.status, 400) << verb << " " << route;
      EXPECT_EQ(reply.body.Find("errorResponse")->Find("title")->AsString(), "BadRequestException");
      EXPECT_EQ(reply.ErrorDescription().rfind("Malformed JSON: ", 0), 0u)
          << reply.ErrorDescription();
    }
  }
}

TEST_F(ApiBadInputTest, WrongTypesAre400NamingTheField) {
  auto reply =
      server_.Call("POST", "/agenda", R"({"customerId":"acme","operations":{"a":1}})", acme_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "Invalid value for field 'operations': expected an array, got an object");
  reply = server_.Call("POST", "/insight",
                       R"({"customerId":"acme","title":"t","queueSize":"many"})", acme_);
  EXPECT_EQ(reply.ErrorDescription(),
            "Invalid value for field 'queueSize': expected an integer, got a string");
  reply = server_.Call("PUT", "/progress/agenda/x",
                       R"({"operationProgress":[{"operation":"a","percentComplete":[1]}]})", acme_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(
      reply.ErrorDescription(),
      "Invalid value for field 'operationProgress[0].percentComplete': expected a number, got an "
      "array");
  reply = server_.Call("POST", "/customer", R"(["customerId","acme"])", acme_);
  EXPECT_EQ(reply.ErrorDescription(), "Invalid request body: expected a JSON object, got an array");
}

TEST_F(ApiBadInputTest, NullOrEmptyBodyIs422) {
  for (const char* body : {"", "null", "  "}) {
    auto reply = server_.Call("POST", "/customer", std::string(body), acme_);
    EXPECT_EQ(reply.status, 422);
    EXPECT_EQ(reply.ErrorDescription(), "Unable to POST a null object");
  }
}

TEST_F(ApiBadInputTest, MissingCustomerIdIs422) {
  auto reply = server_.Call("POST", "/customer", R"({"title":"x","customerId":"  "})", acme_);
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(reply.ErrorDescription(), "The customerId field must be specified.");
  reply = server_.Call("POST", "/customer", R"({"customerId":"acme"})", acme_);
  EXPECT_EQ(reply.ErrorDescription(),
            "Issues detected: The title field must be specified on the Customer.");
  reply = server_.Call("POST", "/insight", R"({"customerId":"acme"})", acme_);
  EXPECT_EQ(reply.ErrorDescription(),
            "Issues detected: The title field must be specified on the Insight.");
  reply = server_.Call("POST", "/progress/agenda",
                       R"({"customerId":"acme","operationProgress":[{}]})", acme_);
  EXPECT_EQ(reply.ErrorDescription(),
            "Issues detected: All OperationProgress objects must specify the operation field.");
}

TEST_F(ApiBadInputTest, BodyOverTheLimitIs413) {
  std::string big = R"({"customerId":"acme","title":")" + std::string(70 * 1024, 'x') + R"("})";
  auto reply = server_.Call("POST", "/customer", big, acme_);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.body.Find("errorResponse")->Find("responseCode")->AsInt(), 413);
}

TEST_F(ApiBadInputTest, OverDeepNestingIs400) {
  std::string deep =
      R"({"customerId":"acme","operations":[{"name":"a","type":"sample","payload":)" +
      std::string(300, '[') + std::string(300, ']') + "}]}";
  auto reply = server_.Call("POST", "/agenda", deep, acme_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.ErrorDescription().find("deeper than 128 levels"), std::string::npos);
}

TEST_F(ApiBadInputTest, InvalidUtf8AndBadPercentEncodingAre400) {
  EXPECT_EQ(
      server_.Call("POST", "/customer", "{\"customerId\":\"a\xff\",\"title\":\"t\"}", acme_).status,
      400);
  EXPECT_EQ(server_.Call("GET", "/customer/%zz", std::nullopt, acme_).status, 400);
}

TEST_F(ApiBadInputTest, FailedPutOfProgressLeavesOperationProgressUntouched) {
  // The second embedded element is invalid: the first must not be applied either.
  auto agenda = server_.Call("GET", "/agenda", std::nullopt, acme_).All()[0];
  std::string progress_id = agenda.Find("progressId")->AsString();
  auto reply = server_.Call("PUT", "/progress/agenda/" + progress_id,
                            R"({"processingState":"EXECUTING","operationProgress":[
                                 {"operation":"a","percentComplete":50},{"percentComplete":10}]})",
                            acme_);
  EXPECT_EQ(reply.status, 422);
}

}  // namespace
}  // namespace pop::testing
