// pop_workflow_bench: the workloads of the shared peers' benchmark (W1-W4) against the real
// `pop dev` binary over its HTTP API, with its SQLite store committing durably as it ships:
//   W1  N single-operation Agendas (resident `noop`);
//   W2  N diamonds A -> (B, C) -> D; D's payload references B's and C's outputs;
//   W3  one Agenda of N parallel operations and a join that references all N outputs;
//   W4  N single-operation Agendas whose operation runs /bin/true through the process launcher
//       (registered in the data dir's handlers.json with exitZeroIsSuccess).
// Each workload runs once per client model: one sequential client, and K concurrent submitters
// (one HTTP connection each); W3, a single Agenda, only with the first. With --batch B (W1, W2,
// W4) each submitter POSTs B Agendas at a time as one JSON array (a bulk submission, one
// transaction), taking the next B indices; the peer's counterpart is BullMQ's addBulk of B
// (bench/peers16). Every run gets a fresh `pop dev` and data dir. Also measured: the
// rate of a bare posix_spawn + waitpid loop of /bin/true (W4's limit), cold start (fork -> the
// first /healthz 200) and idle RSS of `pop dev`. Prints tables and one JSON line per figure;
// exits 1 when a workload did not complete correctly. Figures: BENCHMARKS.md, "issue 6".
//
// Usage: pop_workflow_bench [--pop PATH] [--workloads W1,W2,W3,W4] [--clients 1,16] [--batch B]
//                           [--w1 N] [--w2 N] [--w3 N] [--w4 N] [--warmup N] [--poll-ms MS]
//                           [--timeout-s S] [--dir DIR] [--dev-arg FLAG]...
//                           [--postgres-uri URI [--servers N] [--puller-arg FLAG]...]
// --dev-arg passes one more argument to `pop dev` (repeat it: --dev-arg --max-agendas
// --dev-arg 64); runs with any are not the configuration pop ships with.
// --postgres-uri (a superuser's URI): instead of `pop dev`, N (--servers, default 2) `pop server
// --store` processes on a fresh database of that PostgreSQL per run, each with one `pop puller`
// (as shipped, or with --puller-arg flags), submissions taking turns between the servers
// (bench/postgres).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/http_client/curl_http_client.h"
#include "bench_api.h"
#include "bench_report.h"
#include "core/codec/json_text.h"
#include "dev_server.h"

extern char** environ;

namespace pop::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr char kBench[] = "workflow_bench";
constexpr char kCustomer[] = "dev";       // pop dev's workspace customer
constexpr char kProcessType[] = "true";   // W4's type in handlers.json
constexpr size_t kAgendasPerLink = 5000;  // below the API's largest bylimit (10,000)

struct Options {
  std::string pop;
  std::vector<std::string> workloads = {"W1", "W2", "W3", "W4"};
  std::vector<size_t> clients = {1, 16};
  size_t batch = 1;  // Agendas per POST: more than 1 sends JSON arrays (bulk submission)
  std::map<std::string, size_t> sizes = {{"W1", 10000}, {"W2", 2000}, {"W3", 1000}, {"W4", 500}};
  size_t warmup = 20;
  int poll_ms = 5;
  int timeout_s = 240;
  std::string dir;
  std::vector<std::string> dev_args;  // extra flags for `pop dev`, e.g. --max-agendas 64
  // With a PostgreSQL URI (a superuser's: each run creates a database of its own): `servers`
  // `pop server --store` processes on it, each with a `pop puller`, instead of `pop dev`;
  // submissions take turns between the servers.
  std::string postgres_uri;
  size_t servers = 2;
  std::vector<std::string> puller_args;  // extra flags for each `pop puller`
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "pop_workflow_bench: %s\n", message.c_str());
  std::exit(1);
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

double WallMillis() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

double SelfCpuSeconds() { return ReadProcessCpu(std::to_string(::getpid())).self_s; }

// ---- HTTP: one client per thread, the admin token of the data dir.

