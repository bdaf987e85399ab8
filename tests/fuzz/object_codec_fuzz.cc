// Fuzzes the object codec: any JSON text decoded as each data object either fails with
// kInvalidArgument or yields an object whose encoding decodes back to the same encoding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base/check.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pop::Result<pop::Json> parsed = pop::ParseJson(text);
  if (!parsed.ok()) {
    POP_CHECK(parsed.error().code == pop::ErrorCode::kInvalidArgument);
    return 0;
  }
  for (pop::ObjectKind kind : pop::kAllObjectKinds) {
    pop::Result<pop::DataObject> decoded = pop::DecodeObject(kind, *parsed);
    if (!decoded.ok()) {
      POP_CHECK(decoded.error().code == pop::ErrorCode::kInvalidArgument);
      POP_CHECK(!decoded.error().message.empty());
      continue;
    }
    pop::Json encoded = pop::EncodeObject(*decoded);
    pop::Result<pop::DataObject> again = pop::DecodeObject(kind, encoded);
    POP_CHECK(again.ok()) << again.error().message;
    POP_CHECK(pop::ToJsonText(pop::EncodeObject(*again)) == pop::ToJsonText(encoded));
  }
  return 0;
}
