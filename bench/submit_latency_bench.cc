// pop_submit_latency_bench: latency of the real `pop server` binary on an idle server, over
// HTTP (libcurl, keep-alive), one request at a time:
//   (a) submit -> ack: POST /pop/agenda until its response arrives (one durable commit);
//   (b) submit -> claimable: a puller keeps a getAgenda long poll (waitSeconds 20) parked; from
//       just before the submit is sent until that long poll returns the agenda (two durable
//       commits: the submission and the claim);
//   (c) the W0 round trip of the peers' harness: submit -> claimed -> the executor reports
//       COMPLETE/succeeded (updateAgendaProgress) -> the client reads the progress as COMPLETE.
// For context it measures the disk's fdatasync on the same file system and prints the peers' W0
// figures. The issue's targets for (b): p50 <= 1 ms, p99 <= 5 ms. Results: BENCHMARKS.md.
// With --postgres-uri (a superuser's URI; issue 11): two `pop server`s on a fresh database of
// that PostgreSQL, the client submitting to server A while the puller's long poll is parked on
// server B, so (b) is submit -> claimable across servers (the change feed's NOTIFY included).
//
// Usage: pop_submit_latency_bench [--pop PATH] [--n N] [--warmup W] [--queue-size Q]
//                                 [--settle-ms S] [--fsyncs F] [--peers RESULTS.md] [--dir DIR]
//                                 [--server-log FILE] [--server-log-level LEVEL]
//                                 [--postgres-uri URI]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/http_client/curl_http_client.h"
#include "bench_api.h"
#include "bench_report.h"
#include "core/codec/json_text.h"

namespace pop::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr char kBench[] = "submit_latency_bench";
constexpr char kAckInsight[] = "bench-ack";
constexpr char kClaimInsight[] = "bench-claim";
constexpr char kCustomer[] = "bench-customer";

struct Options {
  std::string pop;  // the pop binary; default: `pop` next to this program
  size_t n = 1000;
  size_t warmup = 20;
  int64_t queue_size = 10;
  int settle_ms = 5;  // pause before each submit so the puller's long poll is parked
  size_t fsyncs = 200;
  std::string peers;       // the peers' RESULTS.md to read W0 from; empty: the recorded figures
  std::string dir;         // keep the server's files here; empty: a temp dir removed at exit
  std::string server_log;  // the server's stdout/stderr go here when set
  std::string server_log_level = "warning";  // "debug" logs every request with its duration
  // A PostgreSQL URI: two servers on a fresh database of it (A takes the submissions, B the
  // puller's long polls) instead of one server on SQLite.
  std::string postgres_uri;
};

double MillisBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "pop_submit_latency_bench: %s\n", message.c_str());
  std::exit(1);
}

