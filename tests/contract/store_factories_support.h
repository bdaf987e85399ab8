// Store factories for the store contract suite (store_contract_test.cc), one per Store
// implementation, and the per-test temporary directory they keep their data in.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "ports/store.h"

namespace pop::testing {

struct StoreFactory {
  std::string name;  // test-name suffix: letters and digits only
  // Opens the store kept in `temp_dir`. Opening again with the same directory (after the first
  // store was destroyed) must find everything the first one wrote.
  std::function<Result<std::unique_ptr<Store>>(const std::string& temp_dir)> open;
  // Several servers may share the store (PostgreSQL): what only the sole server of a store may
  // do (ReleaseAllClaims) is refused. Each `open` of the same directory is another server.
  bool shared = false;
};

// Every implementation the contract suite runs against: SQLite, and PostgreSQL on the test
// cluster of ctest's `postgres` fixture (tests whose name has "Postgres" in it run under it).
std::vector<StoreFactory> AllStoreFactories();

// Runs `cleanup` when the TempDir at `path` is destroyed, before its files are removed (a store
// keeping data outside the directory, like a PostgreSQL database, drops it there).
void AtTempDirRemoval(const std::string& path, std::function<void()> cleanup);

// For gtest's messages about parameter values.
void PrintTo(const StoreFactory& factory, std::ostream* os);

// A new, empty directory, removed with everything in it on destruction (permissions that a
// test took away are restored first; AtTempDirRemoval's cleanups run before that).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pop::testing
