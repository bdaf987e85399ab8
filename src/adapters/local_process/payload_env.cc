#include "adapters/local_process/payload_env.h"

#include <zlib.h>

#include <algorithm>
#include <optional>

#include "core/base/base64.h"

namespace pop::local_process {
namespace {

// A decoded payload larger than this is refused (a small stream can inflate enormously).
constexpr size_t kMaxDecodedBytes = size_t{256} << 20;

Result<std::string> Deflate(std::string_view data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  // compress2 writes the zlib header and trailer (RFC 1950), as the spec's Deflater does.
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                     reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()),
                     Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) {
    return Error(ErrorCode::kInternal, "zlib compress2 failed with code " + std::to_string(rc));
  }
  out.resize(size);
  return out;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> PayloadEnvironment(
    std::string_view payload, const std::string& operation_name) {
  std::vector<std::pair<std::string, std::string>> env;
  if (payload.size() <= kMaxPlainPayloadBytes) {
    env.emplace_back("PAYLOAD", std::string(payload));
    env.emplace_back("POP_PAYLOAD_TYPE", "envVar");
    return env;
  }
  POP_ASSIGN_OR_RETURN(std::string deflated, Deflate(payload));
  std::string text = Base64Encode(deflated);
  if (text.size() > kMaxCompressedPayloadChars) {
    return Error(ErrorCode::kInvalidArgument, "payload of operation " + operation_name + " is " +
                                                  std::to_string(payload.size()) +
                                                  " bytes; too large to pass in the environment");
  }
  for (size_t offset = 0, index = 0; offset < text.size();
       offset += kCompressedSegmentChars, ++index) {
    env.emplace_back("POP_COMPRESSED_PAYLOAD_" + std::to_string(index),
                     text.substr(offset, kCompressedSegmentChars));
  }
  env.emplace_back("POP_PAYLOAD_TYPE", "compressedEnvVar");
  return env;
}

Result<std::string> DecodeCompressedPayload(std::string_view base64_text) {
  std::optional<std::string> deflated = Base64Decode(base64_text);
  if (!deflated.has_value()) {
    return Error(ErrorCode::kInvalidArgument, "compressed payload is not valid Base64");
  }
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) {
    return Error(ErrorCode::kInternal, "zlib inflateInit failed");
  }
  stream.next_in = reinterpret_cast<Bytef*>(deflated->data());
  stream.avail_in = static_cast<uInt>(deflated->size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    size_t used = out.size();
    out.resize(std::max<size_t>(used * 2, size_t{64} << 10));
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    stream.avail_out = static_cast<uInt>(out.size() - used);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.resize(out.size() - stream.avail_out);
    if (out.size() > kMaxDecodedBytes) {
      rc = Z_MEM_ERROR;
    }
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return Error(ErrorCode::kInvalidArgument, "compressed payload is not a complete zlib stream");
  }
  return out;
}

}  // namespace pop::local_process
