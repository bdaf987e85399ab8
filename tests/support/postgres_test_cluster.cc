#include "support/postgres_test_cluster.h"

#include <libpq-fe.h>
#include <stdlib.h>

#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <sstream>

namespace pop::testing {
namespace {

std::string UriFile() {
  const char* from_env = getenv("POP_TEST_POSTGRES_URI_FILE");
  if (from_env != nullptr && *from_env != '\0') return from_env;
  return POP_POSTGRES_URI_FILE;
}

// A value for a key=value connection string: quoted, with quotes and backslashes escaped.
std::string Quoted(const char* value) {
  std::string quoted = "'";
  for (const char* p = value; *p != '\0'; ++p) {
    if (*p == '\'' || *p == '\\') quoted.push_back('\\');
    quoted.push_back(*p);
  }
  return quoted + "'";
}

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

}  // namespace

Result<std::string> PostgresTestUri() {
  const std::string file = UriFile();
  std::ifstream in(file);
  std::string uri;
  if (!in || !std::getline(in, uri) || uri.empty()) {
    return Error(ErrorCode::kUnavailable,
                 "no PostgreSQL test cluster: " + file +
                     " is missing. ctest starts one (the postgres.start fixture, e.g. `ctest "
                     "--test-dir build -L postgres`); by hand: scripts/postgres-test-cluster.sh "
                     "start <dir> and POP_TEST_POSTGRES_URI_FILE=<dir>/uri");
  }
  return uri;
}

Result<std::string> PostgresTestConninfo(const std::string& dbname) {
  POP_ASSIGN_OR_RETURN(std::string uri, PostgresTestUri());
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? error : "out of memory";
    if (error != nullptr) PQfreemem(error);
    return Error(ErrorCode::kInvalidArgument, "bad test cluster URI: " + reason);
  }
  std::string conninfo;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || std::string(option->keyword) == "dbname") continue;
    conninfo += std::string(option->keyword) + "=" + Quoted(option->val) + " ";
  }
  PQconninfoFree(options);
  return conninfo + "dbname=" + Quoted(dbname.c_str());
}

Result<std::vector<std::string>> PostgresAdminQuery(const std::string& sql,
                                                    const std::string& dbname) {
  std::string conninfo;
  if (dbname.empty()) {
    POP_ASSIGN_OR_RETURN(conninfo, PostgresTestUri());
  } else {
    POP_ASSIGN_OR_RETURN(conninfo, PostgresTestConninfo(dbname));
  }
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Error(ErrorCode::kUnavailable,
                 std::string("cannot connect to the test cluster: ") + PQerrorMessage(conn.get()));
  }
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(conn.get(), sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string message = PQresultErrorMessage(result);
    PQclear(result);
    return Error(ErrorCode::kInternal, "`" + sql + "` failed: " + message);
  }
  std::vector<std::string> values;
  for (int row = 0; row < PQntuples(result); ++row) {
    values.emplace_back(PQnfields(result) > 0 ? PQgetvalue(result, row, 0) : "");
  }
  PQclear(result);
  return values;
}

Result<bool> EnsurePostgresDatabase(const std::string& dbname) {
  POP_ASSIGN_OR_RETURN(
      std::vector<std::string> found,
      PostgresAdminQuery("SELECT 1 FROM pg_database WHERE datname = '" + dbname + "'"));
  if (!found.empty()) return false;
  POP_RETURN_IF_ERROR(PostgresAdminQuery("CREATE DATABASE \"" + dbname + "\"").status());
  return true;
}

Status DropPostgresDatabase(const std::string& dbname) {
  return PostgresAdminQuery("DROP DATABASE IF EXISTS \"" + dbname + "\" WITH (FORCE)").status();
}

std::string PostgresDatabaseNameFor(const std::string& key) {
  std::ostringstream name;
  name << "pop_test_" << std::hex << std::hash<std::string>{}(key);
  return name.str();
}

Result<std::string> PostgresTestDatabaseUri(const std::string& dbname) {
  POP_RETURN_IF_ERROR(EnsurePostgresDatabase(dbname).status());
  POP_ASSIGN_OR_RETURN(std::string admin_uri, PostgresTestUri());
  return std::regex_replace(admin_uri, std::regex("/postgres$"), "/" + dbname);
}

}  // namespace pop::testing
