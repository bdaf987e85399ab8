#include "adapters/system/random_id_generator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <regex>
#include <set>
#include <string>

namespace pop {
namespace {

// The 48-bit millisecond time at the front of a UUIDv7.
uint64_t MillisOf(const std::string& id) {
  return std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

uint64_t NowMillis() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

TEST(RandomIdGeneratorTest, IdsAreUuidVersion7WithTheCurrentTimeInFront) {
  RandomIdGenerator ids;
  const std::regex uuid7("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const uint64_t before = NowMillis();
  const std::string id = ids.NewId();
  const uint64_t after = NowMillis();
  EXPECT_TRUE(std::regex_match(id, uuid7)) << id;
  EXPECT_GE(MillisOf(id), before);
  EXPECT_LE(MillisOf(id), after);
}

TEST(RandomIdGeneratorTest, IdsAreDistinctAndSortByCreationMillisecond) {
  RandomIdGenerator ids;
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 10000; ++i) {
    std::string id = ids.NewId();
    if (!previous.empty()) {
      EXPECT_GE(MillisOf(id), MillisOf(previous));
    }
    EXPECT_TRUE(seen.insert(id).second) << "repeated id " << id;
    previous = std::move(id);
  }
}

TEST(RandomIdGeneratorTest, SecretsAreHexOfTheRequestedLength) {
  RandomIdGenerator ids;
  const std::string secret = ids.NewSecret(32);
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_TRUE(std::regex_match(secret, std::regex("[0-9a-f]{64}")));
  EXPECT_NE(secret, ids.NewSecret(32));
}

}  // namespace
}  // namespace pop
