// Refusing the fields of a request body that the model does not have (`paylod` for
// `payload`): a typo that the original silently dropped becomes a 400 naming the field, unless
// the server runs with --accept-unknown-fields (docs/api.md, "Unknown fields").
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/codec/object_codec.h"

namespace pop::api {

// OK when `unknown` is empty; else kInvalidArgument naming the first unknown field (under
// `prefix`, e.g. "agendaProgress", when the object is nested in a service body), the known field
// it most likely meant, and how many more there are.
[[nodiscard]] Status RefuseUnknownFields(const std::vector<UnknownField>& unknown,
                                         const std::string& object_name,
                                         const std::string& prefix = "");

}  // namespace pop::api
