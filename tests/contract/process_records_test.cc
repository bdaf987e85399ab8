// The process reaper's records: groups left behind by a launcher that died are ended; groups of
// a live launcher, groups already gone and ids now used by someone else are left alone. The
// first tests write records in the format of older versions (a file per group), which the
// reaper still reads; the rest use the owner's log.
#include "adapters/local_process/process_records.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

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

// Writes an owner's log by hand: `owner <owner> <owner_start>`, then `lines` as they are.
std::filesystem::path WriteLog(const std::filesystem::path& dir, pid_t owner, int64_t owner_start,
                               const std::string& lines) {
  std::filesystem::path path = dir / ("owner-" + std::to_string(owner));
  std::ofstream(path) << "owner " << owner << " " << owner_start << "\n" << lines;
  return path;
}

std::string Added(pid_t pgid, int64_t leader_start) {
  return "+ " + std::to_string(pgid) + " " + std::to_string(leader_start) + "\n";
}

// The groups a log still records.
std::vector<pid_t> Pgids(const std::filesystem::path& log) {
  std::vector<pid_t> pgids;
  const auto recorded = ProcessRecords::RecordedGroups(log);
  if (!recorded.has_value()) return {-1};
  for (const auto& group : recorded->groups) pgids.push_back(group.pgid);
  return pgids;
}

size_t LineCount(const std::filesystem::path& path) {
  std::ifstream in(path);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

bool Alive(pid_t pid) { return waitpid(pid, nullptr, WNOHANG) == 0; }

// Ends a group this test started and reaps its leader.
void KillAndReap(pid_t group) {
  kill(group, SIGKILL);
  waitpid(group, nullptr, 0);
}

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
  const std::filesystem::path log = (*records)->log_path();
  ASSERT_FALSE(log.empty());
  const pid_t group = StartGroup();
  (*records)->Add(group);
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(100), {});
  EXPECT_EQ(report.groups_ended, 0);
  EXPECT_TRUE(Alive(group));
  EXPECT_EQ(Pgids(log), std::vector<pid_t>{group});
  (*records)->Remove(group);
  EXPECT_EQ(Pgids(log), std::vector<pid_t>{});
  KillAndReap(group);
  // A clean shutdown, every group reaped: the log goes.
  records->reset();
  EXPECT_FALSE(std::filesystem::exists(log));
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
  KillAndReap(group);
}

// ---- the owner's log

TEST_F(ProcessRecordsTest, AGroupInTheLogOfADeadOwnerIsEndedAndTheLogRemoved) {
  const pid_t group = StartGroup();
  const pid_t owner = DeadPid();
  // Another group was recorded, then its end: only `group` is left.
  const std::filesystem::path log =
      WriteLog(records_, owner, 12345,
               Added(DeadPid(), 1) + Added(group, ProcessRecords::StartTimeOf(group)) + "- " +
                   std::to_string(group) + "\n" + Added(group, ProcessRecords::StartTimeOf(group)));
  std::vector<std::string> lines;
  auto report = ProcessRecords::ReapOrphans(
      records_, milliseconds(2000), [&](const std::string& line) { lines.push_back(line); });
  EXPECT_EQ(report.groups_ended, 1);
  EXPECT_EQ(report.records_dropped, 1);  // the dead pid's group
  EXPECT_TRUE(EndedBySigterm(group));
  EXPECT_FALSE(std::filesystem::exists(log));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("ended process group " + std::to_string(group) +
                          " left behind by launcher process " + std::to_string(owner)),
            std::string::npos);
}

TEST_F(ProcessRecordsTest, AnOwnerWhosePidRunsWithAnotherStartTimeIsGone) {
  const pid_t group = StartGroup();
  // This process's pid, but started at another time: a dead launcher whose pid was reused.
  const std::filesystem::path log =
      WriteLog(records_, getpid(), ProcessRecords::StartTimeOf(getpid()) + 1,
               Added(group, ProcessRecords::StartTimeOf(group)));
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(2000), {});
  EXPECT_EQ(report.groups_ended, 1);
  EXPECT_TRUE(EndedBySigterm(group));
  EXPECT_FALSE(std::filesystem::exists(log));
}

TEST_F(ProcessRecordsTest, ALogOfADeadOwnerNamingAReusedIdIsRemovedWithoutASignal) {
  const pid_t group = StartGroup();
  const std::filesystem::path log =
      WriteLog(records_, DeadPid(), 1, Added(group, ProcessRecords::StartTimeOf(group) + 1));
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(100), {});
  EXPECT_EQ(report.groups_ended, 0);
  EXPECT_EQ(report.records_dropped, 1);
  EXPECT_TRUE(Alive(group));
  EXPECT_FALSE(std::filesystem::exists(log));
  KillAndReap(group);
}

