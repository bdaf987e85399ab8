// The namespace of a customer's pods when a puller runs with --namespace-per-customer: the
// puller's namespace as a prefix, a dash and the customer id as a DNS label (RFC 1123: at most
// 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit). Pure.
#pragma once

#include <string>
#include <string_view>

#include "core/base/result.h"

namespace pop {

// `<prefix>-<customer>`: the customer id lower-cased, each character outside a-z, 0-9 and '-'
// replaced by '-', leading and trailing dashes dropped. When that changed the id in any way
// (beyond lower-casing: "ACME" and "acme" are one customer) or the name would be longer than 63
// characters, a dash and 8 hex digits of a hash of the id follow (what is kept of the id is cut
// to fit), so that two ids never share a namespace by their spelling: "acme" → "pop-acme",
// "acme_eu" → "pop-acme-eu-1a2b3c4d". Errors (kInvalidArgument): an empty customer id; a prefix
// that is not a DNS label of at most 40 characters.
[[nodiscard]] Result<std::string> CustomerNamespace(std::string_view prefix,
                                                    std::string_view customer_id);

}  // namespace pop
