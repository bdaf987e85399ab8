// Fuzzes the object codec: any JSON text decoded as each data object either fails with
// kInvalidArgument or yields an object whose encoding decodes back to the same encoding. An array
// is also read as a bulk submission: each element decoded with DecodeObjectAt, whose errors name
// the element ("[3]" or "[3].operations[0].name").
#include <cstddef>
#include <cstdint>
#include <string>
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
  if (parsed->is_array()) {
    const pop::JsonArray& elements = parsed->AsArray();
    for (size_t index = 0; index < elements.size(); ++index) {
      pop::Result<pop::DataObject> element =
          pop::DecodeObjectAt(pop::ObjectKind::kAgenda, elements[index], index);
      if (!element.ok()) {
        POP_CHECK(element.error().code == pop::ErrorCode::kInvalidArgument);
        const std::string named = "'[" + std::to_string(index) + "]";
        POP_CHECK(element.error().message.find(named) != std::string::npos)
            << element.error().message;
        continue;
      }
      pop::Result<pop::DataObject> alone =
          pop::DecodeObject(pop::ObjectKind::kAgenda, elements[index]);
      POP_CHECK(alone.ok()) << alone.error().message;
      POP_CHECK(pop::ToJsonText(pop::EncodeObject(*alone)) ==
                pop::ToJsonText(pop::EncodeObject(*element)));
    }
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