class Api : public BenchApi {
 public:
  Api(std::string url, std::string token) : BenchApi(std::move(url), std::move(token), &Die) {}
};

std::string StringField(const Json& object, const char* field) {
  const Json* value = object.Find(field);
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

// ---- The workloads' Agendas.

struct Workload {
  std::string name;
  size_t agendas = 0;
  size_t ops_per_agenda = 1;
  std::string type = "noop";
};

Workload Describe(const std::string& name, size_t size) {
  Workload w;
  w.name = name;
  if (name == "W1") {
    w.agendas = size;
  } else if (name == "W2") {
    w.agendas = size;
    w.ops_per_agenda = 4;
  } else if (name == "W3") {
    w.agendas = 1;
    w.ops_per_agenda = size + 1;
  } else if (name == "W4") {
    w.agendas = size;
    w.type = kProcessType;
  } else {
    Die("unknown workload " + name);
  }
  return w;
}

std::string Op(const std::string& name, const std::string& type, const std::string& payload) {
  return R"({"name":")" + name + R"(","type":")" + type + R"(","payload":)" + payload + "}";
}

// Agenda `index` of workload `w` (a warm-up one when `warmup`), in link `link`.
std::string AgendaBody(const Workload& w, size_t index, const std::string& link, bool warmup) {
  const std::string i = std::to_string(index);
  std::string ops;
  if (w.name == "W2" && !warmup) {
    ops = Op("A", "noop", R"({"v":)" + i + "}") + "," +
          Op("B", "noop", R"({"v":"@<A.out::/v>","from":"B"})") + "," +
          Op("C", "noop", R"({"v":"@<A.out::/v>","from":"C"})") + "," +
          Op("D", "noop",
             R"({"bv":"@<B.out::/v>","bf":"@<B.out::/from>","cv":"@<C.out::/v>",)"
             R"("cf":"@<C.out::/from>"})");
  } else if (w.name == "W3" && !warmup) {
    const size_t n = w.ops_per_agenda - 1;
    std::string refs;
    for (size_t k = 0; k < n; ++k) {
      ops += Op("t" + std::to_string(k), "noop", R"({"v":)" + std::to_string(k) + "}") + ",";
      refs += std::string(k == 0 ? "" : ",") + "\"@<t" + std::to_string(k) + ".out::/v>\"";
    }
    ops += Op("join", "noop", R"({"all":[)" + refs + "]}");
  } else {
    ops = Op("t", w.type, R"({"i":)" + i + "}");
  }
  return std::string(R"({"customerId":")") + kCustomer + R"(","linkId":")" + link +
         R"(","operations":[)" + ops + "]}";
}

// ---- One measured run.

struct Submitted {
  std::string progress_id;
  std::string link;
  double submit_wall_ms = 0;
  SteadyClock::time_point submit;
  SteadyClock::time_point ack;
  std::optional<int64_t> completed_ms;  // the progress's completedTime once COMPLETE
  bool succeeded = false;
};

