// IdGenerator: identifiers for new objects (UUID text, spec §2.1; UUIDv7, see docs/compat.md)
// and secrets.
// Implementations: RandomIdGenerator (adapters/system), SequentialIdGenerator (tests/fakes).
// Thread-safe.
#pragma once

#include <string>

namespace pop {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // "xxxxxxxx-xxxx-Vxxx-yxxx-xxxxxxxxxxxx", lower-case hex (V: the UUID version).
  virtual std::string NewId() = 0;
  // `bytes` random bytes as lower-case hex, from a cryptographically secure source.
  virtual std::string NewSecret(size_t bytes) = 0;
};

}  // namespace pop
