#include "adapters/system/random_id_generator.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
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
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
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
