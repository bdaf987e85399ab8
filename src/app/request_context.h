// RequestContext: who asks, and the correlation ids of one request, as every use case needs them.
#pragma once

#include <optional>
#include <string>

#include "core/access/auth_context.h"

namespace pop::app {

struct RequestContext {
  AuthContext auth;
  std::optional<std::string> cid;  // X-pop-cid as sent (echoed in responses)
  std::string correlation_id;      // cid, or a generated id when none was sent
};

}  // namespace pop::app
