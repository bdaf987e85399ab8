#include "core/merge/sparse_merge.h"

#include "core/base/check.h"
#include "core/codec/object_codec.h"

namespace pop {

Json SparseMerge(const Json& stored, const Json& patch) {
  POP_CHECK(stored.is_object() && patch.is_object());
  Json merged = stored;
  for (const auto& [key, value] : patch.AsObject()) {
    if (value.is_null()) continue;
    merged.AsObject().Set(key, value);
  }
  return merged;
}

DataObject SparseMerge(const DataObject& stored, const DataObject& patch) {
  POP_CHECK(stored.index() == patch.index());
  Json merged = SparseMerge(EncodeObject(stored), EncodeObject(patch));
  // Both inputs came out of the codec, so their union decodes.
  Result<DataObject> decoded = DecodeObject(KindOf(stored), merged);
  POP_CHECK(decoded.ok()) << decoded.error().message;
  return std::move(decoded).value();
}

}  // namespace pop