// Submits agendas [0, n) from `clients` threads, each taking the next `batch` indices: one
// Agenda per POST when `batch` is 1, else a JSON array of up to `batch` (a bulk submission).
// Batch k goes to urls[k % urls.size()].
void Submit(const std::vector<std::string>& urls, const std::string& token, const Workload& w,
            const std::string& tag, size_t clients, size_t batch, std::vector<Submitted>& out) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      std::vector<std::unique_ptr<Api>> apis;
      apis.reserve(urls.size());
      for (const std::string& url : urls) apis.push_back(std::make_unique<Api>(url, token));
      for (size_t k = next++; k * batch < out.size(); k = next++) {
        Api& api = *apis[k % apis.size()];
        const size_t first = k * batch;
        const size_t end = std::min(out.size(), first + batch);
        std::string body = batch > 1 ? "[" : "";
        for (size_t i = first; i < end; ++i) {
          out[i].link = tag + "-" + std::to_string(i / kAgendasPerLink);
          body += (i == first ? "" : ",") + AgendaBody(w, i, out[i].link, false);
        }
        if (batch > 1) body += "]";
        const double submit_wall_ms = WallMillis();
        const auto submit = SteadyClock::now();
        Json response = api.Call("POST", "/agenda", body);
        const auto ack = SteadyClock::now();
        const JsonArray& all = AllOf(response);
        if (all.size() != end - first) Die("submit: the response does not hold every agenda");
        for (size_t i = first; i < end; ++i) {
          out[i].submit_wall_ms = submit_wall_ms;
          out[i].submit = submit;
          out[i].ack = ack;
          out[i].progress_id = StringField(all[i - first], "progressId");
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

bool IsComplete(const Json& progress) {
  return StringField(progress, "processingState") == "COMPLETE";
}

void Record(const Json& progress, Submitted& s) {
  s.succeeded = StringField(progress, "processingStateMessage") == "succeeded";
  const Json* completed = progress.Find("completedTime");
  s.completed_ms = completed != nullptr && completed->is_number()
                       ? static_cast<int64_t>(completed->AsDouble())
                       : 0;
}

// Waits until every agenda's progress is COMPLETE: polls the latest-submitted pending one (cheap,
// one row) and, once that is complete, reads the progress of its whole link in one query.
// Returns false on timeout.
bool WaitAllComplete(Api& api, std::vector<Submitted>& runs, int poll_ms, int timeout_s) {
  std::vector<size_t> pending(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) pending[i] = i;
  std::sort(pending.begin(), pending.end(),
            [&](size_t a, size_t b) { return runs[a].submit < runs[b].submit; });
  const auto deadline = SteadyClock::now() + std::chrono::seconds(timeout_s);
  while (!pending.empty()) {
    if (SteadyClock::now() > deadline) return false;
    Submitted& last = runs[pending.back()];
    // Projected, so that an Agenda with many operations does not ship its operation progress.
    const Json latest = api.Call("GET", "/progress/agenda/" + last.progress_id +
                                            "?byfields=id,processingState,processingStateMessage,"
                                            "completedTime");
    const JsonArray& one = AllOf(latest);
    if (one.empty() || !IsComplete(one[0])) {
      std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
      continue;
    }
    std::set<std::string> links;
    for (size_t i : pending) links.insert(runs[i].link);
    std::map<std::string, const Json*> by_id;
    std::vector<Json> pages;
    pages.reserve(links.size());
    for (const std::string& link : links) {
      pages.push_back(api.Call("GET", "/progress/agenda?bylinkId=" + link +
                                          "&bylimit=10000&byfields=id,processingState,"
                                          "processingStateMessage,completedTime"));
    }
    for (const Json& page : pages) {
      for (const Json& progress : AllOf(page)) by_id[StringField(progress, "id")] = &progress;
    }
    std::vector<size_t> still;
    for (size_t i : pending) {
      auto found = by_id.find(runs[i].progress_id);
      if (found != by_id.end() && IsComplete(*found->second)) {
        Record(*found->second, runs[i]);
      } else {
        still.push_back(i);
      }
    }
    if (still.size() == pending.size()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
    pending = std::move(still);
  }
  return true;
}

// Checks what the outputs say beyond "succeeded": D saw B's and C's outputs (W2); the join saw
// all N outputs in order (W3). Returns the number of wrong results.
size_t CheckResults(Api& api, const Workload& w) {
  if (w.name != "W2" && w.name != "W3") return 0;
  const std::string op = w.name == "W2" ? "D" : "join";
  const Json outputs = api.Call(
      "GET", "/progress/operation?byoperation=" + op + "&bylimit=10000&byfields=resultPayload");
  const JsonArray& all = AllOf(outputs);
  size_t bad = 0;
  std::set<double> seen;
  for (const Json& progress : all) {
    Result<Json> out = ParseJson(StringField(progress, "resultPayload"));
    if (!out.ok()) {
      ++bad;
      continue;
    }
    if (w.name == "W2") {
      const Json* bv = out->Find("bv");
      const Json* cv = out->Find("cv");
      bool ok = bv != nullptr && cv != nullptr && bv->is_number() && cv->is_number() &&
                bv->AsDouble() == cv->AsDouble() && StringField(*out, "bf") == "B" &&
                StringField(*out, "cf") == "C" && seen.insert(bv->AsDouble()).second;
      bad += ok ? 0 : 1;
    } else {
      const Json* values = out->Find("all");
      bool ok = values != nullptr && values->is_array() &&
                values->AsArray().size() == w.ops_per_agenda - 1;
      for (size_t k = 0; ok && k < values->AsArray().size(); ++k) {
        ok = values->AsArray()[k].is_number() &&
             values->AsArray()[k].AsDouble() == static_cast<double>(k);
      }
      bad += ok ? 0 : 1;
    }
  }
  const size_t expected = w.name == "W2" ? w.agendas : 1;
  return bad + (all.size() == expected ? 0 : 1);
}

struct RunResult {
  std::string workload;
  size_t clients = 0;
  size_t batch = 1;
  bool ok = false;
  double agendas_per_s = 0;
  double ops_per_s = 0;
  double submit_per_s = 0;
  double e2e_s = 0;
  LatencySummary latency;
  double cold_start_ms = 0;
  double idle_rss_mib = 0;
  double peak_rss_mib = 0;
  double server_cpu_s = 0;
};

// The extra `pop dev` flags, space-separated ("" for pop as it ships).
std::string DevArgs(const Options& options) {
  std::string joined;
  for (const std::string& arg : options.dev_args) joined += (joined.empty() ? "" : " ") + arg;
  return joined;
}

void WriteRegistry(const std::filesystem::path& data_dir) {
  std::ofstream out(data_dir / "handlers.json");
  out << R"({")" << kProcessType << R"(": {"command": "/bin/true", "exitZeroIsSuccess": true}})"
      << "\n";
  if (!out) Die("cannot write handlers.json in " + data_dir.string());
}

constexpr char kServerInsight[] = "bench";

// Creates database pop_bench_<tag>_<pid> with `psql` (PostgreSQL's client) through the
// superuser `uri`; the URI of the new database.
std::string FreshDatabase(const std::string& uri, const std::string& tag) {
  std::string name = "pop_bench_" + tag + "_" + std::to_string(::getpid());
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return static_cast<char>(std::isalnum(c) != 0 ? std::tolower(c) : '_');
  });
  const std::string command =
      "psql -q -v ON_ERROR_STOP=1 '" + uri + "' -c 'CREATE DATABASE " + name + "' >/dev/null";
  if (std::system(command.c_str()) != 0) Die("cannot create database " + name);
  const size_t slash = uri.rfind('/');
  if (slash == std::string::npos) Die("--postgres-uri needs a database: postgresql://.../db");
  return uri.substr(0, slash + 1) + name;
}

// What `pop dev` sets up by itself: a pool, a global Insight taking the workloads' types, and
// the customer of the Agendas.
void SetUpServerInsight(Api& api) {
  api.Call("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})");
  api.Call("POST", "/insight",
           std::string(R"({"id":")") + kServerInsight +
               R"(","customerId":"ops","title":"bench","resourcePoolId":"rp","queueName":"bench",)"
               R"("queueSize":10000,"schedulingAlgorithm":"FirstInFirstOut","isGlobal":true,)"
               R"("mappers":{"operationType":["noop",")" +
               kProcessType + R"("]}})");
  api.Call("POST", "/customer",
           std::string(R"({"id":")") + kCustomer + R"(","customerId":")" + kCustomer +
               R"(","title":"c","resourcePoolId":"rp"})");
}

