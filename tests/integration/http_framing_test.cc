// Request smuggling and header-folding attempts against the Beast server (RFC 9112 sections 5.2,
// 6 and 6.3): each must get one 400 and a closed connection, never a second response for the
// bytes hidden behind the first request. Raw bytes over TCP, since curl cannot send them.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/http_server/http_server.h"
#include "api/http_types.h"
#include "core/codec/json_text.h"
#include "integration/api_server_support.h"
#include "integration/raw_http_support.h"

namespace pop {
namespace {

using ::pop::testing::RawHttpConnection;
using ::testing::HasSubstr;

// /echo answers 200 with the request body; Rejected() answers 400 with the error message.
class EchoHandler final : public api::HttpHandler {
 public:
  void Handle(api::HttpRequest request, api::Responder respond) override {
    handled_.fetch_add(1);
    api::HttpResponse response;
    response.body = std::move(request.body);
    respond(std::move(response));
  }
  api::HttpResponse Rejected(const api::HttpRequest&, const Error& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    rejected_.push_back(error);
    api::HttpResponse response;
    response.status = error.code == ErrorCode::kInvalidArgument ? 400 : 500;
    response.body = error.message;
    return response;
  }
  int handled() const { return handled_.load(); }
  std::vector<Error> rejected() const {
    std::lock_guard<std::mutex> lock(mu_);
    return rejected_;
  }

 private:
  std::atomic<int> handled_{0};
  mutable std::mutex mu_;
  std::vector<Error> rejected_;
};

// What follows each attack's header: a body that is itself a complete request. A server that
// takes the wrong framing answers it as a second request.
constexpr std::string_view kSmuggled = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";

struct FramingCase {
  const char* name;
  std::string request;       // sent as is, followed by kSmuggled
  const char* message_part;  // expected in the 400's body
};

class HttpFramingTest : public ::testing::TestWithParam<FramingCase> {
 protected:
  void SetUp() override {
    auto server = HttpServer::Create(HttpServerOptions{}, handler_);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->Start().ok());
  }

  EchoHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_P(HttpFramingTest, AnswersOneBadRequestAndClosesWithoutReadingTheSmuggledRequest) {
  RawHttpConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send(GetParam().request + std::string(kSmuggled)));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr(GetParam().message_part));
  EXPECT_EQ(response->headers["connection"], "close");
  const auto rest = raw.ReadUntilClose();
  ASSERT_TRUE(rest.has_value()) << "the connection stayed open";
  EXPECT_EQ(*rest, "") << "a second response followed the 400";
  EXPECT_EQ(handler_.handled(), 0);
  ASSERT_EQ(handler_.rejected().size(), 1u);
  EXPECT_EQ(handler_.rejected()[0].code, ErrorCode::kInvalidArgument);
}

std::string Post(std::string_view headers) {
  return "POST /echo HTTP/1.1\r\nHost: x\r\n" + std::string(headers) + "\r\n";
}

