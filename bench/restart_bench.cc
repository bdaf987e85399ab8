// pop_restart_bench: how long `pop server` (and `pop dev`) take from exec to serving when the
// store holds 100,000 open Agendas (issue 5: ready to serve in <= 2 s).
//
// The store is filled in-process through pop's own submission use case (SubmitAgenda on a
// SqliteStore, several threads so that commits are shared), on the dev workspace that `pop dev`
// creates, so that every Agenda is WAITING with its progress, its OperationProgress and its
// ready entry, exactly as a submission over HTTP leaves it. Then the built `pop server` is
// started on that store several times; each time, from just before fork to the moment its ready
// file appears (written once it accepts requests, after the scheduler has loaded every ready
// entry) and to the first `GET /healthz` answered 200. Last, `pop dev` on the same data dir
// (it also recovers what its previous process left; its in-process puller then starts working).
//
// Usage: pop_restart_bench [--agendas N] [--dir DIR] [--runs R] [--pop PATH] [--threads T]
//        A --dir that already holds a filled store is reused.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http_client/curl_http_client.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/random_id_generator.h"
#include "adapters/system/system_clock.h"
#include "app/data_object_service.h"
#include "app/dev_workspace.h"
#include "app/submit_agenda.h"
#include "bench_report.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
using pop::bench::JsonLine;
constexpr char kBench[] = "restart";

struct Options {
  size_t agendas = 100'000;
  size_t runs = 5;
  size_t threads = 8;
  std::string dir;
  std::string pop;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "pop_restart_bench: %s\n", message.c_str());
  std::exit(1);
}

// Fills `db` with `n` submitted agendas (one noop operation each) on the dev workspace.
void Fill(const std::filesystem::path& db, size_t n, size_t threads) {
  pop::SqliteStoreOptions store_options;
  store_options.path = db.string();
  auto store = pop::SqliteStore::Open(store_options);
  if (!store.ok()) Die(store.error().message);
  pop::SystemClock clock;
  pop::RandomIdGenerator ids;
  pop::app::Services services{**store, clock, ids};
  pop::NullChangeFeed no_listener;
  pop::app::DataObjectService data(services, no_listener);
  pop::Status workspace = pop::app::EnsureDevWorkspace(data, {"noop"});
  if (!workspace.ok()) Die(workspace.message());
  pop::app::SubmitAgenda submit(services, no_listener);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const auto started = SteadyClock::now();
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      pop::app::RequestContext ctx{pop::AuthContext::Service(), std::nullopt, "fill"};
      for (size_t i = next++; i < n && !failed; i = next++) {
        pop::Agenda agenda;
        agenda.customer_id = std::string(pop::app::kDevCustomerId);
        pop::Operation op;
        op.name = "task";
        op.type = "noop";
        op.payload = pop::Json(pop::JsonObject{{"n", pop::Json(static_cast<int64_t>(i))}});
        agenda.operations = std::vector<pop::Operation>{std::move(op)};
        auto submitted = submit.Run(std::move(agenda), ctx);
        if (!submitted.ok()) {
          std::fprintf(stderr, "submission %zu failed: %s\n", i, submitted.error().message.c_str());
          failed = true;
        }
        if (i > 0 && i % 20'000 == 0) std::printf("  %zu submitted\n", i);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  if (failed) Die("filling the store failed");
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  std::printf("filled %zu agendas in %.1f s (%.0f submissions/s, %zu threads)\n", n, seconds,
              static_cast<double>(n) / seconds, threads);
}

struct StartTimes {
  double ready_ms = 0;    // exec -> ready file
  double healthz_ms = 0;  // exec -> first GET /healthz 200
  double stop_ms = 0;     // SIGTERM -> exit
};

std::string ReadLine(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

StartTimes StartAndStop(const std::vector<std::string>& argv, const std::filesystem::path& ready,
                        const std::filesystem::path& log) {
  std::filesystem::remove(ready);
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (std::string& arg : args) c_args.push_back(arg.data());
  c_args.push_back(nullptr);
  std::fflush(stdout);  // the child must not write this process's buffered output again
  const auto t0 = SteadyClock::now();
  const pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "a", stdout);
    static_cast<void>(out);
    dup2(1, 2);
    execv(c_args[0], c_args.data());
    _exit(127);
  }
  StartTimes times;
  // Another process's file: nothing to wait on but polling (every 0.2 ms).
  std::string url;
  while (true) {
    url = ReadLine(ready);
    if (!url.empty()) break;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) Die("the server exited; see " + log.string());
    if (SteadyClock::now() - t0 > std::chrono::seconds(120)) Die("not ready within 120 s");
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  times.ready_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  auto http = pop::CurlHttpClient::Create();
  if (!http.ok()) Die(http.error().message);
  while (true) {
    pop::HttpClientRequest request;
    request.url = url + "/healthz";
    auto response = (*http)->Send(request);
    if (response.ok() && response->status == 200) break;
    if (SteadyClock::now() - t0 > std::chrono::seconds(120)) Die("/healthz never answered 200");
  }
  times.healthz_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  const auto t1 = SteadyClock::now();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  times.stop_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t1).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die("the server did not stop cleanly; see " + log.string());
  }
  return times;
}

