// The throw-away PostgreSQL cluster that ctest's `postgres` fixture starts for the tests
// (scripts/postgres-test-cluster.sh; postgres.start and postgres.stop), seen from a test: its
// connection string, one fresh database per test, and statements run as its superuser.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"

namespace pop::testing {

// The superuser URI of the running test cluster (with its password): the file named by
// POP_TEST_POSTGRES_URI_FILE, else the one the fixture writes into the build tree. Errors
// (kUnavailable) say how to start the cluster.
Result<std::string> PostgresTestUri();

// A key=value connection string for database `dbname` of the test cluster.
Result<std::string> PostgresTestConninfo(const std::string& dbname);

// Runs `sql` as the superuser in database `dbname` ("" for the URI's own); returns the first
// column of every row as text ("" for NULL).
Result<std::vector<std::string>> PostgresAdminQuery(const std::string& sql,
                                                    const std::string& dbname = "");

// Creates database `dbname` unless it exists. True when it was created now.
Result<bool> EnsurePostgresDatabase(const std::string& dbname);
// Creates database `dbname` unless it exists and returns the test cluster's superuser URI for it
// (the cluster's own URI ends in /postgres).
Result<std::string> PostgresTestDatabaseUri(const std::string& dbname);
// Drops database `dbname` if it exists, ending its connections first.
Status DropPostgresDatabase(const std::string& dbname);

// A database name (pop_test_ and lower-case hex) unique to `key`, e.g. a test's directory.
std::string PostgresDatabaseNameFor(const std::string& key);

}  // namespace pop::testing
