// How a payload travels into a handler's environment (spec §15.3): as PAYLOAD when it is small,
// otherwise zlib-deflated, Base64-encoded and split over POP_COMPRESSED_PAYLOAD_0, _1, ...
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"

namespace pop::local_process {

// Payloads up to this many bytes go in PAYLOAD as they are.
inline constexpr size_t kMaxPlainPayloadBytes = 100'000;
// Characters per POP_COMPRESSED_PAYLOAD_<i> segment.
inline constexpr size_t kCompressedSegmentChars = 100'000;
// The Base64 text of a compressed payload may not exceed this (the kernel limits the size of an
// environment, and a handler's environment is not the place for bulk data).
inline constexpr size_t kMaxCompressedPayloadChars = 1 << 20;

// The variables that carry `payload`: {PAYLOAD, POP_PAYLOAD_TYPE=envVar} or
// {POP_COMPRESSED_PAYLOAD_0.., POP_PAYLOAD_TYPE=compressedEnvVar}. Errors: kInvalidArgument
// "payload of operation <name> is <N> bytes; too large to pass in the environment" when the
// compressed form exceeds kMaxCompressedPayloadChars; kInternal when zlib fails.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> PayloadEnvironment(
    std::string_view payload, const std::string& operation_name);

// The reader's side of the compressed form: Base64 text (the segments concatenated) to the
// payload. Errors: kInvalidArgument when the text is not Base64 or not a zlib stream.
[[nodiscard]] Result<std::string> DecodeCompressedPayload(std::string_view base64_text);

}  // namespace pop::local_process
