// The HTTP transport end to end: HttpServer (Beast) on port 0 with a small test handler, driven
// through CurlHttpClient and, where curl cannot express a request, a raw TCP socket.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/http_client/curl_http_client.h"
#include "adapters/http_server/http_server.h"
#include "api/http_types.h"

namespace pop {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr auto kWait = 30s;  // upper bound for anything a test waits for; never reached

std::string PathOf(const std::string& target) { return target.substr(0, target.find('?')); }

// Routes:
//   /echo   200; body = request body; X-Method, X-Target, X-Remote, X-Header-Names (the
//           request's header names as the handler saw them, comma-separated).
//   /poll   parks the Responder until the test answers it (long poll).
//   /slow   blocks its worker until the test calls ReleaseSlow(), then answers 200.
//   /drop   drops the Responder without answering (a handler bug).
//   /throw  throws.
// Rejected(): 413 for kPayloadTooLarge, 400 for kInvalidArgument, else 500; body = message.
class TestHandler final : public api::HttpHandler {
 public:
  void Handle(api::HttpRequest request, api::Responder respond) override {
    handled_.fetch_add(1);
    const std::string path = PathOf(request.target);
    if (path == "/echo") {
      respond(Echo(std::move(request)));
    } else if (path == "/poll") {
      std::lock_guard<std::mutex> lock(mu_);
      parked_.push_back(std::move(respond));
      changed_.notify_all();
    } else if (path == "/slow") {
      std::unique_lock<std::mutex> lock(mu_);
      slow_entered_ = true;
      changed_.notify_all();
      changed_.wait(lock, [this] { return slow_released_; });
      lock.unlock();
      respond(Text(200, "slow done"));
    } else if (path == "/drop") {
      // Bug on purpose: `respond` goes out of scope unanswered.
    } else if (path == "/throw") {
      throw std::runtime_error("handler failure");
    } else {
      respond(Text(404, "no route"));
    }
  }

  api::HttpResponse Rejected(const api::HttpRequest& request, const Error& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    rejected_.push_back({request.method, request.target, error});
    switch (error.code) {
      case ErrorCode::kPayloadTooLarge:
        return Text(413, error.message);
      case ErrorCode::kInvalidArgument:
        return Text(400, error.message);
      default:
        return Text(500, error.message);
    }
  }

  int handled() const { return handled_.load(); }

  struct RejectedCall {
    std::string method;
    std::string target;
    Error error;
  };
  std::vector<RejectedCall> rejected() const {
    std::lock_guard<std::mutex> lock(mu_);
    return rejected_;
  }

  // Waits until `count` polls are parked and takes them.
  std::vector<api::Responder> TakeParked(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!changed_.wait_for(lock, kWait, [&] { return parked_.size() >= count; })) return {};
    std::vector<api::Responder> out(parked_.begin(), parked_.begin() + count);
    parked_.erase(parked_.begin(), parked_.begin() + count);
    return out;
  }

