// IdGenerator: random identifiers for new objects (UUIDv4 text, spec §2.1) and secrets.
// Implementations: RandomIdGenerator (adapters/system), SequentialIdGenerator (tests/fakes).
// Thread-safe.
#pragma once

#include <string>

namespace pop {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex.
  virtual std::string NewId() = 0;
  // `bytes` random bytes as lower-case hex, from a cryptographically secure source.
  virtual std::string NewSecret(size_t bytes) = 0;
};

}  // namespace pop
