// An Agenda decoded from JSON text, for tests that write their Agendas as JSON.
#pragma once

#include <string>

#include "core/base/check.h"
#include "core/codec/object_codec.h"
#include "support/test_data.h"

namespace pop::testing {

// Dies naming the error when `json` is not an Agenda.
inline Agenda AgendaFrom(const std::string& json) {
  auto decoded = Decode<Agenda>(ParseOrDie(json));
  POP_CHECK(decoded.ok()) << decoded.error().message;
  return *decoded;
}

}  // namespace pop::testing