std::string ReadTrimmed(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// ---- The disk: fdatasync after a small overwrite, as a WAL commit does.

void MeasureFsync(const std::filesystem::path& dir, size_t count) {
  const std::filesystem::path probe = dir / "fsync-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) Die("cannot create " + probe.string());
  std::vector<char> block(4096, 'x');
  std::vector<double> samples;
  for (size_t i = 0; i < count + 5; ++i) {
    block[i % block.size()] = static_cast<char>('a' + i % 26);
    const auto t0 = SteadyClock::now();
    if (::pwrite(fd, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      Die("write/fdatasync failed on " + probe.string());
    }
    if (i >= 5) samples.push_back(MillisBetween(t0, SteadyClock::now()));  // 5 warm-up writes
  }
  ::close(fd);
  std::filesystem::remove(probe);
  LatencySummary summary = Summarize(std::move(samples));
  std::printf("\nthe disk under the database: 4 KiB pwrite + fdatasync, %zu times\n", count);
  PrintLatencyHeader("ms");
  PrintLatencyRow("pwrite + fdatasync", summary, "ms");
  JsonLine(kBench, "fdatasync_ms").Add(summary).Print();
}

// ---- The server process.

class ServerProcess {
 public:
  // `store`: --store's value (sqlite:PATH or a PostgreSQL URI); `name` tells apart the ready
  // files of several servers in one dir (they share the admin token file, as one store has one).
  ServerProcess(std::string binary, std::filesystem::path dir, std::string log_level,
                std::string log_file, std::string store, std::string name)
      : binary_(std::move(binary)),
        dir_(std::move(dir)),
        log_level_(std::move(log_level)),
        log_file_(std::move(log_file)),
        store_(std::move(store)),
        name_(std::move(name)) {}
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Returns the base URL once the server has written its ready file.
  std::string Start() {
    const std::filesystem::path ready = dir_ / ("ready-" + name_);
    std::vector<std::string> args = {binary_,
                                     "server",
                                     "--store",
                                     store_,
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--ready-file",
                                     ready.string(),
                                     "--bootstrap-token-file",
                                     (dir_ / "admin-token").string(),
                                     "--log-level",
                                     log_level_};
    pid_ = fork();
    if (pid_ < 0) Die("fork failed");
    if (pid_ == 0) {
      std::vector<char*> argv;
      argv.reserve(args.size() + 1);
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      if (!log_file_.empty()) {
        int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
          ::dup2(fd, STDOUT_FILENO);
          ::dup2(fd, STDERR_FILENO);
        }
      }
      execv(argv[0], argv.data());
      std::perror("execv");
      _exit(127);
    }
    // The ready file is the only signal another process gives; poll for it.
    const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    while (SteadyClock::now() < deadline) {
      if (std::filesystem::exists(ready)) return ReadTrimmed(ready);
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        Die("pop server exited during start-up (is --pop right? " + binary_ + ")");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Die("pop server did not become ready within 30 s");
  }

  // SIGTERM and wait; the exit status, or -1.
  int Terminate() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string pid() const { return std::to_string(pid_); }
  std::string admin_token() const { return ReadTrimmed(dir_ / "admin-token"); }

 private:
  std::string binary_;
  std::filesystem::path dir_;
  std::string log_level_;
  std::string log_file_;
  std::string store_;
  std::string name_;
  pid_t pid_ = -1;
};

// A new database on the PostgreSQL of `uri` (a superuser's), named after this process; its URI.
std::string FreshDatabase(const std::string& uri) {
  const std::string name = "pop_latency_" + std::to_string(::getpid());
  const std::string command =
      "psql -q -v ON_ERROR_STOP=1 '" + uri + "' -c 'CREATE DATABASE " + name + "' >/dev/null";
  if (std::system(command.c_str()) != 0) Die("cannot create database " + name);
  const size_t slash = uri.rfind('/');
  if (slash == std::string::npos) Die("--postgres-uri needs a database: postgresql://.../db");
  return uri.substr(0, slash + 1) + name;
}

// ---- HTTP.

class Api : public BenchApi {
 public:
  Api(std::string url, std::string token) : BenchApi(std::move(url), std::move(token), &Die) {}
};

// `all[0].<field>` of an envelope, or "" when absent.
std::string FirstField(const Json& envelope, const char* list, const char* field) {
  const Json* items = envelope.Find(list);
  if (items == nullptr || !items->is_array() || items->AsArray().empty()) return "";
  const Json* value = items->AsArray()[0].Find(field);
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

void SetUp(Api& admin, const Options& options) {
  admin.Call("POST", "/resourcepool",
             R"({"id":"bench-pool","customerId":"ops","title":"bench pool"})");
  for (const char* insight : {kAckInsight, kClaimInsight}) {
    admin.Call("POST", "/insight",
               std::string(R"({"id":")") + insight +
                   R"(","customerId":"ops","title":"bench","resourcePoolId":"bench-pool",)" +
                   R"("queueName":")" + insight + R"(","queueSize":)" +
                   std::to_string(options.queue_size) +
                   R"(,"schedulingAlgorithm":"FirstInFirstOut","isGlobal":true,)" +
                   R"("mappers":{"operationType":[")" + insight + R"("]}})");
  }
  admin.Call("POST", "/customer",
             std::string(R"({"id":")") + kCustomer + R"(","customerId":")" + kCustomer +
                 R"(","title":"bench","resourcePoolId":"bench-pool"})");
}

std::string AgendaBody(const char* type, size_t n) {
  return std::string(R"({"customerId":")") + kCustomer +
         R"(","operations":[{"name":"task","type":")" + type + R"(","payload":{"n":)" +
         std::to_string(n) + "}}]}";
}

// ---- What the server spent per measured request (CPU time, thread switches).

void ReportServerCost(const char* phase, const ProcessCounters& before,
                      const ProcessCounters& after, size_t requests) {
  const double n = static_cast<double>(std::max<size_t>(requests, 1));
  const double cpu = (after.cpu_ms - before.cpu_ms) / n;
  const double voluntary =
      static_cast<double>(after.voluntary_switches - before.voluntary_switches) / n;
  const double involuntary =
      static_cast<double>(after.involuntary_switches - before.involuntary_switches) / n;
  std::printf(
      "    server cost per %s: %.2f ms CPU, %.1f voluntary + %.1f involuntary thread "
      "switches\n",
      phase, cpu, voluntary, involuntary);
  JsonLine(kBench, "server_cost")
      .Add("per", phase)
      .Add("cpu_ms", cpu)
      .Add("voluntary_switches", voluntary)
      .Add("involuntary_switches", involuntary)
      .Print();
}

// ---- (a) submit -> ack, nobody pulling (the agendas wait in their own insight).

// After each ack a getAgenda that does not wait (waitSeconds 0) is sent at once: it must return
// the agenda just acknowledged, which shows that an agenda is claimable when its submission is
// acknowledged (the scheduler queues it before the response is sent). Its time is not part of
// the ack's.
void MeasureSubmitAck(Api& client, const Options& options) {
  std::vector<double> samples;
  std::vector<double> claims;
  size_t claimed_at_ack = 0;
  const std::string poll = std::string(R"({"insightId":")") + kAckInsight +
                           R"(","count":1,"waitSeconds":0,"pullerId":"bench-ack-puller"})";
  for (size_t i = 0; i < options.warmup + options.n; ++i) {
    const auto t0 = SteadyClock::now();
    Json response = client.Call("POST", "/agenda", AgendaBody(kAckInsight, i));
    const auto acked = SteadyClock::now();
    const std::string id = FirstField(response, "all", "id");
    if (id.empty()) Die("submit returned no agenda id");
    Json claim = client.Call("POST", "/resourcepool/service/getAgenda", poll);
    const auto answered = SteadyClock::now();
    if (i < options.warmup) continue;
    samples.push_back(MillisBetween(t0, acked));
    claims.push_back(MillisBetween(acked, answered));
    if (FirstField(claim, "agendas", "id") == id) ++claimed_at_ack;
  }
  LatencySummary summary = Summarize(std::move(samples));
  PrintLatencyRow("(a) submit -> ack (= claimable)", summary, "ms");
  JsonLine(kBench, "submit_ack_ms").Add(summary).Print();
  LatencySummary claim_summary = Summarize(std::move(claims));
  PrintLatencyRow("    ack -> getAgenda(wait 0) claimed it", claim_summary, "ms");
  JsonLine(kBench, "claim_after_ack_ms").Add(claim_summary).Print();
  std::printf("    agendas claimed by the getAgenda sent right after their ack: %zu of %zu\n",
              claimed_at_ack, options.n);
  JsonLine(kBench, "claimable_at_ack")
      .Add("claimed", static_cast<int64_t>(claimed_at_ack))
      .Add("of", static_cast<int64_t>(options.n))
      .Print();
}

// ---- (b) and (c): a puller that is also the executor.

// What the puller hands to the client, under `mu`.
struct Exchange {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  bool polling = false;  // a getAgenda is on its way or parked
  SteadyClock::time_point poll_sent;
  bool done = false;  // claimed and reported
  std::string agenda_id;
  std::string progress_id;
  SteadyClock::time_point claimed;
  SteadyClock::time_point reported;
};

void PullerLoop(Api& puller, Exchange& x) {
  const std::string poll = std::string(R"({"insightId":")") + kClaimInsight +
                           R"(","count":1,"waitSeconds":20,"pullerId":"bench-puller"})";
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(x.mu);
      if (x.stop) return;
      x.polling = true;
      x.poll_sent = SteadyClock::now();
    }
    x.cv.notify_all();
    std::string error;
    std::optional<Json> response = puller.TryCall("POST", "/resourcepool/service/getAgenda", poll,
                                                  std::chrono::milliseconds(40'000), error);
    const auto claimed = SteadyClock::now();
    if (!response) {
      std::lock_guard<std::mutex> lock(x.mu);
      if (x.stop) return;  // the server is stopping
      Die(error);
    }
    const std::string agenda_id = FirstField(*response, "agendas", "id");
    if (agenda_id.empty()) continue;  // the long poll ended empty (or the server is stopping)
    const std::string progress_id = FirstField(*response, "agendas", "progressId");
    {
      std::lock_guard<std::mutex> lock(x.mu);
      x.polling = false;
    }
    // The executor: the single operation did nothing, and succeeded. It names the puller that
    // holds the claim, as an executor does (a stale one would get 409).
    puller.Call("POST", "/resourcepool/service/updateAgendaProgress",
                R"({"pullerId":"bench-puller","agendaProgress":{"id":")" + progress_id +
                    R"(","processingState":"COMPLETE","processingStateMessage":"succeeded",)"
                    R"("percentComplete":100.0,"operationProgress":[{"operation":"task",)"
                    R"("processingState":"COMPLETE","processingStateMessage":"succeeded",)"
                    R"("percentComplete":100.0,"resultPayload":"{}"}]}})");
    const auto reported = SteadyClock::now();
    {
      std::lock_guard<std::mutex> lock(x.mu);
      x.done = true;
      x.agenda_id = agenda_id;
      x.progress_id = progress_id;
      x.claimed = claimed;
      x.reported = reported;
    }
    x.cv.notify_all();
  }
}

