// StoreReadable: whether one cheap read goes through the store's whole read path (a pooled
// connection, a transaction, a query) right now. GET /healthz and /readyz report it.
// Thread-safe.
#pragma once

#include "ports/store.h"

namespace pop::app {

bool StoreReadable(Store& store);

}  // namespace pop::app
