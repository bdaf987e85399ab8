// The chaos tier: processes killed with SIGKILL at random moments under a steady stream of
// submissions and executions. After the dust settles every acknowledged Agenda exists and
// finishes succeeded, no operation completes twice in one executor, and no Agenda runs in two
// executors at once (the handler journals its runs; see chaos_support.h).
//
// Trials per scenario: POP_CHAOS_TRIALS (default 20 for `pop dev` killed and for PostgreSQL,
// half that for the others); `make chaos` runs more. The PostgreSQL scenario (two servers, two
// pullers, PostgreSQL crashed) is named *Postgres* and so runs under ctest's `postgres` fixture
// (label chaos-postgres), though it starts a cluster of its own to crash. The seed is printed so
// that a failure can be replayed with POP_CHAOS_SEED.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chaos/chaos_support.h"
#include "core/codec/json_text.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

size_t Trials(size_t fallback) {
  const char* text = std::getenv("POP_CHAOS_TRIALS");
  if (text == nullptr || *text == '\0') return fallback;
  return static_cast<size_t>(std::strtoul(text, nullptr, 10));
}

uint32_t Seed() {
  const char* text = std::getenv("POP_CHAOS_SEED");
  const uint32_t seed = text != nullptr && *text != '\0'
                            ? static_cast<uint32_t>(std::strtoul(text, nullptr, 10))
                            : std::random_device{}();
  std::printf("chaos seed: %u (POP_CHAOS_SEED replays it)\n", seed);
  return seed;
}

// Three operations: a and b run the chaos handler (b references a's output), c is resident and
// references b's. Enough attempts that handler kills cannot exhaust them.
std::string ChaosAgenda(const std::string& customer, size_t n) {
  return R"({"customerId":")" + customer + R"(","linkId":"chaos-)" + std::to_string(n) +
         R"(","params":{"maximumAttempts":20},"operations":[)"
         R"({"name":"a","type":"chaos","payload":{"n":)" +
         std::to_string(n) +
         R"(}},)"
         R"({"name":"b","type":"chaos","payload":{"fromA":"@<a.out::/ok>"}},)"
         R"({"name":"c","type":"noop","payload":{"fromB":"@<b.out::/ok>"}}]})";
}

struct Acknowledged {
  std::string agenda_id;
  std::string progress_id;
};

// Submits agendas one after another until stopped, taking turns between `urls` (agenda n goes
// to urls[n % urls.size()]); records those acknowledged (200). With `stop_when_down` it stops
// at the first request nobody answered (the one server is gone); otherwise it carries on, since
// a server killed is restarted, `pause` after such a failure and after every submission.
class Submitter {
 public:
  struct Options {
    std::vector<std::string> urls;
    bool stop_when_down = true;
    milliseconds pause{0};
  };
  Submitter(Options options, const std::string& token, std::string customer,
            std::atomic<size_t>& next, std::vector<Acknowledged>& acked, std::mutex& mu)
      : options_(std::move(options)),
        customer_(std::move(customer)),
        next_(next),
        acked_(acked),
        mu_(mu) {
    for (const std::string& url : options_.urls) clients_.emplace_back(url, token);
    thread_ = std::thread([this] { Run(); });
  }
  Submitter(std::string url, const std::string& token, std::string customer,
            std::atomic<size_t>& next, std::vector<Acknowledged>& acked, std::mutex& mu)
      : Submitter(Options{{std::move(url)}}, token, std::move(customer), next, acked, mu) {}
  ~Submitter() {
    stop_ = true;
    thread_.join();
  }
  Submitter(const Submitter&) = delete;
  Submitter& operator=(const Submitter&) = delete;

 private:
  void Run() {
    while (!stop_) {
      const size_t n = next_++;
      ApiResult reply = clients_[n % clients_.size()].Call("POST", "/agenda",
                                                           ChaosAgenda(customer_, n), seconds(5));
      if (reply.status == 0 && options_.stop_when_down) return;  // the server is gone
      if (options_.pause.count() > 0) std::this_thread::sleep_for(options_.pause);
      if (reply.status != 200) continue;
      const Json* all = reply.body.Find("all");
      if (all == nullptr || !all->is_array() || all->AsArray().empty()) continue;
      const Json& agenda = all->AsArray()[0];
      std::lock_guard<std::mutex> lock(mu_);
      acked_.push_back({StringField(agenda, "id"), StringField(agenda, "progressId")});
    }
  }

