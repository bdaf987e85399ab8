// SequentialIdGenerator: predictable ids ("id-1", "id-2", ...) and secrets for tests.
// Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "ports/id_generator.h"

namespace pop::testing {

class SequentialIdGenerator final : public IdGenerator {
 public:
  std::string NewId() override { return "id-" + std::to_string(++next_); }
  std::string NewSecret(size_t bytes) override {
    std::string secret = "secret" + std::to_string(++next_);
    secret.resize(bytes * 2, '0');
    return secret;
  }

 private:
  std::atomic<int> next_{0};
};

}  // namespace pop::testing