// CPU of the engine's processes: the servers and the pullers.
ProcessCpu EngineCpu(const std::vector<std::unique_ptr<DevServer>>& servers,
                     const std::vector<pid_t>& pullers) {
  ProcessCpu total;
  auto add = [&](const std::string& pid) {
    const ProcessCpu cpu = ReadProcessCpu(pid);
    total.self_s += cpu.self_s;
    total.children_s += cpu.children_s;
  };
  for (const auto& server : servers) add(server->pid());
  for (pid_t puller : pullers) add(std::to_string(puller));
  return total;
}

RunResult RunOne(const Options& options, const std::filesystem::path& base, const Workload& w,
                 size_t clients) {
  const std::string tag = w.name + "-c" + std::to_string(clients);
  const std::filesystem::path data_dir = base / tag;
  std::filesystem::remove_all(data_dir);
  std::filesystem::create_directories(data_dir);
  WriteRegistry(data_dir);
  RunResult r;
  r.workload = w.name;
  r.clients = clients;
  r.batch = w.agendas > 1 ? options.batch : 1;
  std::vector<std::unique_ptr<DevServer>> servers;
  std::vector<pid_t> pullers;
  std::vector<std::string> urls;
  if (options.postgres_uri.empty()) {
    servers.push_back(std::make_unique<DevServer>(options.pop, data_dir, options.dev_args));
    r.cold_start_ms = servers[0]->Start();
    urls.push_back(servers[0]->url());
  } else {
    const std::string uri = FreshDatabase(options.postgres_uri, tag);
    for (size_t k = 0; k < options.servers; ++k) {
      const std::filesystem::path dir = data_dir / ("server-" + std::to_string(k));
      std::filesystem::create_directories(dir);
      servers.push_back(std::make_unique<DevServer>(options.pop, dir, options.dev_args, uri));
      const double cold = servers.back()->Start();
      if (k == 0) r.cold_start_ms = cold;
      urls.push_back(servers.back()->url());
    }
  }
  DevServer& server = *servers[0];
  std::this_thread::sleep_for(std::chrono::seconds(1));
  r.idle_rss_mib = Mib(ProcStatusBytes(server.pid(), "VmRSS"));
  const std::string token = server.admin_token();
  Api api(server.url(), token);
  if (!options.postgres_uri.empty()) {
    SetUpServerInsight(api);
    for (size_t k = 0; k < urls.size(); ++k) {
      std::vector<std::string> argv = {options.pop,   "puller",
                                       "--server",    urls[k],
                                       "--token",     token,
                                       "--insight",   kServerInsight,
                                       "--registry",  (data_dir / "handlers.json").string(),
                                       "--puller-id", "bench-" + std::to_string(k),
                                       "--log-level", "warning"};
      argv.insert(argv.end(), options.puller_args.begin(), options.puller_args.end());
      pullers.push_back(SpawnProgram(argv, data_dir / ("puller-" + std::to_string(k) + ".log")));
    }
  }

  // Warm-up: a few single-operation Agendas of the workload's type, not measured.
  std::vector<Submitted> warm(options.warmup);
  Workload warm_w = w;
  warm_w.name = "warmup";
  Submit(urls, token, warm_w, "warm-" + tag, 1, 1, warm);
  if (!WaitAllComplete(api, warm, options.poll_ms, options.timeout_s)) Die("warm-up timed out");

  std::vector<Submitted> runs(w.agendas);
  const ProcessCpu server_before = EngineCpu(servers, pullers);
  const HostCpu host_before = ReadHostCpu();
  const double client_before = SelfCpuSeconds();
  const int poll_ms = w.name == "W3" ? std::min(options.poll_ms, 1) : options.poll_ms;
  const auto t0 = SteadyClock::now();
  Submit(urls, token, w, tag, clients, r.batch, runs);
  const auto last_ack = SteadyClock::now();
  const bool finished = WaitAllComplete(api, runs, poll_ms, options.timeout_s);
  const auto t_end = SteadyClock::now();
  const ProcessCpu server_after = EngineCpu(servers, pullers);
  const HostCpu host_after = ReadHostCpu();
  const double client_cpu = SelfCpuSeconds() - client_before;
  r.peak_rss_mib = Mib(ProcStatusBytes(server.pid(), "VmHWM"));

  size_t failed = 0;
  std::vector<double> latency;
  double engine_end_ms = 0;
  double t0_wall = runs.empty() ? 0 : runs.front().submit_wall_ms;
  for (const Submitted& s : runs) t0_wall = std::min(t0_wall, s.submit_wall_ms);
  for (const Submitted& s : runs) {
    failed += s.succeeded ? 0 : 1;
    if (s.completed_ms) {
      latency.push_back(static_cast<double>(*s.completed_ms) - std::floor(s.submit_wall_ms));
      engine_end_ms = std::max(engine_end_ms, static_cast<double>(*s.completed_ms) - t0_wall);
    }
  }
  const size_t bad = finished ? CheckResults(api, w) : 0;
  // Every puller at once: each waits for its parked long poll as it stops.
  for (pid_t puller : pullers) ::kill(puller, SIGTERM);
  int exit_status = 0;
  for (pid_t puller : pullers) exit_status = std::max(exit_status, StopProgram(puller));
  for (auto& each : servers) {
    const int status = each->Stop();
    exit_status = status != 0 ? status : exit_status;
  }
  r.ok = finished && failed == 0 && bad == 0 && exit_status == 0;
  r.e2e_s = Seconds(t_end - t0);
  const double submit_s = Seconds(last_ack - t0);
  r.submit_per_s = static_cast<double>(w.agendas) / submit_s;
  r.agendas_per_s = static_cast<double>(w.agendas) / r.e2e_s;
  r.ops_per_s = static_cast<double>(w.agendas * w.ops_per_agenda) / r.e2e_s;
  r.latency = Summarize(latency);
  r.server_cpu_s = server_after.self_s - server_before.self_s;
  const double children_cpu = server_after.children_s - server_before.children_s;
  const double host_busy = host_after.busy_s - host_before.busy_s;
  const double host_total = host_after.total_s - host_before.total_s;
  const double foreign = std::max(0.0, host_busy - r.server_cpu_s - children_cpu - client_cpu);
  const double foreign_pct = host_total > 0 ? 100.0 * foreign / host_total : 0;

  std::printf(
      "%-3s %3zu clients%s  %s  %7.0f submit/s  %7.0f agendas/s  %8.0f ops/s  e2e %7.3f s  "
      "latency p50 %8.1f p99 %8.1f ms  peak RSS %5.1f MiB  server CPU %6.2f s (+%.2f children)  "
      "client CPU %.2f s  foreign %.0f%%\n",
      w.name.c_str(), clients,
      r.batch > 1 ? (" (batches of " + std::to_string(r.batch) + ")").c_str() : "",
      r.ok ? "ok  " : "FAIL", r.submit_per_s, r.agendas_per_s, r.ops_per_s, r.e2e_s,
      r.latency.p50_ms, r.latency.p99_ms, r.peak_rss_mib, r.server_cpu_s, children_cpu, client_cpu,
      foreign_pct);
  if (!r.ok) {
    std::printf("    finished %s, %zu failed agendas, %zu wrong results, pop dev exit %d\n",
                finished ? "yes" : "NO (timeout)", failed, bad, exit_status);
  }
  if (!options.dev_args.empty()) std::printf("    pop dev %s\n", DevArgs(options).c_str());
  if (!options.postgres_uri.empty()) {
    std::string puller_args;
    for (const std::string& arg : options.puller_args) puller_args += " " + arg;
    std::printf(
        "    %zu pop servers + %zu pop pullers%s on PostgreSQL (server CPU: theirs; "
        "PostgreSQL's counts as foreign)\n",
        servers.size(), pullers.size(), puller_args.c_str());
  }
  std::fflush(stdout);
  JsonLine(kBench, w.name)
      .Add("clients", static_cast<int64_t>(clients))
      .Add("batch", static_cast<int64_t>(r.batch))
      .Add("ok", r.ok ? "true" : "false")
      .Add("agendas", static_cast<int64_t>(w.agendas))
      .Add("operations", static_cast<int64_t>(w.agendas * w.ops_per_agenda))
      .Add("failed", static_cast<int64_t>(failed))
      .Add("wrong_results", static_cast<int64_t>(bad))
      .Add("submit_per_s", r.submit_per_s)
      .Add("agendas_per_s", r.agendas_per_s)
      .Add("ops_per_s", r.ops_per_s)
      .Add("e2e_s", r.e2e_s)
      .Add("engine_e2e_s", engine_end_ms / 1000.0)
      .Add("latency_p50_ms", r.latency.p50_ms)
      .Add("latency_p99_ms", r.latency.p99_ms)
      .Add("latency_max_ms", r.latency.max_ms)
      .Add("server_peak_rss_mib", r.peak_rss_mib)
      .Add("server_cpu_s", r.server_cpu_s)
      .Add("server_children_cpu_s", children_cpu)
      .Add("client_cpu_s", client_cpu)
      .Add("foreign_cpu_pct", foreign_pct)
      .Add("cold_start_ms", r.cold_start_ms)
      .Add("idle_rss_mib", r.idle_rss_mib)
      .Add("dev_args", DevArgs(options))
      .Add("store", options.postgres_uri.empty() ? "sqlite" : "postgresql")
      .Add("servers", static_cast<int64_t>(servers.size()))
      .Print();
  return r;
}