  Options options_;
  std::vector<ApiClient> clients_;
  std::string customer_;
  std::atomic<size_t>& next_;
  std::vector<Acknowledged>& acked_;
  std::mutex& mu_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Waits until every acknowledged agenda's progress is COMPLETE; returns the ones that are not
// (with their state) after `timeout`.
std::vector<std::string> WaitForAll(ApiClient& client, const std::vector<Acknowledged>& acked,
                                    seconds timeout, std::vector<std::string>* failed) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Acknowledged> pending = acked;
  while (true) {
    std::vector<Acknowledged> still;
    std::vector<std::string> reasons;
    for (const Acknowledged& item : pending) {
      ApiResult reply = client.Call("GET", "/progress/agenda/" + item.progress_id);
      const Json* all = reply.body.Find("all");
      if (reply.status != 200 || all == nullptr || !all->is_array() || all->AsArray().empty()) {
        still.push_back(item);
        reasons.push_back(item.agenda_id + ": progress missing (HTTP " +
                          std::to_string(reply.status) + ")");
        continue;
      }
      const Json& progress = all->AsArray()[0];
      const std::string state = StringField(progress, "processingState");
      if (state != "COMPLETE") {
        still.push_back(item);
        reasons.push_back(item.agenda_id + ": " + state + "/" +
                          StringField(progress, "processingStateMessage"));
        continue;
      }
      const std::string message = StringField(progress, "processingStateMessage");
      if (message != "succeeded" && failed != nullptr) {
        failed->push_back(item.agenda_id + ": " + message + " " +
                          ToJsonText(progress.Find("diagnosticEvents") != nullptr
                                         ? *progress.Find("diagnosticEvents")
                                         : Json()));
      }
    }
    if (still.empty() || std::chrono::steady_clock::now() >= deadline) return reasons;
    pending = std::move(still);
    std::this_thread::sleep_for(milliseconds(200));
  }
}

// Every acknowledged agenda can be read back.
std::vector<std::string> MissingAgendas(ApiClient& client, const std::vector<Acknowledged>& acked) {
  std::vector<std::string> missing;
  for (const Acknowledged& item : acked) {
    ApiResult reply = client.Call("GET", "/agenda/" + item.agenda_id);
    const Json* all = reply.body.Find("all");
    if (reply.status != 200 || all == nullptr || !all->is_array() || all->AsArray().size() != 1) {
      missing.push_back(item.agenda_id);
    }
  }
  return missing;
}

// The promise the chaos tests check: every acknowledged agenda can be read back and ends
// COMPLETE/succeeded within `timeout`.
void ExpectEveryAcknowledgedAgendaSucceeded(ApiClient& client,
                                            const std::vector<Acknowledged>& acked,
                                            seconds timeout) {
  std::vector<std::string> failed;
  std::vector<std::string> unfinished = WaitForAll(client, acked, timeout, &failed);
  EXPECT_TRUE(MissingAgendas(client, acked).empty());
  EXPECT_TRUE(unfinished.empty()) << unfinished.size() << " unfinished, e.g. "
                                  << unfinished.front();
  EXPECT_TRUE(failed.empty()) << failed.size() << " failed, e.g. " << failed.front();
}

void WriteRegistry(const std::filesystem::path& path, const std::filesystem::path& handler) {
  std::ofstream out(path);
  out << R"({"chaos":{"command":")" << handler.string() << R"(","timeoutSeconds":60}})";
}

void ExpectJournalClean(const std::filesystem::path& journal) {
  JournalCheck check = CheckJournal(journal);
  std::printf("journal: %zu handler runs started, %zu ended\n", check.runs_started,
              check.runs_ended);
  EXPECT_GT(check.runs_ended, 0u);
  EXPECT_TRUE(check.doubled.empty())
      << check.doubled.size() << " operations completed twice by one executor, e.g. "
      << check.doubled.front();
  EXPECT_TRUE(check.overlapping.empty())
      << check.overlapping.size() << " agendas ran in two executors at once, e.g. "
      << check.overlapping.front();
}