INSTANTIATE_TEST_SUITE_P(
    SmugglingAndFolding, HttpFramingTest,
    ::testing::Values(
        FramingCase{"TransferEncodingXchunked", Post("Transfer-Encoding: xchunked\r\n"),
                    "Transfer-Encoding 'xchunked' is not supported"},
        FramingCase{"TransferEncodingChunkedThenIdentity",
                    Post("Transfer-Encoding: chunked, identity\r\n"),
                    "Transfer-Encoding 'chunked, identity' is not supported"},
        FramingCase{"TransferEncodingIdentityThenChunked",
                    Post("Transfer-Encoding: identity, chunked\r\n"),
                    "Transfer-Encoding 'identity, chunked' is not supported"},
        FramingCase{"TransferEncodingGzip", Post("Transfer-Encoding: gzip\r\n"),
                    "Transfer-Encoding 'gzip' is not supported"},
        FramingCase{"TwoTransferEncodingFields",
                    Post("Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n"),
                    "more than one Transfer-Encoding"},
        FramingCase{"TransferEncodingXchunkedBeforeContentLength",
                    Post("Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n"),
                    "is not supported"},
        FramingCase{"ChunkedBeforeContentLength",
                    Post("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"),
                    "malformed HTTP request"},
        FramingCase{"ContentLengthBeforeChunked",
                    Post("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n"),
                    "malformed HTTP request"},
        FramingCase{"ChunkedInHttp10",
                    "POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                    "Transfer-Encoding in an HTTP/1.0 request"},
        FramingCase{"DifferingContentLengths", Post("Content-Length: 0\r\nContent-Length: 5\r\n"),
                    "malformed HTTP request"},
        FramingCase{"DifferingContentLengthsInOneField", Post("Content-Length: 0, 5\r\n"),
                    "malformed HTTP request"},
        FramingCase{"NonNumericContentLength", Post("Content-Length: 0x10\r\n"),
                    "malformed HTTP request"},
        FramingCase{"NegativeContentLength", Post("Content-Length: -1\r\n"),
                    "malformed HTTP request"},
        FramingCase{"ObsFoldContinuedWithSpace", Post("X-Long: part one\r\n part two\r\n"),
                    "obsolete line folding"},
        FramingCase{"ObsFoldContinuedWithTab",
                    Post("Transfer-Encoding: identity\r\n\tchunked\r\nContent-Length: 0\r\n"),
                    "obsolete line folding"},
        FramingCase{"WhitespaceBeforeTheColon", Post("Transfer-Encoding : chunked\r\n"),
                    "malformed HTTP request"}),
    [](const ::testing::TestParamInfo<FramingCase>& param_info) {
      return std::string(param_info.param.name);
    });

class HttpFramingAcceptedTest : public HttpFramingTest {};

TEST_F(HttpFramingAcceptedTest, AcceptsChunkedSpelledInAnyCaseWithSurroundingWhitespace) {
  RawHttpConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send(Post("Transfer-Encoding:  ChUnKeD \r\n") + "5\r\nhello\r\n0\r\n\r\n"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(handler_.handled(), 1);
}

TEST_F(HttpFramingAcceptedTest, AcceptsRepeatedEqualContentLengths) {
  RawHttpConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send(Post("Content-Length: 5\r\nContent-Length: 5\r\n") + "hello"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST_F(HttpFramingAcceptedTest, RejectsObsFoldInASecondPipelinedRequestAfterAnsweringTheFirst) {
  RawHttpConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send(Post("Content-Length: 2\r\n") + "ok" + Post("X-A: b\r\n c\r\n") +
                       std::string(kSmuggled)));

  auto first = raw.ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  auto second = raw.ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 400);
  EXPECT_THAT(second->body, HasSubstr("obsolete line folding"));
  const auto rest = raw.ReadUntilClose();
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(*rest, "");
  EXPECT_EQ(handler_.handled(), 1);
}

// Through the real router: the refusal is the API's usual error envelope.
TEST(HttpFramingEnvelopeTest, SmugglingAttemptGetsTheErrorEnvelopeAndChangesNothing) {
  testing::ApiServer api;
  const std::string before = api.Snapshot();
  RawHttpConnection raw(testing::PortOf(api.url()));
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send("POST /pop/agenda HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                       api.admin_token() + "\r\nTransfer-Encoding: chunked, identity\r\n\r\n" +
                       "GET /pop/healthz HTTP/1.1\r\nHost: x\r\n\r\n"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  auto body = ParseJson(response->body);
  ASSERT_TRUE(body.ok()) << response->body;
  const Json* error = body->Find("errorResponse");
  ASSERT_NE(error, nullptr) << response->body;
  ASSERT_NE(error->Find("description"), nullptr);
  EXPECT_THAT(error->Find("description")->AsString(), HasSubstr("Transfer-Encoding"));
  const auto rest = raw.ReadUntilClose();
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(*rest, "");
  EXPECT_EQ(api.Snapshot(), before);
}

}  // namespace
}  // namespace pop
