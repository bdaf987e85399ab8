// AgendaTemplate (spec §3.3): an Agenda skeleton with references, instantiated by the run
// service with a payload.
#pragma once

#include <optional>

#include "core/model/agenda.h"
#include "core/model/common.h"

namespace pop {

struct AgendaTemplate : EndpointObject {
  std::optional<AllowedCustomerIds> allowed_customer_ids;
  std::optional<bool> is_global;
  std::optional<ParamsMap> static_parameters;
  std::optional<ParamsMap> params;
  std::optional<Agenda> agenda;
  std::optional<bool> is_default_template;
};

}  // namespace pop