// The journal check itself: it must see what the chaos tests look for.
TEST(ChaosJournalTest, FindsAnOperationEndedTwiceByOneExecutorAndRunsOverlappingAcrossExecutors) {
  ChaosDir dir;
  const std::filesystem::path journal = dir.path() / "journal";
  {
    std::ofstream out(journal);
    out << "start g1 a 100\nend g1 a 100\n"  // fine
           "start g1 b 100\n"                // 100 dies while running b
        << "killed 100 - -\n"
        << "start g1 b 200\nend g1 b 200\n"  // taken over after the kill: fine
           "start g2 a 200\nend g2 a 200\n"
           "start g2 a 200\nend g2 a 200\n"    // a second completion by one executor
           "start g3 a 200\nstart g3 b 300\n"  // two live executors on one agenda
           "end g3 a 200\nend g3 b 300\n";
  }
  JournalCheck check = CheckJournal(journal);
  EXPECT_EQ(check.runs_started, 7u);
  EXPECT_EQ(check.runs_ended, 6u);
  EXPECT_EQ(check.doubled, std::vector<std::string>{"g2 a 200"});
  EXPECT_EQ(check.overlapping, std::vector<std::string>{"g3"});
}

// ---- pop dev killed

class DevChaos {
 public:
  explicit DevChaos(const std::filesystem::path& dir)
      : dir_(dir), data_(dir / "data"), journal_(dir / "journal") {
    std::filesystem::create_directories(data_);
    handler_ = WriteChaosHandler(dir, journal_);
    WriteRegistry(data_ / "handlers.json", handler_);
  }

  std::string Start() {
    std::filesystem::remove(dir_ / "ready");
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "dev", "--listen", "127.0.0.1:0", "--data-dir",
                                 data_.string(), "--ready-file", (dir_ / "ready").string(),
                                 "--retry-backoff-seconds", "0", "--log-level", "warning"},
        dir_ / "dev.log");
    auto url = WaitForLine(dir_ / "ready", seconds(30));
    EXPECT_TRUE(url.has_value()) << ReadFile(dir_ / "dev.log");
    return url.value_or("");
  }
  // SIGKILL; returns once it and every handler it started are gone (journalled).
  void Kill9() {
    const pid_t pid = process_->pid();
    process_->Kill9();
    EXPECT_TRUE(WaitUntilNoProcessMatches(handler_.string(), seconds(10)));
    AppendKilled(journal_, pid);
  }
  void Stop() {
    if (process_) {
      EXPECT_EQ(process_->Terminate(), 0);
    }
  }
  std::string token() { return WaitForLine(data_ / "admin-token", seconds(5)).value_or(""); }
  const std::filesystem::path& journal() const { return journal_; }
  // The handler script: its full path tells this test's handler processes from other tests'.
  const std::filesystem::path& handler() const { return handler_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path handler_;
  std::filesystem::path data_;
  std::filesystem::path journal_;
  std::unique_ptr<ChildProcess> process_;
};

TEST(ChaosTest, PopDevKilledAtRandomMomentsLosesAndDoublesNothing) {
  ChaosDir dir;
  DevChaos dev(dir.path());
  std::mt19937 random(Seed());
  std::atomic<size_t> next{0};
  std::vector<Acknowledged> acked;
  std::mutex mu;
  const size_t trials = Trials(20);
  for (size_t trial = 0; trial < trials; ++trial) {
    const std::string url = dev.Start();
    ASSERT_FALSE(url.empty());
    {
      Submitter submitter(url, dev.token(), "dev", next, acked, mu);
      std::this_thread::sleep_for(milliseconds(100 + random() % 500));
      dev.Kill9();
    }
  }
  ASSERT_FALSE(acked.empty());
  const std::string url = dev.Start();
  ApiClient client(url, dev.token());
  std::printf("%zu trials, %zu agendas acknowledged\n", trials, acked.size());
  ExpectEveryAcknowledgedAgendaSucceeded(client, acked, seconds(180));
  dev.Stop();
  ExpectJournalClean(dev.journal());
}

