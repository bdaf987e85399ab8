// Template expansion of spec §8.1 steps 4-5: builds the reference map from a template's static
// parameters and the submitted payload, and replaces references across the whole agenda
// skeleton (customerId, params, linkId and payloads alike). Pure.
#pragma once

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/agenda.h"
#include "core/model/agenda_template.h"

namespace pop {

// Errors: kValidation "Parameter [<name>] is duplicated." when a static parameter is named
// pop.payload or pop.transformRequest; kValidation "Failed to generate Agenda from template:
// [<title>]" when the expanded document is no longer an Agenda (e.g. a reference turned
// `operations` into a string). Unresolvable references are left in place.
[[nodiscard]] Result<Agenda> ExpandTemplate(const AgendaTemplate& agenda_template,
                                            const Json& payload);

}  // namespace pop
