#include "adapters/local_process/process_records.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

namespace pop::local_process {
namespace {

constexpr std::string_view kLogPrefix = "owner-";
constexpr std::string_view kTmpSuffix = ".tmp";
// Names tried for a log: `owner-<pid>`, then `owner-<pid>-2` and on.
constexpr int kMaxLogNames = 100;
// A log is compacted once it holds more than this many lines per group recorded, plus the slack.
constexpr int64_t kCompactFactor = 4;
constexpr int64_t kCompactSlack = 1000;

bool GroupExists(pid_t pgid) { return kill(-pgid, 0) == 0 || errno == EPERM; }

// A group that can be signalled: neither this process's own group (0) nor every process (-1).
bool SignallableGroup(pid_t pgid) { return pgid > 1; }

// True when `pid` runs and started at `start`.
bool Runs(pid_t pid, int64_t start) {
  const int64_t now = ProcessRecords::StartTimeOf(pid);
  return now >= 0 && now == start;
}

// True when the group `pgid`, whose leader started at `leader_start`, still exists and its id
// cannot belong to anyone else (the header comment).
bool StillTheSameGroup(pid_t pgid, int64_t leader_start) {
  const int64_t leader_now = ProcessRecords::StartTimeOf(pgid);
  return GroupExists(pgid) && (leader_now < 0 || (leader_start >= 0 && leader_now == leader_start));
}

// The whole of `text` as a number.
template <typename Int>
bool ParseNumber(std::string_view text, Int& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && !text.empty();
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  while (!line.empty()) {
    const size_t space = line.find(' ');
    if (space != 0) fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  return fields;
}

// Writes all of `data`; false when it could not (some of it may have been written).
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// The log line recording that group `pgid`, led by a process started at `leader_start`, runs.
std::string AddedLine(pid_t pgid, int64_t leader_start) {
  return "+ " + std::to_string(pgid) + " " + std::to_string(leader_start) + "\n";
}

// A group recorded by an owner that is gone, to be ended.
struct Orphan {
  pid_t pgid = 0;
  pid_t owner = 0;
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
  std::unique_ptr<ProcessRecords> records(
      new ProcessRecords(std::move(dir), self, StartTimeOf(self)));
  const std::string header = records->Header();
  // O_EXCL: a name in use belongs to another instance in this process, or to a dead process
  // that had this pid, whose log is still to be reaped.
  for (int attempt = 1; attempt <= kMaxLogNames; ++attempt) {
    std::string name = std::string(kLogPrefix) + std::to_string(self);
    if (attempt > 1) name += "-" + std::to_string(attempt);
    std::filesystem::path path = records->dir_ / name;
    const int fd =
        open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) break;
    if (!WriteAll(fd, header)) {
      close(fd);
      unlink(path.c_str());
      break;
    }
    records->fd_ = fd;
    records->log_path_ = std::move(path);
    records->lines_ = 1;
    break;
  }
  return records;
}

ProcessRecords::~ProcessRecords() {
  if (fd_ < 0) return;
  close(fd_);
  // Every group reaped (a clean shutdown): nothing is left for a reaper to read.
  if (live_.empty()) unlink(log_path_.c_str());
}

std::string ProcessRecords::Header() const {
  return "owner " + std::to_string(owner_) + " " + std::to_string(owner_start_) + "\n";
}

void ProcessRecords::Add(pid_t pgid) {
  if (!SignallableGroup(pgid)) return;
  const int64_t leader_start = StartTimeOf(pgid);
  const std::string line = AddedLine(pgid, leader_start);
  std::lock_guard<std::mutex> lock(mutex_);
  Live& live = live_[pgid];
  ++live.count;
  live.leader_start = leader_start;
  ++live_count_;
  AppendLocked(line);
}

void ProcessRecords::Remove(pid_t pgid) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = live_.find(pgid);
  if (found == live_.end()) return;
  if (--found->second.count == 0) live_.erase(found);
  --live_count_;
  AppendLocked("- " + std::to_string(pgid) + "\n");
}

void ProcessRecords::AppendLocked(const std::string& line) {
  if (fd_ < 0) return;
  // After a write cut short, a newline ends the partial line, which replay then ignores.
  const bool written = torn_ ? WriteAll(fd_, "\n" + line) : WriteAll(fd_, line);
  torn_ = !written;
  ++lines_;
  if (lines_ > kCompactFactor * live_count_ + kCompactSlack) CompactLocked();
}

void ProcessRecords::CompactLocked() {
  std::string content = Header();
  int64_t lines = 1;
  for (const auto& [pgid, live] : live_) {
    for (int64_t index = 0; index < live.count; ++index) {
      content += AddedLine(pgid, live.leader_start);
      ++lines;
    }
  }
  // Until the rename, the log holds everything; after it, the new one does.
  const std::string tmp = log_path_.string() + std::string(kTmpSuffix);
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd >= 0 && WriteAll(fd, content) && rename(tmp.c_str(), log_path_.c_str()) == 0) {
    close(fd_);
    fd_ = fd;
    torn_ = false;
  } else if (fd >= 0) {
    close(fd);
    unlink(tmp.c_str());
  }
  // Also after a failure: tried again only once the log has grown as much once more.
  lines_ = lines;
}

