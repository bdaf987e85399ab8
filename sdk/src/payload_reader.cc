#include "pop_sdk/payload_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <utility>

#include "core/base/base64.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::sdk {
namespace {

constexpr char kPayloadFileFlag[] = "payloadFile";
constexpr char kLastProgressFileFlag[] = "lastProgressFile";

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Result<std::string> ReadFile(const std::string& what, const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot read " + what + " " + path + ": " + std::strerror(errno));
  }
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      std::string message = what;
      message += " " + path + " is larger than " + std::to_string(max_bytes) + " bytes";
      return Error(ErrorCode::kInvalidArgument, std::move(message));
    }
  }
  if (in.bad()) {
    return Error(ErrorCode::kInvalidArgument, "cannot read " + what + " " + path);
  }
  return text;
}

// Concatenates POP_COMPRESSED_PAYLOAD_0, _1, ... up to the first missing index.
Result<std::string> CompressedSegments(const HandlerEnvironment& env) {
  std::string text;
  for (size_t index = 0;; ++index) {
    std::string name = kCompressedPayloadVarPrefix + std::to_string(index);
    std::optional<std::string> segment = env.Variable(name);
    if (!segment.has_value()) {
      if (index == 0) {
        return Error(ErrorCode::kInvalidArgument, name + " is not set");
      }
      return text;
    }
    text += *segment;
  }
}

}  // namespace

Result<std::string> InflateBase64Payload(std::string_view base64_text, size_t max_bytes) {
  std::optional<std::string> compressed = Base64Decode(base64_text);
  if (!compressed.has_value()) {
    return Error(ErrorCode::kInvalidArgument, "compressed payload is not valid Base64");
  }
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) {
    return Error(ErrorCode::kInternal, "cannot initialise zlib");
  }
  std::string out;
  char buffer[1 << 16];
  const auto* next = reinterpret_cast<const Bytef*>(compressed->data());
  size_t left = compressed->size();
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (stream.avail_in == 0 && left > 0) {
      // zlib counts input in uInt; feed very large inputs in pieces.
      const auto piece = static_cast<uInt>(std::min<size_t>(left, UINT_MAX));
      stream.next_in = const_cast<Bytef*>(next);  // zlib does not write its input
      stream.avail_in = piece;
      next += piece;
      left -= piece;
    }
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      return Error(ErrorCode::kInvalidArgument, "compressed payload inflates to more than " +
                                                    std::to_string(max_bytes) + " bytes");
    }
    const bool stalled = rc == Z_BUF_ERROR && stream.avail_in == 0 && left == 0;
    if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || stalled) {
      std::string why = stalled
                            ? "the stream ends early"
                            : (stream.msg != nullptr ? stream.msg : "error " + std::to_string(rc));
      inflateEnd(&stream);
      return Error(ErrorCode::kInvalidArgument, "compressed payload is not a zlib stream: " + why);
    }
  }
  inflateEnd(&stream);
  return out;
}

Result<std::string> ReadPayloadText(const HandlerEnvironment& env, size_t max_bytes) {
  if (std::optional<std::string> file = env.Flag(kPayloadFileFlag)) {
    return ReadFile("payload file", *file, max_bytes);
  }
  std::optional<std::string> type = env.Variable(kPayloadTypeVar);
  if (type.has_value() && EqualsIgnoringCase(*type, kPayloadTypeCompressedEnvVar)) {
    POP_ASSIGN_OR_RETURN(std::string base64_text, CompressedSegments(env));
    return InflateBase64Payload(base64_text, max_bytes);
  }
  std::optional<std::string> payload = env.Variable(kPayloadVar);
  if (!payload.has_value()) {
    return Error(ErrorCode::kInvalidArgument, std::string(kPayloadVar) + " is not set");
  }
  return std::move(payload).value();
}

Result<std::optional<OperationProgress>> ReadLastProgress(const HandlerEnvironment& env) {
  std::optional<std::string> text;
  if (std::optional<std::string> file = env.Flag(kLastProgressFileFlag)) {
    POP_ASSIGN_OR_RETURN(text, ReadFile("last progress file", *file, kMaxPayloadBytes));
  } else {
    text = env.Variable(kLastProgressVar);
  }
  if (!text.has_value() || text->find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::optional<OperationProgress>();
  }
  Result<Json> json = ParseJson(*text);
  if (!json.ok()) {
    return Error(ErrorCode::kInvalidArgument, "last progress is not JSON: " + json.error().message);
  }
  Result<OperationProgress> progress = Decode<OperationProgress>(*json);
  if (!progress.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "last progress is not an OperationProgress: " + progress.error().message);
  }
  return std::optional<OperationProgress>(std::move(progress).value());
}

}  // namespace pop::sdk
