#include "adapters/local_process/process_records.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace pop::local_process {
namespace {

bool GroupExists(pid_t pgid) { return kill(-pgid, 0) == 0 || errno == EPERM; }

struct Record {
  pid_t pgid = 0;
  pid_t owner = 0;
  int64_t owner_start = -1;
  int64_t leader_start = -1;
};

}  // namespace

int64_t ProcessRecords::StartTimeOf(pid_t pid) {
  // Plain read(2): the process may end while we read, which iostreams report by throwing.
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buffer[1024];
  const ssize_t got = read(fd, buffer, sizeof(buffer));
  close(fd);
  if (got <= 0) return -1;
  const std::string stat(buffer, static_cast<size_t>(got));
  // The command name (field 2) is in parentheses and may hold spaces: count from its end.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  // Fields 3..21 come first; the start time is field 22.
  for (int index = 3; index <= 22; ++index) {
    if (!(fields >> field)) return -1;
  }
  try {
    return std::stoll(field);
  } catch (...) {
    return -1;
  }
}

Result<std::unique_ptr<ProcessRecords>> ProcessRecords::Open(std::filesystem::path dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error(ErrorCode::kUnavailable,
                 "process records: cannot create " + dir.string() + ": " + ec.message());
  }
  chmod(dir.c_str(), 0700);
  const pid_t self = getpid();
  return std::unique_ptr<ProcessRecords>(
      new ProcessRecords(std::move(dir), self, StartTimeOf(self)));
}

void ProcessRecords::Add(pid_t pgid) {
  const std::string path = (dir_ / std::to_string(pgid)).string();
  const std::string line = std::to_string(owner_) + " " + std::to_string(owner_start_) + " " +
                           std::to_string(StartTimeOf(pgid)) + "\n";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const ssize_t written = write(fd, line.data(), line.size());
  static_cast<void>(written);
  close(fd);
}

void ProcessRecords::Remove(pid_t pgid) {
  const std::string path = (dir_ / std::to_string(pgid)).string();
  unlink(path.c_str());
}

ProcessRecords::ReapReport ProcessRecords::ReapOrphans(
    const std::filesystem::path& dir, std::chrono::milliseconds grace,
    const std::function<void(const std::string&)>& log) {
  ReapReport report;
  std::vector<Record> orphans;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    Record record;
    try {
      record.pgid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
    } catch (...) {
      continue;  // not a record
    }
    std::ifstream in(entry.path());
    if (!(in >> record.owner >> record.owner_start >> record.leader_start)) continue;
    const int64_t owner_now = StartTimeOf(record.owner);
    if (owner_now >= 0 && owner_now == record.owner_start) continue;  // its owner runs
    const int64_t leader_now = StartTimeOf(record.pgid);
    const bool ours =
        GroupExists(record.pgid) &&
        (leader_now < 0 || (record.leader_start >= 0 && leader_now == record.leader_start));
    if (!ours) {
      std::filesystem::remove(entry.path(), ec);
      ++report.records_dropped;
      continue;
    }
    orphans.push_back(record);
  }
  for (const Record& record : orphans) {
    kill(-record.pgid, SIGTERM);
    if (log) {
      log("process reaper: ended process group " + std::to_string(record.pgid) +
          " left behind by launcher process " + std::to_string(record.owner));
    }
    ++report.groups_ended;
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (const Record& record : orphans) {
    while (GroupExists(record.pgid) && std::chrono::steady_clock::now() < deadline) {
      // Other processes' ends cannot be waited on: poll.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (GroupExists(record.pgid)) kill(-record.pgid, SIGKILL);
    std::filesystem::remove(dir / std::to_string(record.pgid), ec);
  }
  return report;
}

}  // namespace pop::local_process
