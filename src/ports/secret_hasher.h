// SecretHasher: one-way hash of API token secrets, so the store never holds a usable secret.
// Implementation: Sha256SecretHasher (adapters/crypto). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace pop {

class SecretHasher {
 public:
  virtual ~SecretHasher() = default;
  // Lower-case hex digest.
  virtual std::string Hash(std::string_view secret) const = 0;
};

}  // namespace pop