  bool WaitForSlowEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWait, [this] { return slow_entered_; });
  }

  void ReleaseSlow() {
    std::lock_guard<std::mutex> lock(mu_);
    slow_released_ = true;
    changed_.notify_all();
  }

  static api::HttpResponse Text(int status, std::string body) {
    api::HttpResponse response;
    response.status = status;
    response.SetHeader("Content-Type", "text/plain");
    response.body = std::move(body);
    return response;
  }

 private:
  static api::HttpResponse Echo(api::HttpRequest request) {
    api::HttpResponse response;
    response.SetHeader("X-Method", request.method);
    response.SetHeader("X-Target", request.target);
    response.SetHeader("X-Remote", request.remote_address);
    std::string names;
    for (const auto& [name, value] : request.headers) names += (names.empty() ? "" : ",") + name;
    response.SetHeader("X-Header-Names", names);
    if (const std::string* custom = request.Header("x-custom")) {
      response.SetHeader("X-Custom-Seen", *custom);
    }
    response.body = std::move(request.body);
    return response;
  }

  std::atomic<int> handled_{0};
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<api::Responder> parked_;
  std::vector<RejectedCall> rejected_;
  bool slow_entered_ = false;
  bool slow_released_ = false;
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// A plain TCP client for what curl cannot send: malformed requests, pipelining, raw chunked
// bodies, half-sent requests. Reads time out after kWait.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{static_cast<time_t>(kWait.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response framed by Content-Length (the server always sends one).
  std::optional<RawResponse> ReadResponse() {
    size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore()) return std::nullopt;
    }
    RawResponse response;
    const std::string head = pending_.substr(0, header_end);
    pending_.erase(0, header_end + 4);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    response.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const size_t value_start = line.find_first_not_of(' ', colon + 1);
      response.headers[name] = value_start == std::string::npos ? "" : line.substr(value_start);
    }
    const auto length = response.headers.find("content-length");
    const size_t body_size = length == response.headers.end() ? 0 : std::stoul(length->second);
    while (pending_.size() < body_size) {
      if (!ReadMore()) return std::nullopt;
    }
    response.body = pending_.substr(0, body_size);
    pending_.erase(0, body_size);
    return response;
  }

  // Reads until the server closes the connection; false on a receive timeout.
  bool WaitForClose() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool ReadMore() {
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = CurlHttpClient::Create();
    ASSERT_TRUE(client.ok()) << client.error().message;
    client_ = std::move(client).value();
  }

  void StartServer(HttpServerOptions options = {}) {
    options.log = [this](std::string_view message) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.emplace_back(message);
      log_changed_.notify_all();
    };
    auto server = HttpServer::Create(options, handler_);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.message();
    ASSERT_NE(server_->port(), 0);
  }

  std::string Url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(target);
  }

  Result<HttpClientResponse> Send(std::string method, std::string_view target,
                                  std::string body = "",
                                  std::chrono::milliseconds timeout = kWait) {
    HttpClientRequest request;
    request.method = std::move(method);
    request.url = Url(target);
    request.body = std::move(body);
    request.timeout = timeout;
    return client_->Send(request);
  }

  static std::string Header(const HttpClientResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "<absent>";
  }

  // Waits until a warning containing `text` is logged.
  bool WaitForLog(std::string_view text) {
    std::unique_lock<std::mutex> lock(log_mu_);
    return log_changed_.wait_for(lock, kWait, [&] {
      for (const auto& line : log_) {
        if (line.find(text) != std::string::npos) return true;
      }
      return false;
    });
  }

  // Declared first so that it outlives the server (the contract) and the parked Responders
  // outlive the server (what long polls do).
  TestHandler handler_;
  std::mutex log_mu_;
  std::condition_variable log_changed_;
  std::vector<std::string> log_;
  std::unique_ptr<CurlHttpClient> client_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpTransportTest, EchoesMethodTargetHeadersAndBody) {
  StartServer();
  HttpClientRequest request;
  request.method = "PUT";
  request.url = Url("/echo?bylinkId=x%20y");
  request.headers = {{"X-Custom", "Value 1"}, {"Content-Type", "application/json"}};
  request.body = R"({"a":1})";

  auto response = client_->Send(request);

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"a":1})");
  EXPECT_EQ(Header(*response, "x-method"), "PUT");
  EXPECT_EQ(Header(*response, "x-target"), "/echo?bylinkId=x%20y");
  EXPECT_EQ(Header(*response, "x-custom-seen"), "Value 1");
  EXPECT_THAT(Header(*response, "x-header-names"), HasSubstr("x-custom"));
  EXPECT_THAT(Header(*response, "x-header-names"), HasSubstr("content-type"));
  EXPECT_THAT(Header(*response, "x-remote"), HasSubstr("127.0.0.1:"));
  EXPECT_EQ(Header(*response, "content-length"), "7");
}

TEST_F(HttpTransportTest, SupportsMethodsWithoutBody) {
  StartServer();
  for (const std::string method : {"GET", "DELETE", "HEAD", "OPTIONS"}) {
    auto response = Send(method, "/echo");
    ASSERT_TRUE(response.ok()) << method << ": " << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(Header(*response, "x-method"), method);
  }
}

TEST_F(HttpTransportTest, ReusesOneConnectionForSequentialRequests) {
  StartServer();
  std::string first_remote;
  for (int i = 0; i < 200; ++i) {
    auto response = Send("POST", "/echo", "request " + std::to_string(i));
    ASSERT_TRUE(response.ok()) << response.error().message;
    ASSERT_EQ(response->body, "request " + std::to_string(i));
    if (i == 0) first_remote = Header(*response, "x-remote");
    // Same client address and port: the same TCP connection served every request.
    ASSERT_EQ(Header(*response, "x-remote"), first_remote) << "request " << i;
  }
}

