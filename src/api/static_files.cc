#include "api/static_files.h"

#include <cstdint>
#include <cstdio>
#include <utility>

namespace pop::api {
namespace {

constexpr std::string_view kBasePathMarker = "{{POP_BASE_PATH}}";

// FNV-1a 64: stable across builds for the same bytes, which is all an ETag needs.
std::string EtagOf(std::string_view content) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : content) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  char text[24];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return "\"" + std::string(text) + "\"";
}

// `text` safe inside a double-quoted HTML attribute.
std::string HtmlAttribute(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

void AddUiSecurityHeaders(HttpResponse& response) {
  response.SetHeader("Content-Security-Policy",
                     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' "
                     "data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                     "frame-ancestors 'none'");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("X-Frame-Options", "DENY");
  response.SetHeader("Referrer-Policy", "no-referrer");
}

StaticFiles::StaticFiles(std::span<const StaticFile> files, const std::string& base_path) {
  for (const StaticFile& file : files) {
    Entry entry;
    entry.content = std::string(file.content);
    if (file.path == "index.html") {
      for (size_t at = entry.content.find(kBasePathMarker); at != std::string::npos;
           at = entry.content.find(kBasePathMarker, at)) {
        const std::string value = HtmlAttribute(base_path);
        entry.content.replace(at, kBasePathMarker.size(), value);
        at += value.size();
      }
    }
    entry.etag = EtagOf(entry.content);
    entry.content_type = ContentTypeOf(file.path);
    files_.emplace(std::string(file.path), std::move(entry));
  }
}

std::string StaticFiles::ContentTypeOf(std::string_view path) {
  if (EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (EndsWith(path, ".js") || EndsWith(path, ".mjs")) return "text/javascript; charset=utf-8";
  if (EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (EndsWith(path, ".svg")) return "image/svg+xml";
  if (EndsWith(path, ".png")) return "image/png";
  if (EndsWith(path, ".ico")) return "image/x-icon";
  if (EndsWith(path, ".json")) return "application/json";
  if (EndsWith(path, ".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

HttpResponse StaticFiles::Serve(const std::string& path, const HttpRequest& request) const {
  HttpResponse response;
  AddUiSecurityHeaders(response);
  auto found = files_.find(path);
  if (found == files_.end()) {
    response.status = 404;
    response.SetHeader("Content-Type", "text/plain; charset=utf-8");
    response.body = "Not found\n";
    return response;
  }
  const Entry& entry = found->second;
  response.SetHeader("ETag", entry.etag);
  response.SetHeader("Cache-Control", "no-cache");
  if (const std::string* held = request.Header("if-none-match"); held && *held == entry.etag) {
    response.status = 304;
    return response;
  }
  response.SetHeader("Content-Type", entry.content_type);
  response.body = entry.content;
  return response;
}

}  // namespace pop::api
