#include "app/store_probe.h"

namespace pop::app {

bool StoreReadable(Store& store) {
  return store
      .Read([](StoreReader& reader) -> Status {
        POP_ASSIGN_OR_RETURN(int64_t tokens, reader.CountTokens());
        (void)tokens;
        return Status::Ok();
      })
      .ok();
}

}  // namespace pop::app
