// Operation complete → dependent operation started, with resident handlers (the execution
// issue's target: p50 ≤ 1 ms, p99 ≤ 5 ms), and the time per operation of Agendas from 10 to
// 100,000 operations (no slowdown per operation as Agendas grow).
//
// In-process: a real Executor, the resident `noop` type, progress reports discarded. A timing
// launcher wraps the resident one and records when each operation starts and when it ends; the
// latency of a chain link is start(op i+1) − end(op i).
//
// Usage: pop_dependency_latency_bench [--chain N] [--sizes 10,1000,10000,100000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "adapters/system/system_clock.h"
#include "app/executor.h"
#include "app/resident_launcher.h"
#include "app/worker_pool.h"
#include "bench_report.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

// Accepts every report; the benchmark measures the executor, not the server.
class DiscardingPoolClient final : public pop::PoolClient {
 public:
  pop::Result<pop::ClaimedWork> GetAgenda(const std::string&, int64_t, pop::Duration,
                                          const std::string&) override {
    return pop::ClaimedWork{};
  }
  pop::Result<pop::ProgressReportAnswer> UpdateAgendaProgress(const pop::AgendaProgress&,
                                                              const std::string&) override {
    return pop::ProgressReportAnswer{};
  }
  pop::Status UpdateAgenda(const std::string&, const std::vector<pop::Operation>&,
                           const std::optional<pop::ParamsMap>&) override {
    return pop::Status::Ok();
  }
  pop::Status AppendOperationLogs(const std::map<std::string, std::string>&) override {
    return pop::Status::Ok();
  }
};

// Records start and end times of every operation it runs through `inner`.
class TimingLauncher final : public pop::Launcher {
 public:
  explicit TimingLauncher(pop::Launcher& inner) : inner_(inner) {}
  bool Handles(const std::string& type) const override { return inner_.Handles(type); }
  pop::Result<std::unique_ptr<pop::LaunchedOperation>> Launch(
      const pop::LaunchSpec& spec) override {
    auto started = SteadyClock::now();
    auto launched = inner_.Launch(spec);
    auto ended = SteadyClock::now();  // resident operations finish inside Launch
    std::lock_guard<std::mutex> lock(mu_);
    times_[spec.operation_name] = {started, ended};
    return launched;
  }
  std::pair<SteadyClock::time_point, SteadyClock::time_point> TimesOf(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return times_.at(name);
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    times_.clear();
  }

 private:
  pop::Launcher& inner_;
  std::mutex mu_;
  std::unordered_map<std::string, std::pair<SteadyClock::time_point, SteadyClock::time_point>>
      times_;
};

pop::Agenda Chain(size_t n) {
  std::string ops = R"({"name":"op0","type":"noop","payload":{"v":0}})";
  for (size_t i = 1; i < n; ++i) {
    ops += R"(,{"name":"op)" + std::to_string(i) + R"(","type":"noop","payload":{"prev":"@<op)" +
           std::to_string(i - 1) + R"(.out::/v>","v":)" + std::to_string(i) + "}}";
  }
  auto json = pop::ParseJson(R"({"id":"bench","progressId":"p","operations":[)" + ops + "]}");
  return pop::Decode<pop::Agenda>(*json).value();
}

std::vector<size_t> ParseSizes(const char* text) {
  std::vector<size_t> sizes;
  std::string list(text);
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    sizes.push_back(std::stoul(list.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  size_t chain = 10'000;
  std::vector<size_t> sizes = {10, 1'000, 10'000, 100'000};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--chain") chain = std::stoul(argv[i + 1]);
    if (flag == "--sizes") sizes = ParseSizes(argv[i + 1]);
  }
  pop::bench::PrintMachine("dependency_latency", "start");
  pop::SystemClock clock;
  DiscardingPoolClient client;
  pop::app::ResidentLauncher resident(client);
  TimingLauncher timing(resident);
  pop::app::WorkerPool workers(8);
  pop::app::ThreadCache threads(1);
  pop::NullLogger logger;
  pop::app::ExecutorOptions options;
  pop::app::Executor executor(
      pop::app::ExecutorDeps{clock, client, {&timing}, workers, logger, threads}, options);

  // 1. Dependency latency along a chain.
  pop::Agenda agenda = Chain(chain);
  auto result = executor.Run(agenda, std::nullopt);
  if (!result.succeeded) {
    std::fprintf(stderr, "the chain agenda failed\n");
    return 1;
  }
  std::vector<double> latencies;
  latencies.reserve(chain);
  for (size_t i = 1; i < chain; ++i) {
    auto previous = timing.TimesOf("op" + std::to_string(i - 1));
    auto next = timing.TimesOf("op" + std::to_string(i));
    latencies.push_back(
        std::chrono::duration<double, std::milli>(next.first - previous.second).count());
  }
  pop::bench::LatencySummary summary = pop::bench::Summarize(latencies);
  std::printf("\noperation complete -> dependent started (resident noop, chain of %zu)\n", chain);
  pop::bench::PrintLatencyHeader("ms");
  pop::bench::PrintLatencyRow("dependency latency", summary, "ms");
  std::printf("target: p50 <= 1 ms, p99 <= 5 ms\n\n");
  pop::bench::JsonLine("dependency_latency", "operation_complete_to_dependent_start")
      .Add(summary)
      .Add("chain", static_cast<int64_t>(chain))
      .Print();

  // 2. Time per operation as Agendas grow (a chain: every operation waits for the previous).
  std::printf("%-12s %12s %14s\n", "operations", "total_ms", "us_per_op");
  for (size_t n : sizes) {
    timing.Clear();
    pop::Agenda sized = Chain(n);
    auto start = SteadyClock::now();
    auto run = executor.Run(sized, std::nullopt);
    double total_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    double per_op_us = total_ms * 1000.0 / static_cast<double>(n);
    std::printf("%-12zu %12.1f %14.2f %s\n", n, total_ms, per_op_us,
                run.succeeded ? "" : "(FAILED)");
    pop::bench::JsonLine("dependency_latency", "chain_time_per_operation")
        .Add("operations", static_cast<int64_t>(n))
        .Add("total_ms", total_ms)
        .Add("us_per_operation", per_op_us)
        .Add("succeeded", run.succeeded ? "true" : "false")
        .Print();
  }
  workers.Stop();
  return 0;
}