// ---- W4's limit: posix_spawn + waitpid of /bin/true, one at a time; and how far starting
// processes in parallel goes past it on this machine (`parallel` threads, each its own loop).

void SpawnAndWait(size_t n) {
  char arg0[] = "/bin/true";
  char* argv[] = {arg0, nullptr};
  for (size_t i = 0; i < n; ++i) {
    pid_t pid = -1;
    if (::posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ) != 0) {
      Die("posix_spawn /bin/true failed");
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
  }
}

double SpawnLoopsRate(size_t n, size_t parallel) {
  const size_t each = std::max<size_t>(1, n / parallel);
  const auto t0 = SteadyClock::now();
  std::vector<std::thread> loops;
  loops.reserve(parallel);
  for (size_t k = 0; k < parallel; ++k) loops.emplace_back([each] { SpawnAndWait(each); });
  for (std::thread& loop : loops) loop.join();
  return static_cast<double>(each * parallel) / Seconds(SteadyClock::now() - t0);
}

double SpawnLoopRate(size_t n) {
  const double rate = SpawnLoopsRate(n, 1);
  std::printf("bare loop: posix_spawn + waitpid of /bin/true, %zu times: %.0f /s\n", n, rate);
  JsonLine(kBench, "spawn_loop").Add("n", static_cast<int64_t>(n)).Add("per_s", rate).Print();
  // The same number of processes started by 2 and by 16 such loops at once: what this machine
  // allows any program that starts one process per operation, however parallel.
  for (size_t parallel : {size_t{2}, size_t{16}}) {
    const double at_once = SpawnLoopsRate(n, parallel);
    std::printf("bare loops, %zu at once: %.0f /s (%.2f x one loop)\n", parallel, at_once,
                at_once / rate);
    JsonLine(kBench, "spawn_loops_parallel")
        .Add("n", static_cast<int64_t>(n))
        .Add("parallel", static_cast<int64_t>(parallel))
        .Add("per_s", at_once)
        .Print();
  }
  return rate;
}

