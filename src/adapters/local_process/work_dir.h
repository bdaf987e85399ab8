// WorkDir: a handler's own working directory (its HOME), a fresh directory under the launcher's
// work root named by the launcher alone (never by payload text), removed with everything in it
// when the WorkDir is destroyed unless it is kept. Thread-compatible.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/base/result.h"

namespace pop::local_process {

class WorkDir {
 public:
  // The root's subdirectories the work directories are spread over, <root>/0 .. <root>/7: each
  // mkdir and rmdir takes its parent directory's lock, so with one parent every handler start
  // and end waited for the others' (W4, BENCHMARKS.md issue 15).
  static constexpr unsigned kShards = 8;

  // Creates the root (0700) and its shards if they are missing. Errors: kUnavailable naming the
  // directory.
  [[nodiscard]] static Status PrepareRoot(const std::filesystem::path& root);
  // A new directory <root>/<shard>/op-XXXXXX, mode 0700, in the calling thread's shard (made
  // again if it was removed). Errors: kUnavailable naming the root.
  [[nodiscard]] static Result<std::unique_ptr<WorkDir>> Create(const std::filesystem::path& root,
                                                               bool keep);
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  WorkDir(std::string path, bool keep) : path_(std::move(path)), keep_(keep) {}

  const std::string path_;
  const bool keep_;
};

}  // namespace pop::local_process
