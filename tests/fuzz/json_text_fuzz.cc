// Fuzzes the JSON text codec: whatever ParseJson accepts must print (ToJsonText) to text that
// parses back to an equal value and prints identically again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/codec/json_text.h"
#include "core/json/json.h"

namespace {

void Require(bool condition, const char* what, const std::string& detail) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  pop::Result<pop::Json> parsed = pop::ParseJson(input);
  if (!parsed.ok()) return 0;
  const std::string printed = pop::ToJsonText(*parsed);
  pop::Result<pop::Json> reparsed = pop::ParseJson(printed);
  Require(reparsed.ok(), "printed text parses", printed);
  Require(*reparsed == *parsed, "parse -> print -> parse gives an equal value", printed);
  Require(pop::ToJsonText(*reparsed) == printed, "printing is stable", printed);
  return 0;
}