// ---- Flags.

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

size_t ParseCount(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || value == 0) Die(flag + " needs a positive number");
  return static_cast<size_t>(value);
}

Options ParseFlags(int argc, char** argv) {
  Options options;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  options.pop = (self.parent_path() / "pop").string();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || i + 1 >= argc) {
      std::printf(
          "usage: pop_workflow_bench [--pop PATH] [--workloads W1,W2,W3,W4] [--clients 1,16]\n"
          "       [--batch B]\n"
          "       [--w1 N] [--w2 N] [--w3 N] [--w4 N] [--warmup N] [--poll-ms MS]\n"
          "       [--timeout-s S] [--dir DIR] [--dev-arg FLAG]...\n"
          "       [--postgres-uri URI [--servers N] [--puller-arg FLAG]...]\n");
      std::exit(flag == "--help" ? 0 : 2);
    }
    const std::string value = argv[++i];
    if (flag == "--pop") {
      options.pop = value;
    } else if (flag == "--workloads") {
      options.workloads = SplitComma(value);
    } else if (flag == "--clients") {
      options.clients.clear();
      for (const std::string& part : SplitComma(value)) {
        options.clients.push_back(ParseCount(flag, part));
      }
    } else if (flag == "--batch") {
      options.batch = ParseCount(flag, value);
    } else if (flag == "--w1" || flag == "--w2" || flag == "--w3" || flag == "--w4") {
      options.sizes["W" + flag.substr(3)] = ParseCount(flag, value);
    } else if (flag == "--warmup") {
      options.warmup = ParseCount(flag, value);
    } else if (flag == "--poll-ms") {
      options.poll_ms = static_cast<int>(ParseCount(flag, value));
    } else if (flag == "--timeout-s") {
      options.timeout_s = static_cast<int>(ParseCount(flag, value));
    } else if (flag == "--dir") {
      options.dir = value;
    } else if (flag == "--dev-arg") {
      options.dev_args.push_back(value);
    } else if (flag == "--postgres-uri") {
      options.postgres_uri = value;
    } else if (flag == "--servers") {
      options.servers = ParseCount(flag, value);
    } else if (flag == "--puller-arg") {
      options.puller_args.push_back(value);
    } else {
      Die("unknown flag " + flag);
    }
  }
  return options;
}