struct RoundTripSamples {
  std::vector<double> ack;         // submit -> ack while the puller is parked
  std::vector<double> claimable;   // submit -> the long poll returned it
  std::vector<double> report;      // claimed -> updateAgendaProgress answered
  std::vector<double> round_trip;  // submit -> progress read as COMPLETE
  size_t extra_reads = 0;          // progress reads that did not yet say COMPLETE
};

void MeasureClaimable(Api& client, Exchange& x, const Options& options, RoundTripSamples& out) {
  for (size_t i = 0; i < options.warmup + options.n; ++i) {
    {
      std::unique_lock<std::mutex> lock(x.mu);
      x.cv.wait(lock, [&] { return x.polling; });
      const auto parked = x.poll_sent + std::chrono::milliseconds(options.settle_ms);
      lock.unlock();
      std::this_thread::sleep_until(parked);
    }
    const auto t0 = SteadyClock::now();
    Json submitted = client.Call("POST", "/agenda", AgendaBody(kClaimInsight, i));
    const auto acked = SteadyClock::now();
    const std::string id = FirstField(submitted, "all", "id");
    std::string progress_id;
    SteadyClock::time_point claimed;
    SteadyClock::time_point reported;
    {
      std::unique_lock<std::mutex> lock(x.mu);
      if (!x.cv.wait_for(lock, std::chrono::seconds(30), [&] { return x.done; })) {
        Die("the puller did not receive agenda " + id + " within 30 s");
      }
      x.done = false;
      if (x.agenda_id != id) Die("the puller got agenda " + x.agenda_id + ", not " + id);
      progress_id = x.progress_id;
      claimed = x.claimed;
      reported = x.reported;
    }
    // The client learns of the report and reads the result, as a W0 client does.
    for (int attempt = 0;; ++attempt) {
      Json progress = client.Call("GET", "/progress/agenda/" + progress_id, "");
      if (FirstField(progress, "all", "processingState") == "COMPLETE") break;
      if (attempt >= 1000) Die("progress " + progress_id + " never read COMPLETE");
      if (i >= options.warmup) ++out.extra_reads;
    }
    const auto read = SteadyClock::now();
    if (i < options.warmup) continue;
    out.ack.push_back(MillisBetween(t0, acked));
    out.claimable.push_back(MillisBetween(t0, claimed));
    out.report.push_back(MillisBetween(claimed, reported));
    out.round_trip.push_back(MillisBetween(t0, read));
  }
}