TEST_F(HttpTransportTest, ServesTwoHundredConcurrentClients) {
  StartServer();
  constexpr int kClients = 200;
  constexpr int kRequestsEach = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int r = 0; r < kRequestsEach; ++r) {
        const std::string body = std::to_string(c) + "/" + std::to_string(r);
        auto response = Send("POST", "/echo", body);
        if (response.ok() && response->status == 200 && response->body == body) ok.fetch_add(1);
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), kClients * kRequestsEach);
}

TEST_F(HttpTransportTest, HoldsTwoHundredDeferredResponsesWithFourWorkers) {
  HttpServerOptions options;
  options.worker_threads = 4;
  StartServer(options);
  constexpr size_t kClients = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (size_t c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      auto response = Send("GET", "/poll");
      if (response.ok() && response->status == 200) ok.fetch_add(1);
    });
  }

  std::vector<api::Responder> parked = handler_.TakeParked(kClients);
  ASSERT_EQ(parked.size(), kClients);  // all 200 waiting at once: no worker is held by a poll
  std::thread answerer([&] {
    for (auto& respond : parked) respond(TestHandler::Text(200, "event"));
  });
  answerer.join();
  for (auto& client : clients) client.join();

  EXPECT_EQ(ok.load(), static_cast<int>(kClients));
}

TEST_F(HttpTransportTest, AcceptsBodyExactlyAtTheLimit) {
  StartServer();  // default limit: 10 MiB; curl sends "Expect: 100-continue" for such bodies
  const std::string body(HttpServerOptions{}.max_body_bytes, 'x');

  auto response = Send("POST", "/echo", body);

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), body.size());
}

TEST_F(HttpTransportTest, RejectsBodyOneByteOverTheLimitWithoutCallingHandle) {
  StartServer();
  const size_t limit = HttpServerOptions{}.max_body_bytes;

  auto response = Send("POST", "/echo?big", std::string(limit + 1, 'x'));

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body,
            "request body exceeds the limit of " + std::to_string(limit) + " bytes");
  EXPECT_EQ(Header(*response, "connection"), "close");
  EXPECT_EQ(handler_.handled(), 0);
  const auto rejected = handler_.rejected();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].error.code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(rejected[0].method, "POST");  // the head is passed along
  EXPECT_EQ(rejected[0].target, "/echo?big");
}

TEST_F(HttpTransportTest, RejectsOversizedBodySentWithoutWaitingAndCloses) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" +
                       std::string(200000, 'x')));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(raw.WaitForClose());
  EXPECT_EQ(handler_.handled(), 0);
}

TEST_F(HttpTransportTest, ReassemblesChunkedRequestBody) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(
      raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello world");
}

TEST_F(HttpTransportTest, RejectsChunkedBodyGrowingPastTheLimit) {
  HttpServerOptions options;
  options.max_body_bytes = 16;
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(
      raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "a\r\n0123456789\r\na\r\n0123456789\r\n"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, "request body exceeds the limit of 16 bytes");
  EXPECT_TRUE(raw.WaitForClose());
  EXPECT_EQ(handler_.handled(), 0);
}

TEST_F(HttpTransportTest, AnswersExpectContinueBeforeTheBodyIsSent) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = raw.ReadResponse();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(raw.Send("hello"));
  auto response = raw.ReadResponse();

  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST_F(HttpTransportTest, RejectsMalformedRequestLineAndCloses) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send("THIS IS NOT HTTP\r\n\r\n"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr("malformed HTTP request"));
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(raw.WaitForClose());
  EXPECT_EQ(handler_.handled(), 0);
  ASSERT_EQ(handler_.rejected().size(), 1u);
  EXPECT_EQ(handler_.rejected()[0].error.code, ErrorCode::kInvalidArgument);
}

TEST_F(HttpTransportTest, RejectsHeaderOverTheLimitAndCloses) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(
      raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'y') + "\r\n\r\n"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, "request header exceeds the limit of 1024 bytes");
  EXPECT_TRUE(raw.WaitForClose());
  EXPECT_EQ(handler_.handled(), 0);
}

