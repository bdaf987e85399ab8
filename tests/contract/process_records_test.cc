// The process reaper's records: groups left behind by a launcher that died are ended; groups of
// a live launcher, groups already gone and ids now used by someone else are left alone.
#include "adapters/local_process/process_records.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "contract/store_factories_support.h"

namespace pop::local_process {
namespace {

using std::chrono::milliseconds;

// A process group led by `sleep 300`.
pid_t StartGroup() {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also from here, so that it is a group before we go on
  return pid;
}

// The pid of a process that has exited and been reaped.
pid_t DeadPid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

void WriteRecord(const std::filesystem::path& dir, pid_t pgid, pid_t owner, int64_t owner_start,
                 int64_t leader_start) {
  std::ofstream(dir / std::to_string(pgid))
      << owner << " " << owner_start << " " << leader_start << "\n";
}

bool Alive(pid_t pid) { return waitpid(pid, nullptr, WNOHANG) == 0; }

// Reaps `pid` (our child); true when SIGTERM ended it.
bool EndedBySigterm(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
}

class ProcessRecordsTest : public ::testing::Test {
 protected:
  pop::testing::TempDir dir_;
  std::filesystem::path records_ = std::filesystem::path(dir_.path()) / "processes";
  void SetUp() override { std::filesystem::create_directories(records_); }
};

TEST_F(ProcessRecordsTest, AGroupWhoseLauncherDiedIsEndedAndItsRecordRemoved) {
  const pid_t group = StartGroup();
  WriteRecord(records_, group, DeadPid(), 12345, ProcessRecords::StartTimeOf(group));
  std::vector<std::string> lines;
  auto report = ProcessRecords::ReapOrphans(
      records_, milliseconds(2000), [&](const std::string& line) { lines.push_back(line); });
  EXPECT_EQ(report.groups_ended, 1);
  EXPECT_TRUE(EndedBySigterm(group));
  EXPECT_FALSE(std::filesystem::exists(records_ / std::to_string(group)));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("ended process group " + std::to_string(group)), std::string::npos);
}

TEST_F(ProcessRecordsTest, GroupsOfALiveLauncherAreLeftAlone) {
  auto records = ProcessRecords::Open(records_);
  ASSERT_TRUE(records.ok());
  const pid_t group = StartGroup();
  (*records)->Add(group);
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(100), {});
  EXPECT_EQ(report.groups_ended, 0);
  EXPECT_TRUE(Alive(group));
  EXPECT_TRUE(std::filesystem::exists(records_ / std::to_string(group)));
  (*records)->Remove(group);
  EXPECT_FALSE(std::filesystem::exists(records_ / std::to_string(group)));
  kill(group, SIGKILL);
  waitpid(group, nullptr, 0);
}

TEST_F(ProcessRecordsTest, RecordsOfGroupsAlreadyGoneAreDropped) {
  const pid_t gone = DeadPid();
  WriteRecord(records_, gone, DeadPid(), 1, 1);
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(100), {});
  EXPECT_EQ(report.groups_ended, 0);
  EXPECT_EQ(report.records_dropped, 1);
  EXPECT_FALSE(std::filesystem::exists(records_ / std::to_string(gone)));
}

TEST_F(ProcessRecordsTest, AnIdNowLedByAnotherProcessIsNotSignalled) {
  const pid_t group = StartGroup();
  // The record's leader started at another time: the id was reused by someone else.
  WriteRecord(records_, group, DeadPid(), 1, ProcessRecords::StartTimeOf(group) + 1);
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(100), {});
  EXPECT_EQ(report.groups_ended, 0);
  EXPECT_TRUE(Alive(group));
  kill(group, SIGKILL);
  waitpid(group, nullptr, 0);
}

TEST_F(ProcessRecordsTest, StartTimeOfThisProcessIsKnownAndOfADeadOneIsNot) {
  EXPECT_GT(ProcessRecords::StartTimeOf(getpid()), 0);
  EXPECT_EQ(ProcessRecords::StartTimeOf(DeadPid()), -1);
}

}  // namespace
}  // namespace pop::local_process
