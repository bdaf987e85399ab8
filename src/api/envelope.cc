#include "api/envelope.h"

#include "api/error_mapping.h"
#include "core/codec/json_text.h"

namespace pop::api {
HttpResponse JsonResponse(int status, const Json& body) {
  HttpResponse response;
  response.status = status;
  response.body = ToJsonText(body);
  AddStandardHeaders(response);
  return response;
}

void AddStandardHeaders(HttpResponse& response) {
  response.SetHeader("Content-Type", "application/json");
  response.SetHeader("Access-Control-Allow-Origin", "*");
  response.SetHeader("Access-Control-Allow-Headers",
                     "X-pop-cid,origin,accept,Content-Type,Authorization,Referer,User-Agent");
  response.SetHeader("Access-Control-Allow-Methods", "GET,OPTIONS");
  response.SetHeader("Access-Control-Allow-Credentials", "true");
  response.SetHeader("Access-Control-Expose-Headers", "Access-Control-Allow-Origin");
}

HttpResponse DataResponse(JsonArray items, int64_t count, const ResponseIds& ids) {
  JsonObject body;
  body.AppendUnchecked("all", Json(std::move(items)));
  body.AppendUnchecked("count", Json(count));
  if (ids.cid) body.AppendUnchecked("cid", Json(*ids.cid));
  body.AppendUnchecked("error", Json(false));
  return JsonResponse(200, Json(std::move(body)));
}

HttpResponse ServiceResponse(JsonObject fields, const ResponseIds& ids) {
  if (ids.cid) fields.Set("cid", Json(*ids.cid));
  fields.Set("error", Json(false));
  return JsonResponse(200, Json(std::move(fields)));
}

Json ErrorResponseObject(const Error& error, const ResponseIds& ids) {
  JsonObject block;
  block.AppendUnchecked("title", Json(ErrorTitleFor(error.code)));
  block.AppendUnchecked("description", Json(ClientMessageFor(error, ids.correlation_id)));
  block.AppendUnchecked("responseCode", Json(HttpStatusFor(error.code)));
  block.AppendUnchecked("correlationId", Json(ids.correlation_id));
  return Json(std::move(block));
}

HttpResponse ServiceErrorResponse(const Error& error, const ResponseIds& ids, JsonObject fields) {
  if (ids.cid) fields.Set("cid", Json(*ids.cid));
  fields.Set("error", Json(true));
  fields.Set("errorResponse", ErrorResponseObject(error, ids));
  HttpResponse response = JsonResponse(HttpStatusFor(error.code), Json(std::move(fields)));
  if (IsServerSideError(error.code)) response.log_detail = error.message;
  return response;
}

HttpResponse ErrorResponse(const Error& error, const ResponseIds& ids) {
  JsonObject body;
  body.AppendUnchecked("all", Json::Array());
  body.AppendUnchecked("count", Json(0));
  if (ids.cid) body.AppendUnchecked("cid", Json(*ids.cid));
  body.AppendUnchecked("error", Json(true));
  body.AppendUnchecked("errorResponse", ErrorResponseObject(error, ids));
  HttpResponse response = JsonResponse(HttpStatusFor(error.code), Json(std::move(body)));
  if (IsServerSideError(error.code)) response.log_detail = error.message;
  if (error.code == ErrorCode::kUnauthenticated) {
    response.SetHeader("WWW-Authenticate", "Bearer realm=\"pop\"");
  }
  return response;
}

HttpResponse MethodNotAllowed(const char* allow) {
  HttpResponse response;
  response.status = HttpStatusFor(ErrorCode::kMethodNotAllowed);
  AddStandardHeaders(response);
  response.SetHeader("Allow", allow);
  return response;
}

}  // namespace pop::api
