#include "integration/raw_http_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace pop::testing {

RawHttpConnection::RawHttpConnection(uint16_t port, std::chrono::seconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}

RawHttpConnection::~RawHttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawHttpConnection::Send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawHttpConnection::ReadMore() {
  char buffer[16384];
  const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (n <= 0) return false;
  pending_.append(buffer, static_cast<size_t>(n));
  return true;
}

std::optional<RawHttpResponse> RawHttpConnection::ReadResponse() {
  std::optional<RawHttpResponse> response = ReadHead();
  if (!response) return std::nullopt;
  const auto length = response->headers.find("content-length");
  const size_t body_size = length == response->headers.end() ? 0 : std::stoul(length->second);
  while (pending_.size() < body_size) {
    if (!ReadMore()) return std::nullopt;
  }
  response->body = pending_.substr(0, body_size);
  pending_.erase(0, body_size);
  return response;
}

std::optional<std::string> RawHttpConnection::ReadUntil(std::string_view marker) {
  size_t at;
  while ((at = pending_.find(marker)) == std::string::npos) {
    if (!ReadMore()) return std::nullopt;
  }
  std::string received = pending_.substr(0, at + marker.size());
  pending_.erase(0, at + marker.size());
  return received;
}

std::optional<RawHttpResponse> RawHttpConnection::ReadHead() {
  size_t header_end;
  while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore()) return std::nullopt;
  }
  const std::string head = pending_.substr(0, header_end);
  pending_.erase(0, header_end + 4);
  size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return std::nullopt;
  RawHttpResponse response;
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
  return response;
}

std::optional<std::string> RawHttpConnection::ReadUntilClose() {
  std::string received = std::move(pending_);
  pending_.clear();
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0) return received;
    if (n < 0) {
      if (errno == ECONNRESET) return received;
      return std::nullopt;
    }
    received.append(buffer, static_cast<size_t>(n));
  }
}

uint16_t PortOf(const std::string& url) {
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos) return 0;
  size_t end = colon + 1;
  while (end < url.size() && std::isdigit(static_cast<unsigned char>(url[end])) != 0) ++end;
  if (end == colon + 1) return 0;
  return static_cast<uint16_t>(std::stoul(url.substr(colon + 1, end - colon - 1)));
}

}  // namespace pop::testing
