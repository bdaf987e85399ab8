#include "app/audit_log.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"

namespace pop::app {
namespace {

// A store whose every write fails as a full disk would.
class FullStore final : public Store {
 public:
  Status Read(const std::function<Status(StoreReader&)>&) override { return Status::Ok(); }
  Status Write(const std::function<Status(StoreWriter&)>&) override {
    return Status(ErrorCode::kUnavailable, "database is full");
  }
};

class RecordingLogger final : public Logger {
 public:
  bool Enabled(LogLevel) const override { return true; }
  void Log(LogLevel level, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (level == LogLevel::kError) errors_.emplace_back(message);
  }
  std::vector<std::string> errors() const {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> errors_;
};

AuditRecord Sample(const std::string& cid) {
  AuditRecord record;
  record.token_id = "tok-1";
  record.accounts = {"acme"};
  record.method = "DELETE";
  record.route = "/pop/agenda/a-1";
  record.object_ids = {"a-1"};
  record.status = 200;
  record.correlation_id = cid;
  return record;
}

bool Logged(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(AuditLogTest, AuditWriteFailureIsLoggedInFullNotDropped) {
  FullStore store;
  pop::testing::FakeClock clock;
  RecordingLogger logger;
  AuditLog audit(store, clock, logger);
  audit.Start();

  audit.Record(Sample("cid-1"));
  audit.Record(Sample("cid-2"));
  audit.Flush();

  EXPECT_EQ(audit.failed(), 2);
  auto errors = logger.errors();
  EXPECT_TRUE(Logged(errors, "database is full"));
  for (const char* cid : {"cid=cid-1", "cid=cid-2"}) {
    EXPECT_TRUE(Logged(errors, cid)) << cid;
  }
  EXPECT_TRUE(Logged(errors,
                     "token=tok-1 accounts=[acme] superUser=false DELETE /pop/agenda/a-1 "
                     "objects=[a-1] status=200"));
}

TEST(AuditLogTest, RecordsMadeAfterStopAreStillWrittenOrLogged) {
  FullStore store;
  pop::testing::FakeClock clock;
  RecordingLogger logger;
  AuditLog audit(store, clock, logger);
  audit.Start();
  audit.Stop();

  audit.Record(Sample("late"));

  EXPECT_EQ(audit.failed(), 1);
  EXPECT_TRUE(Logged(logger.errors(), "cid=late"));
}

}  // namespace
}  // namespace pop::app
