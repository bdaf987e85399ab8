// HTTPS: HttpServer with --tls-cert/--tls-key material and CurlHttpClient verifying it against a
// CA file. Certificates are made per test with the openssl command (support/test_certificates.h).
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/http_client/curl_http_client.h"
#include "adapters/http_server/http_server.h"
#include "api/http_types.h"
#include "integration/raw_http_support.h"
#include "support/test_certificates.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

class TlsEchoHandler final : public api::HttpHandler {
 public:
  void Handle(api::HttpRequest request, api::Responder respond) override {
    api::HttpResponse response;
    response.body = request.method + " " + request.target + " " + request.body;
    respond(std::move(response));
  }
  api::HttpResponse Rejected(const api::HttpRequest&, const Error& error) override {
    api::HttpResponse response;
    response.status = 400;
    response.body = error.message;
    return response;
  }
};

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(certs_.dir().empty());
    ASSERT_TRUE(certs_.MakeCa("ca"));
    ASSERT_TRUE(certs_.MakeCa("other-ca"));
    ASSERT_TRUE(certs_.MakeServerCert("server", "ca", "DNS:localhost,IP:127.0.0.1"));
  }

  HttpServerOptions TlsOptions(const std::string& cert = "server") const {
    HttpServerOptions options;
    options.tls_cert_file = certs_.Path(cert + ".pem");
    options.tls_key_file = certs_.Path(cert + ".key");
    return options;
  }

  void StartServer(const HttpServerOptions& options) {
    auto server = HttpServer::Create(options, handler_);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->Start().ok());
  }

  Result<HttpClientResponse> Get(const std::string& ca, const std::string& host = "127.0.0.1") {
    CurlHttpClientOptions options;
    options.ca_file = certs_.Path(ca + ".pem");
    auto client = CurlHttpClient::Create(options);
    if (!client.ok()) return client.error();
    HttpClientRequest request;
    request.method = "POST";
    request.url = "https://" + host + ":" + std::to_string(server_->port()) + "/echo";
    request.body = "hi";
    request.timeout = std::chrono::seconds(30);
    return (*client)->Send(request);
  }

  testing::TestCertificates certs_;
  TlsEchoHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpTlsTest, ServesARequestOverTlsToAClientTrustingTheCa) {
  StartServer(TlsOptions());

  auto response = Get("ca");

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /echo hi");
}

TEST_F(HttpTlsTest, VerifiesTheHostNameAsWellAsTheChain) {
  StartServer(TlsOptions());

  auto by_name = Get("ca", "localhost");

  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(by_name->status, 200);
}

TEST_F(HttpTlsTest, ClientRefusesAServerWhoseCertificateTheCaFileDidNotSign) {
  StartServer(TlsOptions());

  auto response = Get("other-ca");

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(response.error().message, HasSubstr("TLS certificate is not trusted"));
}

TEST_F(HttpTlsTest, ClientRefusesACertificateIssuedForAnotherHost) {
  ASSERT_TRUE(certs_.MakeServerCert("elsewhere", "ca", "DNS:elsewhere.test"));
  StartServer(TlsOptions("elsewhere"));

  auto response = Get("ca");

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(response.error().message, HasSubstr("127.0.0.1"));
}

TEST_F(HttpTlsTest, ClientCreateFailsForAnUnreadableCaFile) {
  CurlHttpClientOptions options;
  options.ca_file = certs_.Path("missing.pem");

  auto client = CurlHttpClient::Create(options);

  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(client.error().message, HasSubstr("missing.pem"));
}

TEST_F(HttpTlsTest, PlainHttpToTheTlsListenerIsClosedAndTheServerKeepsServing) {
  StartServer(TlsOptions());
  {
    testing::RawHttpConnection raw(server_->port());
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto received = raw.ReadUntilClose();
    ASSERT_TRUE(received.has_value()) << "the server left the connection open";
    EXPECT_THAT(*received, ::testing::Not(HasSubstr("HTTP/1.1")));
  }

  auto response = Get("ca");

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpTlsTest, RefusesSmugglingOverTlsLikeOverPlainHttp) {
  StartServer(TlsOptions());
  CurlHttpClientOptions options;
  options.ca_file = certs_.Path("ca.pem");
  auto client = CurlHttpClient::Create(options);
  ASSERT_TRUE(client.ok());
  HttpClientRequest request;
  request.method = "POST";
  request.url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/echo";
  request.headers = {{"Transfer-Encoding", "gzip"}};
  request.body = "hi";

  auto response = (*client)->Send(request);

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr("Transfer-Encoding"));
}

struct BadTlsFiles {
  const char* name;
  const char* cert;  // file names in the certificate directory; "" for none
  const char* key;
  const char* message_part;
};

class HttpTlsStartTest : public HttpTlsTest, public ::testing::WithParamInterface<BadTlsFiles> {};

TEST_P(HttpTlsStartTest, CreateFailsWithAMessageNamingTheFile) {
  ASSERT_TRUE(certs_.MakeServerCert("second", "ca", "DNS:localhost"));
  std::ofstream(certs_.Path("garbage.pem")) << "not a certificate\n";
  HttpServerOptions options;
  if (*GetParam().cert != '\0') options.tls_cert_file = certs_.Path(GetParam().cert);
  if (*GetParam().key != '\0') options.tls_key_file = certs_.Path(GetParam().key);

  auto server = HttpServer::Create(options, handler_);

  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(server.error().message, HasSubstr(GetParam().message_part));
}

INSTANTIATE_TEST_SUITE_P(
    BadFiles, HttpTlsStartTest,
    ::testing::Values(
        BadTlsFiles{"MissingCertificate", "absent.pem", "server.key", "absent.pem' cannot be read"},
        BadTlsFiles{"MissingKey", "server.pem", "absent.key", "absent.key' cannot be read"},
        BadTlsFiles{"CertificateNotPem", "garbage.pem", "server.key",
                    "garbage.pem' holds no usable PEM certificate"},
        BadTlsFiles{"KeyNotPem", "server.pem", "garbage.pem",
                    "garbage.pem' holds no usable PEM private key"},
        BadTlsFiles{"KeyOfAnotherCertificate", "server.pem", "second.key",
                    "second.key' does not match the certificate"},
        BadTlsFiles{"CertificateWithoutKey", "server.pem", "", "both a certificate and a"}),
    [](const ::testing::TestParamInfo<BadTlsFiles>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace pop
