#include "contract/store_factories_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "adapters/sqlite/sqlite_store.h"
#include "core/base/check.h"

namespace pop::testing {

std::vector<StoreFactory> AllStoreFactories() {
  std::vector<StoreFactory> factories;
  factories.push_back({"Sqlite", [](const std::string& temp_dir) -> Result<std::unique_ptr<Store>> {
                         SqliteStoreOptions options;
                         options.path = temp_dir + "/pop.db";
                         POP_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
                                              SqliteStore::Open(options));
                         return std::unique_ptr<Store>(std::move(store));
                       }});
  return factories;
}

void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

TempDir::TempDir() {
  std::string pattern = ::testing::TempDir() + "pop_store_XXXXXX";
  char* created = mkdtemp(pattern.data());
  POP_CHECK(created != nullptr) << "cannot create a temporary directory from " << pattern;
  path_ = created;
}

TempDir::~TempDir() {
  namespace fs = std::filesystem;
  std::error_code error;
  // A test may have made the directory read-only; removing its entries needs write access.
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, error);
  fs::remove_all(path_, error);
}

}  // namespace pop::testing
