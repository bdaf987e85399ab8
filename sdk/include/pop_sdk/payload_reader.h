// Reading a handler's input (spec §15.3, §16 items 1-2): the payload text from `-payloadFile`,
// PAYLOAD or the compressed segments POP_COMPRESSED_PAYLOAD_0, _1, ..., and the prior progress
// from `-lastProgressFile` or LAST_PROGRESS. RunHandler uses these; a handler that does not use
// RunHandler may call them directly. Pure apart from reading the named files; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/model/operation_progress.h"
#include "pop_sdk/handler_environment.h"

namespace pop::sdk {

// Payloads larger than this (after inflating) are refused, so a hostile compressed payload
// cannot exhaust memory.
inline constexpr size_t kMaxPayloadBytes = size_t{64} << 20;

// The payload's JSON text: the file named by `-payloadFile` when given; else, by
// POP_PAYLOAD_TYPE, PAYLOAD or the inflated compressed segments. Errors: kInvalidArgument with
// what was wrong ("PAYLOAD is not set", "cannot read payload file <path>: <reason>",
// "POP_COMPRESSED_PAYLOAD_0 is not set", "compressed payload is not valid Base64", ...).
[[nodiscard]] Result<std::string> ReadPayloadText(const HandlerEnvironment& env,
                                                  size_t max_bytes = kMaxPayloadBytes);

// Base64 text (standard alphabet, padded) of a zlib stream (with its header) to the bytes it
// holds. Errors: kInvalidArgument when the text is not Base64, not a complete zlib stream, or
// inflates to more than `max_bytes`.
[[nodiscard]] Result<std::string> InflateBase64Payload(std::string_view base64_text,
                                                       size_t max_bytes = kMaxPayloadBytes);

// The prior progress of a rerun, from the file named by `-lastProgressFile` or LAST_PROGRESS;
// nullopt when neither is given (a first attempt). Errors: kInvalidArgument when the text cannot
// be read or is not an OperationProgress.
[[nodiscard]] Result<std::optional<OperationProgress>> ReadLastProgress(
    const HandlerEnvironment& env);

}  // namespace pop::sdk
