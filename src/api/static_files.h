// StaticFiles: the web UI's files (web/, compiled into the binary by
// cmake/embed_web_files.cmake) as HTTP answers: the content type of each file's extension, a
// strong ETag (304 when If-None-Match names it), `Cache-Control: no-cache` (the browser keeps a
// copy and revalidates it, so a new binary's UI is seen at once) and a strict
// Content-Security-Policy (scripts, styles and connections from this server only; no inline
// script or style). Design: docs/ui.md. Immutable after construction; thread-safe.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "api/http_types.h"

namespace pop::api {

// One file: its path under web/ ("index.html", "assets/app.js") and its bytes.
struct StaticFile {
  std::string_view path;
  std::string_view content;
};

// Every file under web/, as compiled in (generated source: web_assets.cc).
std::span<const StaticFile> EmbeddedWebFiles();

class StaticFiles {
 public:
  // `base_path` (the API's, e.g. "/pop") replaces "{{POP_BASE_PATH}}" in index.html, so the UI
  // calls the API where this server serves it.
  StaticFiles(std::span<const StaticFile> files, const std::string& base_path);

  // GET or HEAD of `path` (relative to web/): the file, 304 when `request` already holds it,
  // 404 when there is no such file.
  HttpResponse Serve(const std::string& path, const HttpRequest& request) const;

  // The content type served for `path`, by its extension.
  static std::string ContentTypeOf(std::string_view path);

 private:
  struct Entry {
    std::string content;
    std::string etag;
    std::string content_type;
  };
  std::map<std::string, Entry, std::less<>> files_;
};

// The headers every UI page and file carries (also the 404 of an unknown /ui path).
void AddUiSecurityHeaders(HttpResponse& response);

}  // namespace pop::api