TEST_F(HttpTransportTest, DeliversDeferredResponseFromAnotherThreadWhileOthersProceed) {
  StartServer();
  std::optional<Result<HttpClientResponse>> polled;
  std::thread poller([&] { polled = Send("GET", "/poll?wait=1"); });
  std::vector<api::Responder> parked = handler_.TakeParked(1);
  ASSERT_EQ(parked.size(), 1u);

  for (int i = 0; i < 20; ++i) {  // other connections are not held up by the parked poll
    auto response = Send("POST", "/echo", "meanwhile");
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->body, "meanwhile");
  }
  std::thread answerer([respond = parked[0]] { respond(TestHandler::Text(200, "the event")); });
  answerer.join();
  poller.join();

  ASSERT_TRUE(polled.has_value());
  ASSERT_TRUE(polled->ok()) << polled->error().message;
  EXPECT_EQ((*polled)->status, 200);
  EXPECT_EQ((*polled)->body, "the event");
}

TEST_F(HttpTransportTest, WritesPipelinedResponsesInRequestOrder) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(
      raw.Send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n"
               "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond"));
  std::vector<api::Responder> parked = handler_.TakeParked(1);
  ASSERT_EQ(parked.size(), 1u);
  std::thread answerer([respond = parked[0]] { respond(TestHandler::Text(200, "first")); });
  answerer.join();

  auto first = raw.ReadResponse();
  auto second = raw.ReadResponse();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->body, "first");
  EXPECT_EQ(second->body, "second");
}

TEST_F(HttpTransportTest, ClosesHttp10ConnectionAfterTheResponse) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.0\r\n\r\n"));

  auto response = raw.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(raw.WaitForClose());
}

TEST_F(HttpTransportTest, BindsAHostName) {
  HttpServerOptions options;
  options.address = "localhost";
  StartServer(options);

  auto response = Send("GET", "/echo");

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpTransportTest, StartFailsWhenThePortIsTaken) {
  StartServer();
  HttpServerOptions options;
  options.port = server_->port();
  auto second = HttpServer::Create(options, handler_);
  ASSERT_TRUE(second.ok());

  const Status started = (*second)->Start();

  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.code(), ErrorCode::kUnavailable);
}

TEST_F(HttpTransportTest, StopLetsAnInFlightRequestFinish) {
  StartServer();
  std::optional<Result<HttpClientResponse>> slow;
  std::thread client([&] { slow = Send("GET", "/slow"); });
  ASSERT_TRUE(handler_.WaitForSlowEntered());

  const uint16_t port = server_->port();
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop();
    stopped = true;
  });
  // Stop() has begun once the listener is closed.
  const auto give_up = std::chrono::steady_clock::now() + kWait;
  while (RawConnection(port).connected() && std::chrono::steady_clock::now() < give_up) {
  }
  EXPECT_FALSE(stopped.load());  // it waits for the request being handled
  handler_.ReleaseSlow();
  client.join();
  stopper.join();

  ASSERT_TRUE(slow.has_value());
  ASSERT_TRUE(slow->ok()) << slow->error().message;
  EXPECT_EQ((*slow)->status, 200);
  EXPECT_EQ((*slow)->body, "slow done");
  auto after = Send("GET", "/echo");  // no longer listening
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kUnavailable);
}

TEST_F(HttpTransportTest, StopClosesIdleKeepAliveConnectionsAtOnce) {
  HttpServerOptions options;
  options.stop_deadline = std::chrono::seconds(60);
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(raw.ReadResponse().has_value());

  const auto start = std::chrono::steady_clock::now();
  server_->Stop();

  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_TRUE(raw.WaitForClose());
}

TEST_F(HttpTransportTest, StopIsIdempotent) {
  StartServer();
  ASSERT_TRUE(Send("GET", "/echo").ok());

  server_->Stop();
  server_->Stop();
  server_.reset();  // the destructor stops a third time
}

TEST_F(HttpTransportTest, StopBeforeStartAndStartAfterStop) {
  auto server = HttpServer::Create(HttpServerOptions{}, handler_);
  ASSERT_TRUE(server.ok());
  (*server)->Stop();
  const Status started = (*server)->Start();
  EXPECT_FALSE(started.ok());
  EXPECT_EQ((*server)->port(), 0);
}