// ---- The peers' W0 figures.

struct PeerFigure {
  std::string peer;
  std::string p50_p99;  // "3.9 / 10.5" (ms)
};

// The summary table of the harness's RESULTS.md: the column "W0 round trip p50 / p99 ms".
std::vector<PeerFigure> ReadPeers(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read --peers " + path);
  std::vector<PeerFigure> figures;
  std::string line;
  int column = -1;
  auto split = [](const std::string& row) {
    std::vector<std::string> cells;
    std::stringstream stream(row);
    std::string cell;
    while (std::getline(stream, cell, '|')) {
      const size_t first = cell.find_first_not_of(' ');
      const size_t last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    return cells;
  };
  while (std::getline(in, line)) {
    if (column < 0) {
      if (line.rfind("| peer |", 0) != 0 || line.find("W0 round trip") == std::string::npos) {
        continue;
      }
      std::vector<std::string> header = split(line);
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i].find("W0 round trip") != std::string::npos) column = static_cast<int>(i);
      }
      continue;
    }
    if (line.rfind("|---", 0) == 0) continue;
    if (line.rfind("| ", 0) != 0) break;
    std::vector<std::string> cells = split(line);
    if (static_cast<int>(cells.size()) > column &&
        cells[static_cast<size_t>(column)] != "n/a / n/a") {
      figures.push_back({cells[1], cells[static_cast<size_t>(column)]});
    }
  }
  if (figures.empty()) Die("no W0 column found in " + path);
  return figures;
}