TEST(ChaosTest, HandlersKilledAtRandomMomentsAreRetriedToSuccess) {
  ChaosDir dir;
  DevChaos dev(dir.path());
  std::mt19937 random(Seed());
  std::atomic<size_t> next{0};
  std::vector<Acknowledged> acked;
  std::mutex mu;
  const std::string url = dev.Start();
  ASSERT_FALSE(url.empty());
  const size_t trials = Trials(20) / 2;
  size_t killed = 0;
  {
    Submitter submitter(url, dev.token(), "dev", next, acked, mu);
    for (size_t trial = 0; trial < trials; ++trial) {
      std::this_thread::sleep_for(milliseconds(50 + random() % 250));
      std::vector<pid_t> handlers = ProcessesMatching(dev.handler().string());
      if (handlers.empty()) continue;
      kill(handlers[random() % handlers.size()], SIGKILL);
      ++killed;
    }
  }
  ApiClient client(url, dev.token());
  std::printf("%zu handler processes killed, %zu agendas acknowledged\n", killed, acked.size());
  EXPECT_GT(killed, 0u);
  ExpectEveryAcknowledgedAgendaSucceeded(client, acked, seconds(120));
  dev.Stop();
  ExpectJournalClean(dev.journal());
}

// ---- the process reaper

bool Running(pid_t pid) {
  const int fd = open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[1024];
  const ssize_t got = read(fd, buffer, sizeof(buffer));
  close(fd);
  if (got <= 0) return false;
  const std::string stat(buffer, static_cast<size_t>(got));
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

TEST(ChaosTest, WhatHandlersOfAKilledPopDevLeftRunningIsEndedWhenItRestarts) {
  ChaosDir dir;
  const std::filesystem::path data = dir.path() / "data";
  const std::filesystem::path marker = dir.path() / "grandchild";
  std::filesystem::create_directories(data);
  {
    // The handler starts a process of its own in its group, then waits for it.
    std::ofstream out(data / "handlers.json");
    out << R"({"linger":{"command":"/bin/sh","args":["-c","sleep 300 & echo $! > )"
        << marker.string() << R"(; wait"]}})";
  }
  auto start = [&] {
    std::filesystem::remove(dir.path() / "ready");
    auto process = std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "dev", "--listen", "127.0.0.1:0", "--data-dir",
                                 data.string(), "--ready-file", (dir.path() / "ready").string(),
                                 "--log-level", "warning"},
        dir.path() / "dev.log");
    return std::make_pair(std::move(process),
                          WaitForLine(dir.path() / "ready", seconds(30)).value_or(""));
  };
  auto [dev, url] = start();
  ASSERT_FALSE(url.empty());
  ApiClient client(url, WaitForLine(data / "admin-token", seconds(5)).value_or(""));
  ASSERT_EQ(client
                .Call("POST", "/agenda",
                      R"({"customerId":"dev","operations":[{"name":"l","type":"linger"}]})")
                .status,
            200);
  auto first = WaitForLine(marker, seconds(30));
  ASSERT_TRUE(first.has_value());
  const pid_t grandchild = std::atoi(first->c_str());
  dev->Kill9();
  // The handler died with pop dev; what it started did not.
  std::this_thread::sleep_for(milliseconds(200));
  ASSERT_TRUE(Running(grandchild));
  std::filesystem::remove(marker);
  auto [again, url_again] = start();
  ASSERT_FALSE(url_again.empty());
  // Ended by the reaper before the new pop dev serves (SIGTERM; its grace is 2 s).
  EXPECT_FALSE(Running(grandchild));
  EXPECT_NE(ReadFile(dir.path() / "dev.log").find("process reaper: ended process group"),
            std::string::npos)
      << ReadFile(dir.path() / "dev.log");
  EXPECT_EQ(again->Terminate(), 0);
}

// ---- pop server + pop puller, the puller killed

