#include "contract/store_factories_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>
#include <utility>

#include "adapters/postgres/postgres_store.h"
#include "adapters/sqlite/sqlite_store.h"
#include "core/base/check.h"
#include "support/postgres_test_cluster.h"

namespace pop::testing {
namespace {

std::mutex cleanup_mu;
std::multimap<std::string, std::function<void()>>& Cleanups() {
  static std::multimap<std::string, std::function<void()>> cleanups;
  return cleanups;
}

// One database per temporary directory of the test cluster: created on the first open, found
// again on reopening, dropped when the directory is removed.
Result<std::unique_ptr<Store>> OpenPostgres(const std::string& temp_dir) {
  const std::string dbname = PostgresDatabaseNameFor(temp_dir);
  POP_ASSIGN_OR_RETURN(bool created, EnsurePostgresDatabase(dbname));
  if (created) {
    AtTempDirRemoval(temp_dir, [dbname] {
      Status dropped = DropPostgresDatabase(dbname);
      EXPECT_TRUE(dropped.ok()) << dropped.message();
    });
  }
  PostgresStoreOptions options;
  POP_ASSIGN_OR_RETURN(options.conninfo, PostgresTestConninfo(dbname));
  options.reader_connections = 4;
  POP_ASSIGN_OR_RETURN(std::unique_ptr<PostgresStore> store, PostgresStore::Open(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace

std::vector<StoreFactory> AllStoreFactories() {
  std::vector<StoreFactory> factories;
  factories.push_back({"Sqlite", [](const std::string& temp_dir) -> Result<std::unique_ptr<Store>> {
                         SqliteStoreOptions options;
                         options.path = temp_dir + "/pop.db";
                         // Only tests open several stores on one file (a server refuses a
                         // second); their writers queue on SQLite's lock, whose busy handler is
                         // not fair, so under a sanitizer on a loaded machine one may wait
                         // through many others' transactions: give it the time.
                         options.busy_timeout = std::chrono::milliseconds(60'000);
                         POP_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
                                              SqliteStore::Open(options));
                         return std::unique_ptr<Store>(std::move(store));
                       }});
  // Always listed, so that ctest registers these cases (under its `postgres` fixture, which
  // starts a cluster); without a cluster they fail, saying how to start one.
  factories.push_back({"Postgres", OpenPostgres, /*shared=*/true});
  return factories;
}

void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

TempDir::TempDir() {
  std::string pattern = ::testing::TempDir() + "pop_store_XXXXXX";
  char* created = mkdtemp(pattern.data());
  POP_CHECK(created != nullptr) << "cannot create a temporary directory from " << pattern;
  path_ = created;
}

void AtTempDirRemoval(const std::string& path, std::function<void()> cleanup) {
  std::lock_guard<std::mutex> lock(cleanup_mu);
  Cleanups().emplace(path, std::move(cleanup));
}

TempDir::~TempDir() {
  std::vector<std::function<void()>> cleanups;
  {
    std::lock_guard<std::mutex> lock(cleanup_mu);
    auto [begin, end] = Cleanups().equal_range(path_);
    for (auto it = begin; it != end; ++it) cleanups.push_back(std::move(it->second));
    Cleanups().erase(begin, end);
  }
  for (const auto& cleanup : cleanups) cleanup();
  namespace fs = std::filesystem;
  std::error_code error;
  // A test may have made the directory read-only; removing its entries needs write access.
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, error);
  fs::remove_all(path_, error);
}

}  // namespace pop::testing