void PrintPeers(const Options& options) {
  std::vector<PeerFigure> figures;
  std::string source;
  if (!options.peers.empty()) {
    figures = ReadPeers(options.peers);
    source = options.peers;
  } else {
    // Recorded from the shared peers harness (bench/peers/RESULTS.md of the shared benchmark
    // folder, measured 2026-11-27 on this project's 2-vCPU machine, median of 3 reps).
    figures = {{"bullmq", "3.9 / 10.5"},
               {"celery", "4.7 / 10.6"},
               {"dask", "12.9 / 26.4"},
               {"pgboss", "19.8 / 52.2"}};
    source =
        "peers/RESULTS.md of the shared benchmark harness, 2026-11-27 (pass --peers to re-read)";
  }
  std::printf("\npeers, W0 unloaded submit -> result round trip, p50 / p99 ms (source: %s)\n",
              source.c_str());
  for (const PeerFigure& figure : figures) {
    std::printf("  %-12s %s\n", figure.peer.c_str(), figure.p50_p99.c_str());
    JsonLine(kBench, "peer_w0_round_trip")
        .Add("peer", figure.peer)
        .Add("p50_p99_ms", figure.p50_p99)
        .Add("source", source)
        .Print();
  }
}

// ---- Main.

std::string DefaultPopBinary() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "pop";
  return (self.parent_path() / "pop").string();
}

