// DataObjectService: the generic CRUD semantics of spec §4.6-§4.7 and §5 for the seven data
// routes (create, sparse-merge update, delete, query), with each kind's defaults, validation
// and side effects. Agenda creation is delegated to SubmitAgenda. Every change is one store
// transaction. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/request_context.h"
#include "app/services.h"
#include "app/submit_agenda.h"
#include "core/base/result.h"
#include "core/model/data_object.h"

namespace pop::app {

struct ObjectGet {
  ObjectKind kind = ObjectKind::kAgenda;
  std::optional<std::string> id;
  std::vector<FieldEquals> equals;  // from by<field> query parameters
  size_t limit = 100;
  bool newest_first = false;               // byorder=newest
  std::optional<Timestamp> updated_since;  // bysince=<epoch ms>
  bool count_only = false;
  bool include_operation_progress = true;  // AgendaProgress: assemble `operationProgress`
};

struct ObjectGetResult {
  std::vector<DataObject> objects;
  int64_t count = 0;  // objects.size(), or the match count for count_only
};

class DataObjectService {
 public:
  // `changes` learns of every committed change the scheduler cares about.
  DataObjectService(Services services, ChangeFeed& changes);

  // Visibility-filtered read. Invisible objects simply do not appear.
  [[nodiscard]] Result<ObjectGetResult> Get(const ObjectGet& request, const RequestContext& ctx);

  // POST. Returns the object as created (submitted fields plus defaults, id and times).
  // `idempotency_key` applies to agendas only.
  [[nodiscard]] Result<DataObject> Create(DataObject object, const RequestContext& ctx,
                                          const std::optional<std::string>& idempotency_key);

  // POST of a JSON array of agendas: SubmitAgenda::RunBatch, errors naming the element.
  [[nodiscard]] Result<std::vector<Agenda>> CreateAgendas(
      std::vector<Agenda> agendas, const RequestContext& ctx,
      const std::optional<std::string>& idempotency_key);

  // PUT: `patch` is sparse-merged onto the stored object with id `id`. Returns the stored result.
  [[nodiscard]] Result<DataObject> Update(const std::string& id, DataObject patch,
                                          const RequestContext& ctx);

  // DELETE. Returns the deleted object, or nullopt when there was none.
  [[nodiscard]] Result<std::optional<DataObject>> Delete(ObjectKind kind, const std::string& id,
                                                         const RequestContext& ctx);

 private:
  Services services_;
  ChangeFeed& changes_;
  SubmitAgenda submit_agenda_;
};

}  // namespace pop::app
