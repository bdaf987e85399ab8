// Data objects for the store contract suite: one with every field set, for each ObjectKind, and
// small builders for the fields that queries and visibility look at.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/data_object.h"
#include "ports/store.h"

namespace pop::testing {

// The time `millis` milliseconds after the epoch.
Timestamp At(int64_t millis);

// Every field of the kind set (nested objects too), with id `id` and owner `customer_id`.
DataObject FullSample(ObjectKind kind, const std::string& id, const std::string& customer_id);

Agenda AgendaWith(const std::string& id, const std::string& customer_id);
Insight InsightWith(const std::string& id, const std::string& customer_id);
AgendaProgress AgendaProgressWith(const std::string& id, const std::string& agenda_id);
OperationProgress OperationProgressWith(const std::string& id,
                                        const std::string& agenda_progress_id);

// Stores AgendaWith(id, "acme") in one write.
Status PutAgenda(Store& store, const std::string& id);

// How many Agendas the store holds, all customers.
Result<int64_t> CountAgendas(Store& store);

// The ids of `objects`, in order.
std::vector<std::string> IdsOf(const std::vector<DataObject>& objects);

// The object as the codec writes it: equal text means equal field for field.
std::string TextOf(const DataObject& object);

}  // namespace pop::testing
