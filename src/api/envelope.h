// Response bodies of spec §4.5: the DataObjectResponse envelope ({all, count, cid, error}) and
// the errorResponse block shared by every response. Never carries a stack trace.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "core/base/error.h"
#include "core/json/json.h"

namespace pop::api {

struct ResponseIds {
  std::optional<std::string> cid;  // echoed X-pop-cid (omitted when the request had none)
  std::string correlation_id;      // cid or a generated id
};

// {"all": items, "count": count, "cid": ..., "error": false}
HttpResponse DataResponse(JsonArray items, int64_t count, const ResponseIds& ids);
// A service response: `fields` plus "cid" and "error": false.
HttpResponse ServiceResponse(JsonObject fields, const ResponseIds& ids);
// A service error: `fields` plus "cid", "error": true and "errorResponse", with the HTTP status
// that errorResponse.responseCode names.
HttpResponse ServiceErrorResponse(const Error& error, const ResponseIds& ids,
                                  JsonObject fields = {});
// {"all": [], "count": 0, "error": true, "cid": ..., "errorResponse": {...}} with the HTTP
// status that errorResponse.responseCode names.
HttpResponse ErrorResponse(const Error& error, const ResponseIds& ids);

// The errorResponse object alone.
Json ErrorResponseObject(const Error& error, const ResponseIds& ids);

// CORS and content-type headers of spec §4.5, on every response.
void AddStandardHeaders(HttpResponse& response);

// `body` as JSON text with the standard headers and `status`.
HttpResponse JsonResponse(int status, const Json& body);

// A known route asked with a verb it does not answer: no body, `Allow: <allow>`.
HttpResponse MethodNotAllowed(const char* allow);

}  // namespace pop::api
