#include "adapters/local_process/work_dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <system_error>
#include <thread>
#include <utility>

namespace pop::local_process {
namespace {

Error Unavailable(const std::string& what, const std::string& path, int error) {
  const char* description = strerrordesc_np(error);
  return Error(ErrorCode::kUnavailable,
               "cannot " + what + " " + path + ": " +
                   (description != nullptr ? description : std::to_string(error)));
}

}  // namespace

Status WorkDir::PrepareRoot(const std::filesystem::path& root) {
  std::error_code ec;
  if (!std::filesystem::exists(root, ec)) {
    std::filesystem::create_directories(root, ec);
    if (ec) {
      return Unavailable("create the handlers' work directory", root.string(), ec.value());
    }
    if (chmod(root.c_str(), 0700) != 0) {
      return Unavailable("restrict the handlers' work directory", root.string(), errno);
    }
  }
  // A root that someone else made (in a shared temp dir) could be read or swapped by them.
  struct stat info {};
  if (lstat(root.c_str(), &info) != 0) {
    return Unavailable("use the handlers' work directory", root.string(), errno);
  }
  if (!S_ISDIR(info.st_mode) || info.st_uid != geteuid() || (info.st_mode & 0022) != 0) {
    return Error(ErrorCode::kUnavailable,
                 "cannot use the handlers' work directory " + root.string() +
                     ": it must be a directory of this user that others cannot write");
  }
  for (unsigned shard = 0; shard < kShards; ++shard) {
    const std::filesystem::path dir = root / std::to_string(shard);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Unavailable("create the handlers' work directory", dir.string(), errno);
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<WorkDir>> WorkDir::Create(const std::filesystem::path& root, bool keep) {
  // Threads that launch at the same time mostly land in different shards.
  const size_t shard = std::hash<std::thread::id>{}(std::this_thread::get_id()) % kShards;
  const std::filesystem::path parent = root / std::to_string(shard);
  std::string pattern = (parent / "op-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) {  // mode 0700
    return std::unique_ptr<WorkDir>(new WorkDir(std::move(pattern), keep));
  }
  if (errno == ENOENT && (mkdir(parent.c_str(), 0700) == 0 || errno == EEXIST)) {
    pattern = (parent / "op-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) {
      return std::unique_ptr<WorkDir>(new WorkDir(std::move(pattern), keep));
    }
  }
  return Unavailable("create a handler's work directory in", root.string(), errno);
}

WorkDir::~WorkDir() {
  if (keep_) return;
  // Most handlers leave their directory empty: one rmdir then. remove_all would first list it
  // and try unlink (which fails with EISDIR) before its rmdir, each call taking the shard's
  // directory lock that other handlers' mkdir and rmdir wait on (W4, BENCHMARKS.md issue 15).
  if (rmdir(path_.c_str()) == 0) return;
  std::error_code ignored;  // best effort: a handler may have left unremovable files
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace pop::local_process
