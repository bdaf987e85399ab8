// Fuzzes the service routes' request bodies (api/service_requests.h): any text parsed as a
// service body and then as every route's request either succeeds or fails with
// kInvalidArgument (kValidation for a rerun without a body) and a message; a field error names
// its field. Also: parsing the same body twice gives the same answer (no hidden state).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/service_requests.h"
#include "core/base/check.h"

namespace {

constexpr size_t kMaxJsonDepth = 128;  // the server's default (api/data_routes.h)

template <typename T>
void CheckParsed(const pop::Result<T>& parsed) {
  if (parsed.ok()) return;
  const pop::Error& error = parsed.error();
  POP_CHECK(error.code == pop::ErrorCode::kInvalidArgument ||
            error.code == pop::ErrorCode::kValidation)
      << error.message;
  POP_CHECK(!error.message.empty());
  // The field named first is not empty (a field's own name may contain anything, "field ''"
  // included).
  POP_CHECK(error.message.rfind("Invalid value for field ''", 0) != 0) << error.message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pop::Result<pop::Json> body = pop::api::ParseServiceBody(text, kMaxJsonDepth);
  if (!body.ok()) {
    POP_CHECK(body.error().code == pop::ErrorCode::kInvalidArgument);
    POP_CHECK(!body.error().message.empty());
    return 0;
  }
  POP_CHECK(body->is_null() || body->is_object());
  CheckParsed(pop::api::ParseRunTemplateRequest(*body));
  CheckParsed(pop::api::ParseRerunRequest(*body));
  CheckParsed(pop::api::ParseCancelRequest(*body));
  CheckParsed(pop::api::ParseProgressSummaryRequest(*body));
  CheckParsed(pop::api::ParseGetAgendaRequest(*body));
  CheckParsed(pop::api::ParseCreateAgendaRequest(*body));
  CheckParsed(pop::api::ParseUpdateAgendaProgressRequest(*body));
  CheckParsed(pop::api::ParseUpdateAgendaRequest(*body));
  CheckParsed(pop::api::ParseAppendOperationLogRequest(*body));
  auto first = pop::api::ParseCreateAgendaRequest(*body);
  auto second = pop::api::ParseCreateAgendaRequest(*body);
  POP_CHECK(first.ok() == second.ok());
  if (first.ok()) POP_CHECK(first->size() == second->size());
  return 0;
}