void Report(const char* what, const StartTimes& times, size_t agendas) {
  std::printf("  %-34s ready file %8.1f ms   /healthz 200 %8.1f ms   SIGTERM -> exit %7.1f ms\n",
              what, times.ready_ms, times.healthz_ms, times.stop_ms);
  JsonLine(kBench, "start_to_serving_ms")
      .Add("binary", what)
      .Add("open_agendas", static_cast<int64_t>(agendas))
      .Add("ready_file_ms", times.ready_ms)
      .Add("healthz_ms", times.healthz_ms)
      .Add("stop_ms", times.stop_ms)
      .Add("target_ms", 2000.0)
      .Print();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.pop = (std::filesystem::canonical("/proc/self/exe").parent_path() / "pop").string();
  for (int i = 1; i < argc; ++i) {
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) Die(std::string("missing value of ") + name);
      return argv[++i];
    };
    if (std::strcmp(argv[i], "--agendas") == 0) {
      options.agendas = std::stoul(value("--agendas"));
    } else if (std::strcmp(argv[i], "--runs") == 0) {
      options.runs = std::stoul(value("--runs"));
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      options.threads = std::stoul(value("--threads"));
    } else if (std::strcmp(argv[i], "--dir") == 0) {
      options.dir = value("--dir");
    } else if (std::strcmp(argv[i], "--pop") == 0) {
      options.pop = value("--pop");
    } else {
      std::fprintf(stderr,
                   "usage: %s [--agendas N] [--dir DIR] [--runs R] [--pop PATH] [--threads T]\n",
                   argv[0]);
      return 2;
    }
  }
  bool temporary = options.dir.empty();
  if (temporary) {
    std::string pattern = (std::filesystem::temp_directory_path() / "pop-restart-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
    options.dir = pattern;
  }
  const std::filesystem::path dir = options.dir;
  std::filesystem::create_directories(dir);
  pop::bench::PrintMachine(kBench, "start");
  const std::filesystem::path db = dir / "pop.db";
  if (!std::filesystem::exists(db)) Fill(db, options.agendas, options.threads);
  std::printf("store: %s (%.1f MiB)\n", db.c_str(),
              static_cast<double>(std::filesystem::file_size(db)) / 1048576.0);

  std::printf("\nexec -> serving, %zu open agendas in the store (target <= 2000 ms)\n",
              options.agendas);
  const std::filesystem::path ready = dir / "ready";
  for (size_t run = 0; run < options.runs; ++run) {
    StartTimes times =
        StartAndStop({options.pop, "server", "--store", "sqlite:" + db.string(), "--listen",
                      "127.0.0.1:0", "--ready-file", ready.string(), "--bootstrap-token-file",
                      (dir / "admin-token").string(), "--log-level", "warning"},
                     ready, dir / "server.log");
    Report("pop server", times, options.agendas);
  }
  // pop dev last: its puller starts running the agendas at once.
  StartTimes dev =
      StartAndStop({options.pop, "dev", "--listen", "127.0.0.1:0", "--data-dir", dir.string(),
                    "--ready-file", ready.string(), "--log-level", "warning"},
                   ready, dir / "dev.log");
  Report("pop dev (then runs them)", dev, options.agendas);
  pop::bench::PrintMachine(kBench, "end");
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