TEST_F(HttpTransportTest, StopDropsResponsesThatArriveAfterTheDeadline) {
  HttpServerOptions options;
  options.stop_deadline = std::chrono::seconds(0);
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::vector<api::Responder> parked = handler_.TakeParked(1);
  ASSERT_EQ(parked.size(), 1u);

  server_->Stop();
  EXPECT_TRUE(raw.WaitForClose());
  parked[0](TestHandler::Text(200, "too late"));  // after Stop(): dropped
  server_.reset();
  parked[0](TestHandler::Text(200, "later still"));  // after destruction: dropped
}

TEST_F(HttpTransportTest, DropsResponseForAClientThatDisconnected) {
  StartServer();
  {
    RawConnection raw(server_->port());
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(raw.Send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::vector<api::Responder> parked = handler_.TakeParked(1);
    ASSERT_EQ(parked.size(), 1u);
    raw.Close();
    std::thread answerer([respond = parked[0]] { respond(TestHandler::Text(200, "nobody")); });
    answerer.join();
  }

  auto response = Send("GET", "/echo");  // the server carries on
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpTransportTest, AnswersThroughRejectedWhenTheHandlerDropsTheResponder) {
  StartServer();

  auto dropped = Send("GET", "/drop");
  auto next = Send("GET", "/echo");

  ASSERT_TRUE(dropped.ok()) << dropped.error().message;
  EXPECT_EQ(dropped->status, 500);
  EXPECT_EQ(dropped->body, "no response");
  ASSERT_TRUE(next.ok());
  // The connection stayed usable: the next request came over the same one.
  EXPECT_EQ(Header(*dropped, "connection"), "<absent>");
  const auto rejected = handler_.rejected();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].error.code, ErrorCode::kInternal);
  EXPECT_EQ(rejected[0].target, "/drop");
}

TEST_F(HttpTransportTest, AnswersThroughRejectedWhenTheHandlerThrows) {
  StartServer();

  auto response = Send("GET", "/throw");

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 500);
  EXPECT_TRUE(WaitForLog("handler threw: handler failure"));
}

TEST_F(HttpTransportTest, ClosesIdleConnectionAfterTheIdleTimeout) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(raw.ReadResponse().has_value());

  EXPECT_TRUE(raw.WaitForClose());  // no further request: closed after about a second
}

TEST_F(HttpTransportTest, DoesNotTimeOutARequestWaitingForItsResponse) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  StartServer(options);
  std::optional<Result<HttpClientResponse>> polled;
  std::thread poller([&] { polled = Send("GET", "/poll"); });
  std::vector<api::Responder> parked = handler_.TakeParked(1);
  ASSERT_EQ(parked.size(), 1u);

  // Outlast the idle timeout by waiting for an unrelated idle connection to be closed by it.
  RawConnection idle(server_->port());
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.WaitForClose());
  parked[0](TestHandler::Text(200, "still here"));
  poller.join();

  ASSERT_TRUE(polled.has_value());
  ASSERT_TRUE(polled->ok()) << polled->error().message;
  EXPECT_EQ((*polled)->body, "still here");
}

TEST_F(HttpTransportTest, ClientTimeoutIsUnavailable) {
  StartServer();

  auto response = Send("GET", "/poll", "", std::chrono::milliseconds(200));

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(response.error().message, HasSubstr("/poll"));
  std::vector<api::Responder> parked = handler_.TakeParked(1);  // let Stop() finish at once
  ASSERT_EQ(parked.size(), 1u);
  parked[0](TestHandler::Text(200, "late"));
}

TEST_F(HttpTransportTest, ConnectionRefusedIsUnavailable) {
  // A bound socket that never listens: connecting to its port is refused, and no other process
  // can take the port meanwhile.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t size = sizeof(address);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  HttpClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/";

  auto response = client_->Send(request);
  ::close(fd);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(response.error().message, HasSubstr("Failed to connect"));
}

TEST_F(HttpTransportTest, MalformedOrNonHttpUrlIsInvalidArgument) {
  for (const std::string url : {"http://[::1/", "ftp://127.0.0.1/file", ""}) {
    HttpClientRequest request;
    request.url = url;
    auto response = client_->Send(request);
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument) << url;
  }
}

TEST_F(HttpTransportTest, ClientRefusesHeaderWithLineBreak) {
  StartServer();
  HttpClientRequest request;
  request.url = Url("/echo");
  request.headers = {{"X-Evil", "a\r\nX-Injected: 1"}};

  auto response = client_->Send(request);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace pop