// The pool "rp", its FIFO Insight "chaos" (types chaos and noop) and the customer "acme" that the
// server-and-puller trials submit as.
void CreatePoolInsightAndCustomer(ApiClient& admin) {
  ASSERT_EQ(CreatePoolInsightAndCustomer(admin, "chaos", {"chaos", "noop"}, 20), "");
}

TEST(ChaosTest, PullerKilledAtRandomMomentsItsWorkIsTakenOverByTheNextOne) {
  ChaosDir dir;
  const std::filesystem::path journal = dir.path() / "journal";
  const std::filesystem::path registry = dir.path() / "registry.json";
  const std::filesystem::path handler = WriteChaosHandler(dir.path(), journal);
  WriteRegistry(registry, handler);
  // Short lease and reclaim times so that the test is quick: a claim without a report returns
  // after 2 s; an execution without a report for 8 s (the executor heartbeats every 5 s) fails
  // and is retried at once.
  ChildProcess server({PopBinary(),
                       "server",
                       "--store",
                       "sqlite:" + (dir.path() / "pop.db").string(),
                       "--listen",
                       "127.0.0.1:0",
                       "--ready-file",
                       (dir.path() / "ready").string(),
                       "--bootstrap-token-file",
                       (dir.path() / "admin-token").string(),
                       "--claim-lease-seconds",
                       "2",
                       "--reclaim-after-seconds",
                       "8",
                       "--reclaim-interval-seconds",
                       "1",
                       "--retry-backoff-seconds",
                       "0",
                       "--log-level",
                       "warning"},
                      dir.path() / "server.log");
  auto url = WaitForLine(dir.path() / "ready", seconds(30));
  ASSERT_TRUE(url.has_value()) << ReadFile(dir.path() / "server.log");
  const std::string token = WaitForLine(dir.path() / "admin-token", seconds(5)).value_or("");
  ApiClient admin(*url, token);
  CreatePoolInsightAndCustomer(admin);
  if (::testing::Test::HasFatalFailure()) return;

  auto start_puller = [&] {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "puller", "--server", *url, "--token", token,
                                 "--insight", "chaos", "--registry", registry.string(),
                                 "--log-level", "warning"},
        dir.path() / "puller.log");
  };
  std::mt19937 random(Seed());
  std::atomic<size_t> next{0};
  std::vector<Acknowledged> acked;
  std::mutex mu;
  const size_t trials = Trials(20) / 2;
  {
    Submitter submitter(*url, token, "acme", next, acked, mu);
    for (size_t trial = 0; trial < trials; ++trial) {
      auto puller = start_puller();
      std::this_thread::sleep_for(milliseconds(200 + random() % 600));
      const pid_t pid = puller->pid();
      puller->Kill9();
      EXPECT_TRUE(WaitUntilNoProcessMatches(handler.string(), seconds(10)));
      AppendKilled(journal, pid);
    }
  }
  auto puller = start_puller();
  std::printf("%zu puller kills, %zu agendas acknowledged\n", trials, acked.size());
  ExpectEveryAcknowledgedAgendaSucceeded(admin, acked, seconds(180));
  EXPECT_EQ(puller->Terminate(), 0);
  EXPECT_EQ(server.Terminate(), 0);
  ExpectJournalClean(journal);
}

// ---- two pop servers and two pop pullers on PostgreSQL: a server, a puller or PostgreSQL
// itself killed

// A PostgreSQL cluster of the test's own (so that it can be crashed; every commit waits for its
// WAL write, as in production, so that a crash loses nothing acknowledged), two `pop server`s on
// it and a `pop puller` on each. Each puller has its own copy of the chaos handler, so that the
// test can wait for the handlers of one killed puller while the other keeps working; both
// journal to one file. Lease and reclaim times as short as is honest keep the test short: a claim
// without a report returns after 10 s, an execution without a report for 15 s fails and is
// retried at once. Both must outlast a failed report and its retry (the executor retries after
// 5 s, heartbeats every 5 s) plus an outage of a second or two: a claim or an execution taken
// back while its executor still runs is handed to another puller, and the agenda then runs
// again (after a lapse, at least once is what a lease promises).
class PostgresChaos {
 public:
  static constexpr size_t kPairs = 2;

