// Value types shared by the data objects of spec §2-§3: the base fields every endpoint object
// carries, processing states, diagnostic events and the agenda-to-insight link. Plain structs:
// std::nullopt means "absent", which the codec omits on output and sparse merge leaves alone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/json/json.h"

namespace pop {

// Arbitrary JSON object of parameters (spec §2.1 ParamsMap). Always an object when present.
using ParamsMap = Json;

// Base fields of spec §2.2.
struct EndpointObject {
  std::optional<std::string> id;
  std::optional<std::string> cid;
  std::optional<std::string> customer_id;
  std::optional<std::string> title;
  std::optional<Timestamp> added_time;
  std::optional<Timestamp> updated_time;
};

// `allowedCustomerIds`: a set of lower-cased customer ids, kept in first-seen order.
struct AllowedCustomerIds {
  std::vector<std::string> ids;
  bool operator==(const AllowedCustomerIds&) const = default;
};

enum class ProcessingState { kWaiting, kExecuting, kComplete };

const char* ProcessingStateName(ProcessingState state);                      // "WAITING" ...
std::optional<ProcessingState> ParseProcessingState(std::string_view name);  // exact case

// Messages of spec §3.8.
inline constexpr const char kMessagePending[] = "pending";
inline constexpr const char kMessageRunningOperations[] = "Running Operations";
inline constexpr const char kMessageSucceeded[] = "succeeded";
inline constexpr const char kMessageFailed[] = "failed";
// Not in the spec: an Agenda (or operation) a user cancelled (docs/api.md, agenda/service/cancel).
inline constexpr const char kMessageCancelled[] = "cancelled";

// DiagnosticEvent.statusCode of a failure that cannot succeed on a retry (an operation type no
// launcher runs, an invalid reference): the automatic retry (core/progress/retry_rule.h) skips
// an AgendaProgress that holds one. A manual rerun still runs it. A pop addition.
inline constexpr const char kStatusNotRetryable[] = "NOT_RETRYABLE";

struct DiagnosticEvent {
  std::optional<std::string> message;
  std::optional<std::string> status_code;
  std::optional<Timestamp> time;
  std::optional<std::string> stack_trace;
  std::optional<Json> payload;
};

struct AgendaInsight {
  std::optional<std::string> resource_pool_id;
  std::optional<std::string> insight_id;
};

}  // namespace pop
