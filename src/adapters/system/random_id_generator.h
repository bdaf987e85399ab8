// RandomIdGenerator: UUIDv7 ids (time-ordered, 74 random bits) and secrets from the kernel's
// CSPRNG (getrandom). Thread-safe.
#pragma once

#include "ports/id_generator.h"

namespace pop {

class RandomIdGenerator final : public IdGenerator {
 public:
  std::string NewId() override;
  std::string NewSecret(size_t bytes) override;
};

}  // namespace pop