  explicit PostgresChaos(const std::filesystem::path& dir)
      : dir_(dir),
        journal_(dir / "journal"),
        servers_(kPairs),
        ports_(kPairs, "0"),
        pullers_(kPairs) {
    for (size_t i = 0; i < kPairs; ++i) {
      const std::filesystem::path own = dir / ("puller-" + std::to_string(i));
      std::filesystem::create_directories(own);
      handlers_.push_back(WriteChaosHandler(own, journal_));
      WriteRegistry(own / "registry.json", handlers_.back());
    }
  }
  ~PostgresChaos() {
    for (auto& puller : pullers_) puller.reset();
    for (auto& server : servers_) server.reset();
    PostgresTestCluster("stop", cluster_dir());
  }
  PostgresChaos(const PostgresChaos&) = delete;
  PostgresChaos& operator=(const PostgresChaos&) = delete;

  bool StartCluster() {
    if (!PostgresTestCluster("start", cluster_dir(), "POSTGRES_SYNCHRONOUS_COMMIT=on")) {
      return false;
    }
    uri_ = WaitForLine(cluster_dir() / "uri", seconds(5)).value_or("");
    return !uri_.empty();
  }
  // Crashes PostgreSQL (immediate shutdown) and starts it again on its port.
  bool RestartPostgres() { return PostgresTestCluster("restart", cluster_dir()); }

  // Starts server `i` (again: on the port it had, where its puller looks for it); its URL.
  std::string StartServer(size_t i) {
    const std::filesystem::path ready = dir_ / ("ready-" + std::to_string(i));
    const std::filesystem::path log = dir_ / ("server-" + std::to_string(i) + ".log");
    std::filesystem::remove(ready);
    servers_[i] =
        std::make_unique<ChildProcess>(std::vector<std::string>{PopBinary(),
                                                                "server",
                                                                "--store",
                                                                uri_,
                                                                "--listen",
                                                                "127.0.0.1:" + ports_[i],
                                                                "--ready-file",
                                                                ready.string(),
                                                                "--bootstrap-token-file",
                                                                (dir_ / "admin-token").string(),
                                                                "--claim-lease-seconds",
                                                                "10",
                                                                "--reclaim-after-seconds",
                                                                "15",
                                                                "--reclaim-interval-seconds",
                                                                "1",
                                                                "--retry-backoff-seconds",
                                                                "0",
                                                                "--log-level",
                                                                "warning"},
                                       log);
    std::string url = WaitForLine(ready, seconds(30)).value_or("");
    EXPECT_FALSE(url.empty()) << ReadFile(log);
    if (ports_[i] == "0") ports_[i] = url.substr(url.rfind(':') + 1);
    urls_.resize(kPairs);
    urls_[i] = url;
    return url;
  }
  void KillServer(size_t i) { servers_[i]->Kill9(); }

  void StartPuller(size_t i) {
    pullers_[i] = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            PopBinary(), "puller", "--server", urls_[i], "--token", token(), "--insight", "chaos",
            "--registry", (handlers_[i].parent_path() / "registry.json").string(), "--puller-id",
            "puller-" + std::to_string(i), "--log-level", "warning"},
        dir_ / ("puller-" + std::to_string(i) + ".log"));
  }
  // SIGKILL; returns once it and every handler it started are gone (journalled).
  void KillPuller(size_t i) {
    const pid_t pid = pullers_[i]->pid();
    pullers_[i]->Kill9();
    EXPECT_TRUE(WaitUntilNoProcessMatches(handlers_[i].string(), seconds(10)));
    AppendKilled(journal_, pid);
  }
  int StopPuller(size_t i) { return pullers_[i]->Terminate(); }
  int StopServer(size_t i) { return servers_[i]->Terminate(); }

  std::string token() const { return WaitForLine(dir_ / "admin-token", seconds(5)).value_or(""); }
  const std::vector<std::string>& urls() const { return urls_; }
  const std::filesystem::path& journal() const { return journal_; }
  std::string Logs() const {
    std::string logs;
    for (size_t i = 0; i < kPairs; ++i) {
      logs += ReadFile(dir_ / ("server-" + std::to_string(i) + ".log"));
      logs += ReadFile(dir_ / ("puller-" + std::to_string(i) + ".log"));
    }
    return logs;
  }

 private:
  std::filesystem::path cluster_dir() const { return dir_ / "cluster"; }

  std::filesystem::path dir_;
  std::filesystem::path journal_;
  std::string uri_;
  std::vector<std::filesystem::path> handlers_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
  std::vector<std::string> ports_;
  std::vector<std::string> urls_;
  std::vector<std::unique_ptr<ChildProcess>> pullers_;
};

