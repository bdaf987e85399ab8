#include "chaos/chaos_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "adapters/http_client/curl_http_client.h"
#include "core/base/check.h"
#include "core/codec/json_text.h"

namespace pop::testing {

ChaosDir::ChaosDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "pop-chaos-XXXXXX").string();
  POP_CHECK(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

ChaosDir::~ChaosDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::filesystem::path log) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const std::string log_path = log.string();
  pid_ = fork();
  POP_CHECK(pid_ >= 0);
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    // The test runner may block signals; the child starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Kill9();
}

void ChildProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ChildProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<std::string> WaitForLine(const std::filesystem::path& path,
                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    std::string line;
    if (in && std::getline(in, line) && !line.empty() && in.good()) return line;
    // Another process's file has nothing to wait on but its existence.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::vector<pid_t> ProcessesMatching(const std::string& needle) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    // The process may end while we read (iostreams then throw): read(2) instead.
    const int fd = open((entry.path() / "cmdline").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buffer[4096];
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    close(fd);
    if (got <= 0) continue;
    const std::string cmdline(buffer, static_cast<size_t>(got));
    if (cmdline.find(needle) != std::string::npos) pids.push_back(std::atoi(name.c_str()));
  }
  return pids;
}

bool WaitUntilNoProcessMatches(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ProcessesMatching(needle).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

ApiClient::ApiClient(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {
  auto http = CurlHttpClient::Create();
  POP_CHECK(http.ok());
  http_ = std::move(http).value();
}

ApiResult ApiClient::Call(const std::string& method, const std::string& path,
                          const std::string& body, std::chrono::milliseconds timeout) {
  HttpClientRequest request;
  request.method = method;
  request.url = base_url_ + "/pop" + path;
  request.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
  request.body = body;
  request.timeout = timeout;
  auto response = http_->Send(request);
  if (!response.ok()) return {};
  ApiResult result;
  result.status = response->status;
  auto json = ParseJson(response->body);
  if (json.ok()) result.body = std::move(json).value();
  return result;
}

std::string CreatePoolInsightAndCustomer(ApiClient& admin, const std::string& insight,
                                         const std::vector<std::string>& types, int queue_size) {
  JsonArray type_list;
  for (const std::string& type : types) type_list.push_back(Json(type));
  const std::string insight_json = ToJsonText(
      Json(JsonObject{{"id", Json(insight)},
                      {"customerId", Json("ops")},
                      {"title", Json(insight)},
                      {"resourcePoolId", Json("rp")},
                      {"queueName", Json(insight)},
                      {"queueSize", Json(static_cast<int64_t>(queue_size))},
                      {"schedulingAlgorithm", Json("FirstInFirstOut")},
                      {"isGlobal", Json(true)},
                      {"mappers", Json(JsonObject{{"operationType", Json(type_list)}})}}));
  const std::pair<const char*, std::string> calls[] = {
      {"/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})"},
      {"/insight", insight_json},
      {"/customer", R"({"id":"acme","customerId":"acme","title":"acme","resourcePoolId":"rp"})"},
  };
  for (const auto& [path, body] : calls) {
    ApiResult reply = admin.Call("POST", path, body);
    if (reply.status != 200) {
      return std::string("POST ") + path + " " + body + ": " + std::to_string(reply.status) + " " +
             ToJsonText(reply.body);
    }
  }
  return "";
}

std::filesystem::path WriteChaosHandler(const std::filesystem::path& dir,
                                        const std::filesystem::path& journal) {
  const std::filesystem::path script = dir / "chaos-handler.sh";
  std::ofstream out(script);
  out << "#!/bin/sh\n"
         "# chaos-handler: journals its run around a short sleep\n"
         "echo \"start $AGENDA_ID $OPERATION_NAME $PPID\" >> '"
      << journal.string()
      << "'\n"
         "sleep 0.05\n"
         "printf '%s\\n' '{\"processingState\":\"COMPLETE\",\"processingStateMessage\":"
         "\"succeeded\",\"percentComplete\":100.0,\"result\":{\"ok\":true}}' >> \"$POP_REPORT\"\n"
         "echo \"end $AGENDA_ID $OPERATION_NAME $PPID\" >> '"
      << journal.string() << "'\n";
  out.close();
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  return script;
}

void AppendKilled(const std::filesystem::path& journal, pid_t pid) {
  std::ofstream out(journal, std::ios::app);
  out << "killed " << pid << " - -\n";
}

JournalCheck CheckJournal(const std::filesystem::path& journal) {
  JournalCheck check;
  std::ifstream in(journal);
  std::string line;
  std::map<std::string, int> ends;                         // "agenda op pid" -> ends
  std::map<std::string, std::map<std::string, int>> open;  // agenda -> pid -> runs open
  std::set<std::string> dead;                              // executors known dead
  std::set<std::string> overlapping;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind;
    std::string agenda;
    std::string op;
    std::string pid;
    words >> kind >> agenda;
    if (kind == "killed") {
      dead.insert(agenda);  // the pid
      for (auto& [id, runs] : open) runs.erase(agenda);
      continue;
    }
    words >> op >> pid;
    if (kind == "start") {
      ++check.runs_started;
      for (const auto& [other, count] : open[agenda]) {
        if (other != pid && count > 0 && dead.count(other) == 0) overlapping.insert(agenda);
      }
      ++open[agenda][pid];
    } else if (kind == "end") {
      ++check.runs_ended;
      --open[agenda][pid];
      if (++ends[agenda + " " + op + " " + pid] == 2) {
        check.doubled.push_back(agenda + " " + op + " " + pid);
      }
    }
  }
  check.overlapping.assign(overlapping.begin(), overlapping.end());
  return check;
}

bool PostgresTestCluster(const std::string& action, const std::filesystem::path& dir,
                         const std::string& environment) {
  const std::filesystem::path script = std::filesystem::path(POP_TEST_DATA_DIR) / ".." / ".." /
                                       "scripts" / "postgres-test-cluster.sh";
  const std::string command =
      environment + " '" + script.string() + "' " + action + " '" + dir.string() + "'";
  return std::system(command.c_str()) == 0;
}

}  // namespace pop::testing
