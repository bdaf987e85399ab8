// Insight selection of spec §7: which of the customer's pool's insights an agenda goes to.
// Pure: the caller loads the candidates (insights of the customer's pool that the customer may
// read, in storage order).
#pragma once

#include <optional>
#include <vector>

#include "core/model/agenda.h"
#include "core/model/insight.h"

namespace pop {

// Index into `candidates` of the chosen insight, or nullopt when none matches.
// Mappers of different kinds are ORed; an insight without mappers never matches. When
// `agenda.params.defaultInsight` names (case-insensitively) the title or id of a matching insight
// it wins; otherwise the first matching insight does.
std::optional<size_t> SelectInsight(const Agenda& agenda, const std::vector<Insight>& candidates);

}  // namespace pop