// Under a stream of submissions taking turns between the two servers, each trial waits a random
// moment, then kills a random server (restarted at once, on its port), kills a random puller
// (restarted once its handlers are gone) or crashes PostgreSQL (started again at once). After
// the last trial every acknowledged agenda is there and succeeds, and the journal shows no
// operation completed twice by one executor and no agenda in two executors at once.
TEST(PostgresChaosTest, ServersPullersAndPostgresKilledAtRandomMomentsLoseAndDoubleNothing) {
  ChaosDir dir;
  PostgresChaos chaos(dir.path());
  ASSERT_TRUE(chaos.StartCluster()) << "the test's own PostgreSQL did not start";
  for (size_t i = 0; i < PostgresChaos::kPairs; ++i) ASSERT_FALSE(chaos.StartServer(i).empty());
  const std::string token = chaos.token();
  ApiClient admin(chaos.urls()[0], token);
  CreatePoolInsightAndCustomer(admin);
  if (::testing::Test::HasFatalFailure()) return;
  for (size_t i = 0; i < PostgresChaos::kPairs; ++i) chaos.StartPuller(i);

  std::mt19937 random(Seed());
  std::atomic<size_t> next{0};
  std::vector<Acknowledged> acked;
  std::mutex mu;
  const size_t trials = Trials(20);
  size_t kills[3] = {0, 0, 0};  // servers, pullers, PostgreSQL
  const auto start = std::chrono::steady_clock::now();
  {
    // A few agendas per trial: one submission every 50 ms.
    Submitter submitter(Submitter::Options{chaos.urls(), false, milliseconds(50)}, token, "acme",
                        next, acked, mu);
    for (size_t trial = 0; trial < trials; ++trial) {
      std::this_thread::sleep_for(milliseconds(100 + random() % 400));
      const size_t what = random() % 3;
      const size_t which = random() % PostgresChaos::kPairs;
      ++kills[what];
      if (what == 0) {
        chaos.KillServer(which);
        ASSERT_FALSE(chaos.StartServer(which).empty());
      } else if (what == 1) {
        chaos.KillPuller(which);
        chaos.StartPuller(which);
      } else {
        ASSERT_TRUE(chaos.RestartPostgres()) << "PostgreSQL did not start again";
      }
    }
  }
  std::printf(
      "%zu trials in %.1f s: %zu servers, %zu pullers killed, %zu PostgreSQL crashes; "
      "%zu agendas acknowledged\n",
      trials, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
      kills[0], kills[1], kills[2], acked.size());
  ASSERT_FALSE(acked.empty());
  ApiClient reader(chaos.urls()[1], token);
  const auto settling = std::chrono::steady_clock::now();
  ExpectEveryAcknowledgedAgendaSucceeded(reader, acked, seconds(180));
  std::printf("every acknowledged agenda finished %.1f s after the last trial\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - settling).count());
  if (::testing::Test::HasFailure()) std::printf("%s\n", chaos.Logs().c_str());
  // Each puller waits for its parked long poll as it stops: all four stop at once.
  std::vector<std::future<int>> stops;
  for (size_t i = 0; i < PostgresChaos::kPairs; ++i) {
    stops.push_back(std::async(std::launch::async, [&chaos, i] { return chaos.StopPuller(i); }));
    stops.push_back(std::async(std::launch::async, [&chaos, i] { return chaos.StopServer(i); }));
  }
  for (auto& stop : stops) EXPECT_EQ(stop.get(), 0);
  ExpectJournalClean(chaos.journal());
}

}  // namespace
}  // namespace pop::testing
