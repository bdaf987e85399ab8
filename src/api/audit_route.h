// The api side of the audit log (docs/security.md "Audit log"): which calls change state, the
// record of one answered call, and GET /audit, which answers super users only (404 for anyone
// else: a route a caller may not use looks absent). Pure functions over requests and responses.
#pragma once

#include <string>
#include <vector>

#include "api/http_types.h"
#include "api/target.h"
#include "app/audit_log.h"
#include "app/request_context.h"
#include "core/model/audit_record.h"

namespace pop::api {

inline constexpr size_t kMaxAuditListLimit = 10'000;
inline constexpr size_t kMaxAuditedObjectIds = 20;

// True for every call that can change state: POST, PUT and DELETE on the data routes and the
// token route, and every service route but the read-only progressSummary. `relative` is the path
// below the base path.
bool ChangesState(const std::string& method, const std::vector<std::string>& relative);

// The record of a call before it is answered: who, method, route, and the object ids its path,
// query and (service) body name. The time, status and answered ids are added by
// CompleteAuditRecord.
AuditRecord StartAuditRecord(const HttpRequest& request, const Target& target,
                             const app::RequestContext& ctx);
// Adds the status and the ids of the objects the response lists (`all[*].id`).
void CompleteAuditRecord(const HttpResponse& response, AuditRecord& record);
// False for a getAgenda poll answered with no agenda: it claimed nothing, and pullers poll all
// the time.
bool WorthRecording(const AuditRecord& record);

// GET /audit?since=<epoch ms>&byUser=<token id or account>&limit=<n> (default 100, at most
// kMaxAuditListLimit): {"all": [records, newest first], "count": n}.
HttpResponse ListAudit(app::AuditLog& audit, const Target& target, const app::RequestContext& ctx);

}  // namespace pop::api