TEST_F(ProcessRecordsTest, ALineWithoutItsNewlineIsNotTaken) {
  const pid_t group = StartGroup();
  // The write of the record was cut short.
  std::string added = Added(group, ProcessRecords::StartTimeOf(group));
  added.pop_back();
  const std::filesystem::path log = WriteLog(records_, DeadPid(), 1, added);
  EXPECT_EQ(Pgids(log), std::vector<pid_t>{});
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(100), {});
  EXPECT_EQ(report.groups_ended, 0);
  EXPECT_TRUE(Alive(group));
  EXPECT_FALSE(std::filesystem::exists(log));
  KillAndReap(group);
}

TEST_F(ProcessRecordsTest, AddAddRemoveLeavesTheSecondGroup) {
  auto records = ProcessRecords::Open(records_);
  ASSERT_TRUE(records.ok());
  const pid_t first = DeadPid();
  const pid_t second = DeadPid();
  (*records)->Add(first);
  (*records)->Add(second);
  (*records)->Remove(first);
  const auto recorded = ProcessRecords::RecordedGroups((*records)->log_path());
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(recorded->owner, getpid());
  EXPECT_EQ(recorded->owner_start, ProcessRecords::StartTimeOf(getpid()));
  ASSERT_EQ(recorded->groups.size(), 1u);
  EXPECT_EQ(recorded->groups[0].pgid, second);
  EXPECT_EQ(recorded->groups[0].leader_start, -1);  // no such process any more
}

TEST_F(ProcessRecordsTest, AGroupAddedAgainBeforeItsRemovalStaysRecorded) {
  // The kernel handed a reaped leader's pid to a new group before the old one was removed.
  auto records = ProcessRecords::Open(records_);
  ASSERT_TRUE(records.ok());
  const pid_t group = DeadPid();
  (*records)->Add(group);
  (*records)->Add(group);
  (*records)->Remove(group);
  EXPECT_EQ(Pgids((*records)->log_path()), std::vector<pid_t>{group});
  (*records)->Remove(group);
  (*records)->Remove(group);  // once too often: nothing to forget
  EXPECT_EQ(Pgids((*records)->log_path()), std::vector<pid_t>{});
}

TEST_F(ProcessRecordsTest, TheLogIsCompactedAndKeepsTheGroupsRecorded) {
  auto records = ProcessRecords::Open(records_);
  ASSERT_TRUE(records.ok());
  const std::filesystem::path log = (*records)->log_path();
  (*records)->Add(1001);
  (*records)->Add(1002);
  for (pid_t pgid = 2000; pgid < 7000; ++pgid) {
    (*records)->Add(pgid);
    (*records)->Remove(pgid);
  }
  (*records)->Add(1003);
  (*records)->Remove(1002);
  // 10,004 lines were appended; a compaction keeps the log within 4 lines a group + 1,000.
  EXPECT_LE(LineCount(log), 1013u);
  EXPECT_EQ(Pgids(log), (std::vector<pid_t>{1001, 1003}));
  EXPECT_FALSE(std::filesystem::exists(log.string() + ".tmp"));
  // Groups still recorded: the log stays for the next launcher's reaper.
  records->reset();
  EXPECT_EQ(Pgids(log), (std::vector<pid_t>{1001, 1003}));
}

TEST_F(ProcessRecordsTest, TwoInstancesInOneProcessKeepTwoLogs) {
  auto first = ProcessRecords::Open(records_);
  auto second = ProcessRecords::Open(records_);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*first)->log_path(), (*second)->log_path());
  (*first)->Add(1001);
  (*second)->Add(1002);
  EXPECT_EQ(Pgids((*first)->log_path()), std::vector<pid_t>{1001});
  EXPECT_EQ(Pgids((*second)->log_path()), std::vector<pid_t>{1002});
}

TEST_F(ProcessRecordsTest, ATmpFileIsRemovedOnlyOnceItsOwnerIsGone) {
  const pid_t dead = DeadPid();
  const std::filesystem::path dead_tmp = records_ / ("owner-" + std::to_string(dead) + ".tmp");
  std::ofstream(dead_tmp) << "owner " << dead << " 1\n";
  // Being written by a live owner: no header yet.
  const std::filesystem::path live_tmp =
      records_ / ("owner-" + std::to_string(getpid()) + "-2.tmp");
  std::ofstream(live_tmp).flush();
  auto report = ProcessRecords::ReapOrphans(records_, milliseconds(100), {});
  EXPECT_EQ(report.groups_ended, 0);
  EXPECT_EQ(report.records_dropped, 0);
  EXPECT_FALSE(std::filesystem::exists(dead_tmp));
  EXPECT_TRUE(std::filesystem::exists(live_tmp));
}

TEST_F(ProcessRecordsTest, StartTimeOfThisProcessIsKnownAndOfADeadOneIsNot) {
  EXPECT_GT(ProcessRecords::StartTimeOf(getpid()), 0);
  EXPECT_EQ(ProcessRecords::StartTimeOf(DeadPid()), -1);
}

}  // namespace
}  // namespace pop::local_process
