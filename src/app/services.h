// Services: the ports every use case needs, passed by reference. Built once by bin/pop (the
// composition root); outlives every use case object. Thread-safe because each port is.
#pragma once

#include "ports/clock.h"
#include "ports/id_generator.h"
#include "ports/store.h"

namespace pop::app {

struct Services {
  Store& store;
  const Clock& clock;
  IdGenerator& ids;
};

}  // namespace pop::app
