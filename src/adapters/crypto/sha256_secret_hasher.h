// Sha256SecretHasher: SHA-256 of a token secret. Secrets are 32 random bytes, so a fast hash is
// enough (no password stretching needed). Thread-safe.
#pragma once

#include "ports/secret_hasher.h"

namespace pop {

class Sha256SecretHasher final : public SecretHasher {
 public:
  std::string Hash(std::string_view secret) const override;
};

}  // namespace pop