int Run(Options options) {
  if (options.pop.empty()) options.pop = DefaultPopBinary();
  PrintMachine(kBench, "start");
  std::filesystem::path dir = options.dir;
  const bool temporary = dir.empty();
  if (temporary) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pop-submit-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
    dir = pattern;
  } else {
    std::filesystem::create_directories(dir);
    std::filesystem::remove(dir / "pop.db");
    std::filesystem::remove(dir / "pop.db-wal");
    std::filesystem::remove(dir / "pop.db-shm");
    std::filesystem::remove(dir / "admin-token");
    for (const char* name : {"ready-a", "ready-b"}) std::filesystem::remove(dir / name);
  }
  const bool postgres = !options.postgres_uri.empty();
  std::printf("server: %s, files in %s; %zu measured requests each after %zu warm-up\n",
              options.pop.c_str(), dir.c_str(), options.n, options.warmup);
  MeasureFsync(dir, options.fsyncs);

  const std::string store =
      postgres ? FreshDatabase(options.postgres_uri) : "sqlite:" + (dir / "pop.db").string();
  ServerProcess server(options.pop, dir, options.server_log_level, options.server_log, store, "a");
  const std::string url = server.Start();
  const std::string token = server.admin_token();
  Api client(url, token);
  SetUp(client, options);
  // On PostgreSQL the puller's long polls go to a second server: what the submission to A
  // changed reaches B through the store and its change feed.
  std::unique_ptr<ServerProcess> server_b;
  std::string puller_url = url;
  if (postgres) {
    server_b = std::make_unique<ServerProcess>(
        options.pop, dir, options.server_log_level,
        options.server_log.empty() ? "" : options.server_log + ".b", store, "b");
    puller_url = server_b->Start();
    std::printf("two pop servers on PostgreSQL: submissions to %s, long polls on %s\n", url.c_str(),
                puller_url.c_str());
  }

  std::printf("\nlatency on an idle server, one request at a time\n");
  PrintLatencyHeader("ms");
  const ProcessCounters before_ack = ReadProcessCounters(server.pid());
  MeasureSubmitAck(client, options);
  ReportServerCost("submit (a)", before_ack, ReadProcessCounters(server.pid()),
                   options.n + options.warmup);

  Api puller(puller_url, token);
  Exchange exchange;
  std::thread puller_thread([&] { PullerLoop(puller, exchange); });
  RoundTripSamples samples;
  const ProcessCounters before_cycle = ReadProcessCounters(server.pid());
  MeasureClaimable(client, exchange, options, samples);
  const ProcessCounters after_cycle = ReadProcessCounters(server.pid());

  const int64_t server_rss = ProcStatusBytes(server.pid(), "VmRSS");
  const int64_t server_peak = ProcStatusBytes(server.pid(), "VmHWM");
  {
    std::lock_guard<std::mutex> lock(exchange.mu);
    exchange.stop = true;
  }
  // Stopping the server answers the parked long poll, which lets the puller see `stop`.
  const int exit_status_b = server_b != nullptr ? server_b->Terminate() : 0;
  const int exit_status = std::max(server.Terminate(), exit_status_b);
  puller_thread.join();

  struct Row {
    const char* metric;
    const char* label;
    std::vector<double>* samples;
  };
  for (const Row& row :
       {Row{"submit_ack_with_parked_puller_ms", "    submit -> ack, puller parked", &samples.ack},
        Row{"submit_to_claimable_ms", "(b) submit -> claimable (long poll)", &samples.claimable},
        Row{"executor_report_ms", "    claimed -> updateAgendaProgress answered", &samples.report},
        Row{"w0_round_trip_ms", "(c) W0: submit -> progress reads COMPLETE",
            &samples.round_trip}}) {
    LatencySummary summary = Summarize(std::move(*row.samples));
    PrintLatencyRow(row.label, summary, "ms");
    JsonLine line(kBench, row.metric);
    line.Add(summary);
    if (std::strcmp(row.metric, "submit_to_claimable_ms") == 0) {
      line.Add("target_p50_ms", 1.0).Add("target_p99_ms", 5.0);
    }
    line.Print();
  }
  std::printf("    (progress reads that had to be repeated: %zu)\n", samples.extra_reads);
  ReportServerCost("W0 cycle: submit, getAgenda, updateAgendaProgress, GET progress", before_cycle,
                   after_cycle, options.n + options.warmup);
  std::printf("\npop server at the end: RSS %.1f MiB, peak RSS %.1f MiB; exit status %d\n",
              static_cast<double>(server_rss) / 1048576.0,
              static_cast<double>(server_peak) / 1048576.0, exit_status);
  JsonLine(kBench, "server_memory")
      .Add("rss_bytes", server_rss)
      .Add("peak_rss_bytes", server_peak)
      .Print();
  PrintPeers(options);
  PrintMachine(kBench, "end");
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return exit_status == 0 ? 0 : 1;
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--pop PATH] [--n N] [--warmup W] [--queue-size Q] [--settle-ms S]\n"
               "          [--fsyncs F] [--peers RESULTS.md] [--dir DIR] [--server-log FILE]\n"
               "          [--server-log-level LEVEL] [--postgres-uri URI]\n"
               "  --pop        the pop binary (default: pop next to this program)\n"
               "  --n          measured requests per measurement (default 1000)\n"
               "  --warmup     unmeasured requests first (default 20)\n"
               "  --queue-size queueSize of the insights (default 10)\n"
               "  --settle-ms  pause before each submit so the long poll is parked (default 5)\n"
               "  --fsyncs     fdatasync samples of the disk (default 200)\n"
               "  --peers      the peers' RESULTS.md to read their W0 figures from\n"
               "  --dir        put the server's files here (a fresh database each run)\n"
               "  --server-log the server's output goes to FILE (default: this terminal)\n"
               "  --server-log-level  the server's --log-level (default warning; debug logs\n"
               "               every request with its duration in the server)\n"
               "  --postgres-uri  a superuser's PostgreSQL URI: two servers on a new database of\n"
               "               it, submissions to one, long polls on the other\n",
               argv0);
  return 2;
}