std::optional<ProcessRecords::Recorded> ProcessRecords::RecordedGroups(
    const std::filesystem::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return std::nullopt;
  std::string line;
  // Only a line with its newline is taken: the last one may be cut short.
  const auto next_line = [&] { return std::getline(in, line) && !in.eof(); };
  if (!next_line()) return std::nullopt;
  Recorded recorded;
  const std::vector<std::string_view> header = Fields(line);
  if (header.size() != 3 || header[0] != "owner" || !ParseNumber(header[1], recorded.owner) ||
      !ParseNumber(header[2], recorded.owner_start)) {
    return std::nullopt;
  }
  std::map<pid_t, Live> live;
  while (next_line()) {
    const std::vector<std::string_view> fields = Fields(line);
    pid_t pgid = 0;
    int64_t leader_start = -1;
    if (fields.size() == 3 && fields[0] == "+" && ParseNumber(fields[1], pgid) &&
        ParseNumber(fields[2], leader_start) && SignallableGroup(pgid)) {
      Live& group = live[pgid];
      ++group.count;
      group.leader_start = leader_start;
    } else if (fields.size() == 2 && fields[0] == "-" && ParseNumber(fields[1], pgid)) {
      const auto found = live.find(pgid);
      if (found != live.end() && --found->second.count == 0) live.erase(found);
    }
    // Anything else (a line cut short by a failed write) is skipped.
  }
  for (const auto& [pgid, group] : live) {
    recorded.groups.push_back({pgid, group.leader_start});
  }
  return recorded;
}

ProcessRecords::ReapReport ProcessRecords::ReapOrphans(
    const std::filesystem::path& dir, std::chrono::milliseconds grace,
    const std::function<void(const std::string&)>& log) {
  ReapReport report;
  std::vector<Orphan> orphans;
  std::set<pid_t> seen;  // each group is signalled once, however many records name it
  std::vector<std::filesystem::path> done;  // removed once their groups are ended
  const auto consider = [&](pid_t pgid, pid_t owner, int64_t leader_start) {
    if (!SignallableGroup(pgid) || !StillTheSameGroup(pgid, leader_start)) {
      ++report.records_dropped;
    } else if (seen.insert(pgid).second) {
      orphans.push_back({pgid, owner});
    }
  };

  std::error_code ec;
  std::vector<std::filesystem::path> entries;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    entries.push_back(entry.path());
  }
  for (const std::filesystem::path& path : entries) {
    const std::string name = path.filename().string();
    pid_t pgid = 0;
    if (ParseNumber(name, pgid)) {
      // A record of an older version: `<owner> <owner_start> <leader_start>`.
      std::ifstream in(path);
      pid_t owner = 0;
      int64_t owner_start = -1;
      int64_t leader_start = -1;
      if (!(in >> owner >> owner_start >> leader_start)) continue;
      if (Runs(owner, owner_start)) continue;
      consider(pgid, owner, leader_start);
      done.push_back(path);
      continue;
    }
    if (!name.starts_with(kLogPrefix)) continue;  // not ours
    const bool tmp = name.ends_with(kTmpSuffix);
    const std::optional<Recorded> recorded = RecordedGroups(path);
    if (recorded.has_value()) {
      if (Runs(recorded->owner, recorded->owner_start)) continue;
    } else {
      // No header yet (being created or compacted) or unreadable: left alone while a process
      // with the pid of its name runs.
      const std::string_view rest = std::string_view(name).substr(kLogPrefix.size());
      pid_t owner = 0;
      if (!ParseNumber(rest.substr(0, rest.find_first_not_of("0123456789")), owner) ||
          StartTimeOf(owner) >= 0) {
        continue;
      }
    }
    // A `.tmp` of a dead owner holds nothing its log does not.
    if (recorded.has_value() && !tmp) {
      for (const Group& group : recorded->groups) {
        consider(group.pgid, recorded->owner, group.leader_start);
      }
    }
    done.push_back(path);
  }

  for (const Orphan& orphan : orphans) {
    kill(-orphan.pgid, SIGTERM);
    if (log) {
      log("process reaper: ended process group " + std::to_string(orphan.pgid) +
          " left behind by launcher process " + std::to_string(orphan.owner));
    }
    ++report.groups_ended;
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (const Orphan& orphan : orphans) {
    while (GroupExists(orphan.pgid) && std::chrono::steady_clock::now() < deadline) {
      // Other processes' ends cannot be waited on: poll.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (GroupExists(orphan.pgid)) kill(-orphan.pgid, SIGKILL);
  }
  for (const std::filesystem::path& path : done) {
    std::filesystem::remove(path, ec);
  }
  return report;
}

}  // namespace pop::local_process
