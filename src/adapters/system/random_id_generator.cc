#include "adapters/system/random_id_generator.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/base/check.h"

namespace pop {
namespace {

void FillRandom(uint8_t* data, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    ssize_t n = getrandom(data + filled, size - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    // getrandom on Linux ≥ 3.17 does not fail for these sizes once the pool is initialised;
    // running without randomness would make ids and tokens guessable, so stop.
    POP_CHECK(n > 0) << "getrandom failed, errno " << errno;
    filled += static_cast<size_t>(n);
  }
}

void AppendHex(const uint8_t* data, size_t size, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
}

}  // namespace

std::string RandomIdGenerator::NewId() {
  std::array<uint8_t, 16> bytes{};
  FillRandom(bytes.data(), bytes.size());
  // UUIDv7 (RFC 9562 §5.7): the first 48 bits are the Unix time in milliseconds, so ids made
  // later sort later and the store's indexes on ids grow at their end instead of touching a
  // random page per row; the remaining 74 bits stay random.
  const auto now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(now_ms >> (8 * (5 - i)));
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x70);  // version 7
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  AppendHex(bytes.data(), 4, out);
  out.push_back('-');
  AppendHex(bytes.data() + 4, 2, out);
  out.push_back('-');
  AppendHex(bytes.data() + 6, 2, out);
  out.push_back('-');
  AppendHex(bytes.data() + 8, 2, out);
  out.push_back('-');
  AppendHex(bytes.data() + 10, 6, out);
  return out;
}

std::string RandomIdGenerator::NewSecret(size_t bytes) {
  std::vector<uint8_t> data(bytes);
  FillRandom(data.data(), data.size());
  std::string out;
  out.reserve(bytes * 2);
  AppendHex(data.data(), data.size(), out);
  return out;
}

}  // namespace pop