bool ParseNumber(const char* text, long long& out) {
  char* end = nullptr;
  out = std::strtoll(text, &end, 10);
  return end != text && *end == '\0' && out >= 0;
}

}  // namespace
}  // namespace pop::bench

int main(int argc, char** argv) {
  pop::bench::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h" || i + 1 >= argc) return pop::bench::Usage(argv[0]);
    const char* value = argv[++i];
    long long number = 0;
    if (flag == "--pop") {
      options.pop = value;
    } else if (flag == "--peers") {
      options.peers = value;
    } else if (flag == "--dir") {
      options.dir = value;
    } else if (flag == "--server-log") {
      options.server_log = value;
    } else if (flag == "--server-log-level") {
      options.server_log_level = value;
    } else if (flag == "--postgres-uri") {
      options.postgres_uri = value;
    } else if (!pop::bench::ParseNumber(value, number)) {
      return pop::bench::Usage(argv[0]);
    } else if (flag == "--n") {
      options.n = static_cast<size_t>(std::max(number, 1LL));
    } else if (flag == "--warmup") {
      options.warmup = static_cast<size_t>(number);
    } else if (flag == "--queue-size") {
      options.queue_size = number;
    } else if (flag == "--settle-ms") {
      options.settle_ms = static_cast<int>(number);
    } else if (flag == "--fsyncs") {
      options.fsyncs = static_cast<size_t>(std::max(number, 1LL));
    } else {
      return pop::bench::Usage(argv[0]);
    }
  }
  return pop::bench::Run(options);
}