int Main(int argc, char** argv) {
  const Options options = ParseFlags(argc, argv);
  if (!std::filesystem::exists(options.pop)) Die("no pop binary at " + options.pop);
  std::filesystem::path base = options.dir;
  bool remove_base = false;
  if (base.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "pop-wfbench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
    base = pattern;
    remove_base = true;
  }
  std::filesystem::create_directories(base);
  PrintMachine(kBench, "start");

  std::vector<RunResult> results;
  for (const std::string& name : options.workloads) {
    auto size = options.sizes.find(name);
    if (size == options.sizes.end()) Die("unknown workload " + name);
    const Workload w = Describe(name, size->second);
    for (size_t clients : options.clients) {
      // W3 is one Agenda: one submitter is all there is to measure.
      if (w.agendas == 1 && clients != options.clients.front()) continue;
      if (name == "W4") SpawnLoopRate(w.agendas);
      results.push_back(RunOne(options, base, w, clients));
    }
  }

  std::vector<double> cold;
  std::vector<double> idle;
  bool all_ok = true;
  for (const RunResult& r : results) {
    cold.push_back(r.cold_start_ms);
    idle.push_back(r.idle_rss_mib);
    all_ok = all_ok && r.ok;
  }
  const LatencySummary cold_summary = Summarize(cold);
  std::sort(idle.begin(), idle.end());
  const double idle_median = idle.empty() ? 0 : idle[idle.size() / 2];
  std::printf(
      "\npop dev, %zu fresh starts: cold start (fork -> GET /healthz 200) p50 %.1f ms, max %.1f "
      "ms; idle RSS 1 s after start: median %.1f MiB, max %.1f MiB\n",
      cold.size(), cold_summary.p50_ms, cold_summary.max_ms, idle_median,
      idle.empty() ? 0.0 : idle.back());
  JsonLine(kBench, "cold_start_ms").Add(cold_summary).Print();
  JsonLine(kBench, "idle_rss_mib")
      .Add("n", static_cast<int64_t>(idle.size()))
      .Add("median", idle_median)
      .Add("max", idle.empty() ? 0.0 : idle.back())
      .Print();
  PrintMachine(kBench, "end");
  if (remove_base) std::filesystem::remove_all(base);
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace pop::bench

int main(int argc, char** argv) { return pop::bench::Main(argc, argv); }
