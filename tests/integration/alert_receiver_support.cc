#include "integration/alert_receiver_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace pop::testing {
namespace {

int BindLoopback(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

AlertReceiver::AlertReceiver(std::function<std::vector<std::string>(const ReceivedRequest&)> check)
    : check_(std::move(check)) {
  listen_fd_ = BindLoopback(port_);
  ::listen(listen_fd_, 16);
  thread_ = std::thread([this] { Serve(); });
}

AlertReceiver::~AlertReceiver() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
}

std::string AlertReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void AlertReceiver::ScriptStatuses(std::deque<int> statuses) {
  std::lock_guard<std::mutex> lock(mu_);
  statuses_ = std::move(statuses);
}

std::vector<ReceivedRequest> AlertReceiver::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<std::string> AlertReceiver::problems() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problems_;
}

void AlertReceiver::Serve() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    Handle(fd);
    ::close(fd);
  }
}

void AlertReceiver::Handle(int fd) {
  std::string data;
  char buffer[4096];
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 5000) <= 0) return;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    data.append(buffer, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      std::string lower = Lower(data.substr(0, header_end));
      size_t at = lower.find("content-length:");
      if (at != std::string::npos)
        content_length = std::strtoul(lower.c_str() + at + 15, nullptr, 10);
    }
    if (data.size() >= header_end + 4 + content_length) break;
  }
  ReceivedRequest request;
  const std::string head = data.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  size_t space = request_line.find(' ');
  request.method = request_line.substr(0, space);
  request.path = request_line.substr(space + 1, request_line.find(' ', space + 1) - space - 1);
  for (size_t at = line_end; at != std::string::npos && at < head.size();) {
    size_t next = head.find("\r\n", at + 2);
    std::string line =
        head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers[Lower(line.substr(0, colon))] = value;
    }
    at = next;
  }
  request.body = data.substr(header_end + 4, content_length);

  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
  int status = 200;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> problems = check_ ? check_(request) : std::vector<std::string>{};
    if (!problems.empty()) {
      status = 400;
      problems_.insert(problems_.end(), problems.begin(), problems.end());
    } else if (!statuses_.empty()) {
      status = statuses_.front();
      statuses_.pop_front();
    }
    requests_.push_back(std::move(request));
  }
  const std::string response =
      "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
}

uint16_t ClosedPort() {
  uint16_t port = 0;
  int fd = BindLoopback(port);
  ::close(fd);
  return port;
}

}  // namespace pop::testing
