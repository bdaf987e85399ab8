// pop_queue_bench: the scheduler (app/InsightQueues over core/sched) with a large backlog, in
// process, no HTTP. It fills an SQLite store (a temp dir, or --dir) with ready agendas across
// many customers and four insights (one per scheduling algorithm), then measures:
//   (a) InsightQueues::Start(): rebuilding every queue from the store;
//   (b) the scheduler's memory per queued agenda (allocator in-use bytes and process RSS,
//       before/after Start, and the RSS peak during Start);
//   (c) claim latency: Claim(insight, 1, wait 0) end to end (a durable claim: one store commit
//       with fsync), the same minus the store commit (the in-memory decision, locking and
//       bookkeeping), and the bare policy pick SchedulingPolicy::PopBatch(1) per algorithm.
// The targets: 1,000,000 agendas over 1,000 customers, claim decision p99 <= 1 ms,
// <= 1.5 KB of server memory per queued agenda. Results: BENCHMARKS.md.
//
// With --postgres-uri (a superuser's URI; issue 11) the same runs on a fresh database of that
// PostgreSQL: the customers and insights are written through PostgresStore, the ready agendas
// are inserted into the real schema's ready_agenda table by one INSERT ... SELECT over
// generate_series (not through the API or the store port; the table's NOTIFY triggers are off
// while it fills, as nobody listens yet), then InsightQueues runs over a PostgresStore, so (c)'s
// claims are PostgreSQL commits (ClaimReady's UPDATE ... FOR UPDATE SKIP LOCKED).
//
// Usage: pop_queue_bench [--agendas N] [--customers M] [--claims K] [--decisions D]
//                        [--queue-size Q] [--batch B] [--dir DIR] [--postgres-uri URI]
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/postgres/postgres_store.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/random_id_generator.h"
#include "adapters/system/system_clock.h"
#include "app/insight_queues.h"
#include "bench_report.h"
#include "core/sched/scheduling_policy.h"
#include "ports/logger.h"

namespace pop::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr char kBench[] = "queue_bench";
constexpr char kPool[] = "bench-pool";
constexpr char kClaimer[] = "bench-puller";
constexpr uint64_t kSeed = 20261127;
constexpr int64_t kFirstAdded = 1'790'000'000'000;  // epoch ms; agenda i became ready at +i ms

struct InsightSpec {
  const char* id;
  SchedulingAlgorithm algorithm;
};
constexpr std::array<InsightSpec, 4> kInsights = {{
    {"bench-fifo", SchedulingAlgorithm::kFirstInFirstOut},
    {"bench-roundrobin", SchedulingAlgorithm::kRoundRobin},
    {"bench-priority", SchedulingAlgorithm::kPriority},
    {"bench-weightedfair", SchedulingAlgorithm::kWeightedFair},
}};

struct Options {
  size_t agendas = 1'000'000;
  size_t customers = 1'000;
  size_t claims = 100'000;     // durable claims through InsightQueues, spread over the insights
  size_t decisions = 100'000;  // bare PopBatch(1) calls per algorithm
  int64_t queue_size = 10;
  size_t batch = 20'000;     // AddReadyAgenda calls per Store::Write while filling
  std::string dir;           // keep the database here; empty: a temp dir removed at exit
  std::string postgres_uri;  // a superuser's PostgreSQL URI: a fresh database of it, not SQLite
};

// Writes and commits of the store so far.
using StoreCounts = std::function<std::pair<int64_t, int64_t>()>;

double MillisSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

// ---- The synthetic backlog: entry i is a pure function of i, so the parent can regenerate
// ---- exactly what the fill process stored without reading it back.

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string UuidText(uint64_t high, uint64_t low) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    uint64_t word = i < 16 ? high : low;
    out.push_back(kHex[(word >> (60 - 4 * (i % 16))) & 0xF]);
  }
  return out;
}

std::string CustomerId(size_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "customer-%04zu", index);
  return buffer;
}

// A quarter of the arrivals come from 10 heavy customers, the rest spread evenly; priorities
// 0-4; agenda and ready ids are UUID text like the server's (36 characters, so each is a heap
// block, not a short string).
ReadyAgenda EntryAt(size_t i, size_t customers) {
  const uint64_t h = Mix(kSeed ^ (i * 0x100000001B3ULL));
  const size_t heavy = std::min<size_t>(10, customers);
  const size_t customer = (h & 3) == 0 ? (h >> 8) % heavy : (h >> 8) % customers;
  ReadyAgenda ready;
  ready.agenda_id = UuidText(Mix(h + 1), Mix(h + 2));
  ready.id = UuidText(Mix(h + 3), Mix(h + 4));
  ready.insight_id = kInsights[i % kInsights.size()].id;
  ready.customer_id = CustomerId(customer);
  ready.added = Timestamp::FromMillis(kFirstAdded + static_cast<int64_t>(i));
  ready.priority = static_cast<int64_t>((h >> 40) % 5);
  return ready;
}

// Weights 0.5-7.5 for every seventh customer, 1.0 (unset) for the others.
std::optional<double> WeightOf(size_t customer) {
  if (customer % 7 != 0) return std::nullopt;
  return 0.5 + static_cast<double>(customer % 15);
}

Status PutContext(StoreWriter& tx, const Options& options) {
  ResourcePool pool;
  pool.id = kPool;
  pool.customer_id = "ops";
  pool.title = "bench pool";
  POP_RETURN_IF_ERROR(tx.Put(pool));
  for (size_t c = 0; c < options.customers; ++c) {
    Customer customer;
    customer.id = CustomerId(c);
    customer.customer_id = customer.id;
    customer.title = *customer.id;
    customer.resource_pool_id = kPool;
    customer.weight = WeightOf(c);
    POP_RETURN_IF_ERROR(tx.Put(customer));
  }
  for (const InsightSpec& spec : kInsights) {
    Insight insight;
    insight.id = spec.id;
    insight.customer_id = "ops";
    insight.title = spec.id;
    insight.resource_pool_id = kPool;
    insight.queue_name = spec.id;
    insight.queue_size = options.queue_size;
    insight.scheduling_algorithm = spec.algorithm;
    insight.is_global = true;
    InsightMappers mappers;
    mappers.entries.emplace_back("operationType", std::vector<std::string>{spec.id});
    insight.mappers = std::move(mappers);
    POP_RETURN_IF_ERROR(tx.Put(insight));
  }
  return Status::Ok();
}

// Runs in a child process, so that the parent's heap and RSS hold nothing of the fill.
// A fresh database is filled; an existing one (--dir) is checked and its claims cleared.
int FillOrReset(const Options& options, const std::filesystem::path& db) {
  const bool existed = std::filesystem::exists(db);
  SqliteStoreOptions store_options;
  store_options.path = db.string();
  auto store = SqliteStore::Open(store_options);
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", db.c_str(), store.error().message.c_str());
    return 1;
  }
  const auto start = SteadyClock::now();
  if (existed) {
    std::vector<ReadyAgenda> ready;
    Status read = (*store)->Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(ready, reader.ListReadyAgendas());
      return Status::Ok();
    });
    if (!read.ok() || ready.size() != options.agendas) {
      std::fprintf(stderr, "%s holds %zu ready agendas, not %zu: use another --dir\n", db.c_str(),
                   ready.size(), options.agendas);
      return 1;
    }
    Status cleared = (*store)->Write([&](StoreWriter& tx) -> Status {
      POP_RETURN_IF_ERROR(PutContext(tx, options));
      for (const ReadyAgenda& row : ready) {
        if (row.claimed_by) {
          POP_RETURN_IF_ERROR(tx.SetReadyClaim(row.id, std::nullopt, std::nullopt));
        }
      }
      return Status::Ok();
    });
    if (!cleared.ok()) {
      std::fprintf(stderr, "reset failed: %s\n", cleared.message().c_str());
      return 1;
    }
    std::fprintf(stderr, "reusing %s (%zu ready agendas; claims cleared in %.1f s)\n", db.c_str(),
                 ready.size(), MillisSince(start) / 1000.0);
    return 0;
  }
  Status context = (*store)->Write([&](StoreWriter& tx) { return PutContext(tx, options); });
  if (!context.ok()) {
    std::fprintf(stderr, "creating customers and insights failed: %s\n", context.message().c_str());
    return 1;
  }
  for (size_t first = 0; first < options.agendas; first += options.batch) {
    const size_t last = std::min(options.agendas, first + options.batch);
    Status written = (*store)->Write([&](StoreWriter& tx) -> Status {
      for (size_t i = first; i < last; ++i) {
        POP_RETURN_IF_ERROR(tx.AddReadyAgenda(EntryAt(i, options.customers)));
      }
      return Status::Ok();
    });
    if (!written.ok()) {
      std::fprintf(stderr, "fill failed at %zu: %s\n", first, written.message().c_str());
      return 1;
    }
    if ((last / options.batch) % 5 == 0 || last == options.agendas) {
      const double seconds = MillisSince(start) / 1000.0;
      std::fprintf(stderr, "filled %zu / %zu ready agendas (%.1f s, %.0f rows/s)\n", last,
                   options.agendas, seconds, static_cast<double>(last) / seconds);
    }
  }
  return 0;
}

// A new database on the PostgreSQL of `uri` (a superuser's), named after this process; its URI.
std::string FreshDatabase(const std::string& uri) {
  const std::string name = "pop_queue_" + std::to_string(::getpid());
  const std::string command =
      "psql -q -v ON_ERROR_STOP=1 '" + uri + "' -c 'CREATE DATABASE " + name + "' >/dev/null";
  const size_t slash = uri.rfind('/');
  if (std::system(command.c_str()) != 0 || slash == std::string::npos) return "";
  return uri.substr(0, slash + 1) + name;
}

// Fills the PostgreSQL database of `uri`: the schema and the context through PostgresStore, the
// ready agendas by one INSERT ... SELECT over generate_series into ready_agenda (the same mix
// as EntryAt: a quarter from 10 heavy customers, priorities 0-4, four insights in turn; ids are
// random UUIDs). Runs in a child process, as FillOrReset.
int FillPostgres(const Options& options, const std::string& uri, const std::filesystem::path& dir) {
  const auto start = SteadyClock::now();
  {
    PostgresStoreOptions store_options;
    store_options.conninfo = uri;
    store_options.reader_connections = 1;
    auto store = PostgresStore::Open(store_options);
    if (!store.ok()) {
      std::fprintf(stderr, "cannot open the PostgreSQL store: %s\n", store.error().message.c_str());
      return 1;
    }
    Status context = (*store)->Write([&](StoreWriter& tx) { return PutContext(tx, options); });
    if (!context.ok()) {
      std::fprintf(stderr, "creating customers and insights failed: %s\n",
                   context.message().c_str());
      return 1;
    }
  }
  std::string insights;
  for (const InsightSpec& spec : kInsights) {
    insights += std::string(insights.empty() ? "" : ",") + "'" + spec.id + "'";
  }
  const std::string heavy = std::to_string(std::min<size_t>(10, options.customers));
  const std::string sql =
      "ALTER TABLE ready_agenda DISABLE TRIGGER USER;\n"
      "INSERT INTO ready_agenda (id, insight_id, agenda_id, customer_id, added, priority)\n"
      "SELECT gen_random_uuid()::text, (ARRAY[" +
      insights + "])[1 + i % " + std::to_string(kInsights.size()) +
      "], gen_random_uuid()::text,\n"
      "  'customer-' || lpad((CASE WHEN abs(hashint8(i)) % 4 = 0 THEN abs(hashint8(i + 1)) % " +
      heavy + " ELSE abs(hashint8(i + 2)) % " + std::to_string(options.customers) +
      " END)::text, 4, '0'),\n  " + std::to_string(kFirstAdded) +
      " + i, abs(hashint8(i + 3)) % 5\n"
      "FROM generate_series(0, " +
      std::to_string(options.agendas) +
      " - 1) AS i;\n"
      "ALTER TABLE ready_agenda ENABLE TRIGGER USER;\n"
      "ANALYZE ready_agenda;\n";
  const std::filesystem::path file = dir / "fill.sql";
  std::ofstream(file) << sql;
  const std::string command =
      "psql -q -v ON_ERROR_STOP=1 '" + uri + "' -f '" + file.string() + "' >/dev/null";
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "filling ready_agenda failed (psql)\n");
    return 1;
  }
  std::fprintf(stderr, "filled %zu ready agendas with INSERT ... SELECT generate_series (%.1f s)\n",
               options.agendas, MillisSince(start) / 1000.0);
  return 0;
}

// ---- Measurement helpers.

// Forwards to the real store and times, on the measuring thread only, how long Write() took:
// a claim's time minus its store time is the in-memory part of the claim.
class TimingStore final : public Store {
 public:
  explicit TimingStore(Store& inner) : inner_(inner), measured_(std::this_thread::get_id()) {}

  Status Read(const std::function<Status(StoreReader&)>& fn) override {
    const auto start = SteadyClock::now();
    Status status = inner_.Read(fn);
    if (std::this_thread::get_id() == measured_) read_ms_ += MillisSince(start);
    return status;
  }
  Status Write(const std::function<Status(StoreWriter&)>& fn) override {
    const auto start = SteadyClock::now();
    Status status = inner_.Write(fn);
    if (std::this_thread::get_id() == measured_) write_ms_ += MillisSince(start);
    return status;
  }
  // Milliseconds spent in Read/Write by the measuring thread since the last Take.
  double TakeReadMillis() { return std::exchange(read_ms_, 0.0); }
  double TakeWriteMillis() { return std::exchange(write_ms_, 0.0); }

 private:
  Store& inner_;
  const std::thread::id measured_;
  double read_ms_ = 0;  // only the measuring thread touches these
  double write_ms_ = 0;
};

struct Memory {
  int64_t heap = 0;  // allocator bytes in use (sbrk arenas + mmapped blocks)
  int64_t rss = 0;
  int64_t peak_rss = 0;
};

Memory MeasureMemory() {
  struct mallinfo2 info = mallinfo2();
  Memory memory;
  memory.heap = static_cast<int64_t>(info.uordblks + info.hblkhd);
  memory.rss = ProcStatusBytes("self", "VmRSS");
  memory.peak_rss = ProcStatusBytes("self", "VmHWM");
  return memory;
}

// Resets VmHWM to the current RSS (Linux clear_refs "5"), so a later VmHWM is the peak of
// what follows. False when the kernel refuses.
bool ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

double PerAgenda(int64_t bytes, size_t agendas) {
  return static_cast<double>(bytes) / static_cast<double>(std::max<size_t>(agendas, 1));
}

std::string Mib(int64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f MiB", static_cast<double>(bytes) / 1048576.0);
  return buffer;
}

void ReportLatency(std::string_view metric, std::string_view label, const char* algorithm,
                   std::vector<double> samples, std::string_view unit) {
  LatencySummary summary = Summarize(std::move(samples));
  PrintLatencyRow(label, summary, unit);
  JsonLine(kBench, metric).Add("algorithm", algorithm).Add(summary).Print();
}

// ---- The phases.

void ReportMemory(const Memory& before, const Memory& after, const Memory& trimmed, bool peak_known,
                  size_t agendas) {
  const int64_t heap = after.heap - before.heap;
  const int64_t rss = after.rss - before.rss;
  const int64_t peak = after.peak_rss - before.rss;
  const int64_t trimmed_rss = trimmed.rss - before.rss;
  std::printf("\n(b) scheduler memory for %zu queued agendas (target <= 1536 bytes each)\n",
              agendas);
  std::printf("  %-58s %14s %12s\n", "measure", "total", "per agenda");
  auto row = [&](const char* label, int64_t bytes) {
    std::printf("  %-58s %14s %10.0f B\n", label, Mib(bytes).c_str(), PerAgenda(bytes, agendas));
  };
  row("allocator bytes in use, after Start - before", heap);
  row("process RSS, after Start - before", rss);
  if (peak_known) row("process RSS peak during Start - RSS before", peak);
  row("process RSS after malloc_trim(0) - before", trimmed_rss);
  std::printf("  %-58s %14s %10.0f B\n", "whole process RSS after Start (incl. the store, libs)",
              Mib(after.rss).c_str(), PerAgenda(after.rss, agendas));
  JsonLine(kBench, "scheduler_memory")
      .Add("agendas", static_cast<int64_t>(agendas))
      .Add("heap_bytes_per_agenda", PerAgenda(heap, agendas))
      .Add("rss_bytes_per_agenda", PerAgenda(rss, agendas))
      .Add("peak_rss_bytes_per_agenda", peak_known ? PerAgenda(peak, agendas) : -1.0)
      .Add("trimmed_rss_bytes_per_agenda", PerAgenda(trimmed_rss, agendas))
      .Add("process_rss_bytes", after.rss)
      .Add("target_bytes_per_agenda", 1536.0)
      .Print();
}

// Claim(insight, 1, wait 0) round robin over the insights, as one puller asking each in turn.
// Each claimed agenda is then confirmed (what the executor's first report does), so memory
// does not fill with leases.
void MeasureClaims(app::InsightQueues& queues, TimingStore& timing, const StoreCounts& counts,
                   const Options& options) {
  std::array<std::vector<double>, kInsights.size()> total;
  std::array<std::vector<double>, kInsights.size()> in_memory;
  std::vector<double> all_total;
  std::vector<double> all_in_memory;
  std::vector<double> all_store;
  const size_t claims = std::min(options.claims, options.agendas);
  size_t empty = 0;
  const auto [writes_before, commits_before] = counts();
  const auto start = SteadyClock::now();
  timing.TakeWriteMillis();
  for (size_t k = 0; k < claims; ++k) {
    const size_t which = k % kInsights.size();
    std::optional<Result<std::vector<ReadyAgenda>>> answer;
    const auto t0 = SteadyClock::now();
    queues.Claim(kInsights[which].id, 1, Duration::Millis(0), kClaimer,
                 [&](Result<std::vector<ReadyAgenda>> result) { answer = std::move(result); });
    const double elapsed = MillisSince(t0);
    const double written = timing.TakeWriteMillis();
    if (!answer || !answer->ok()) {
      std::fprintf(stderr, "claim failed: %s\n",
                   answer ? answer->error().message.c_str() : "no answer");
      std::exit(1);
    }
    if ((*answer)->empty()) {
      ++empty;
      continue;
    }
    total[which].push_back(elapsed);
    in_memory[which].push_back(elapsed - written);
    all_total.push_back(elapsed);
    all_in_memory.push_back(elapsed - written);
    all_store.push_back(written);
    queues.OnClaimConfirmed((*answer)->front().agenda_id);
  }
  const double seconds = MillisSince(start) / 1000.0;
  const auto [writes_after, commits_after] = counts();
  std::printf(
      "\n(c) claim latency: %zu claims of 1 agenda, wait 0, over %zu insights "
      "(%.1f s, %.0f claims/s; %zu found nothing)\n",
      claims, kInsights.size(), seconds, static_cast<double>(claims) / seconds, empty);
  std::printf(
      "    store: %lld writes in %lld commits during the claims (claims + the scheduler "
      "thread's RoundRobin state saves)\n",
      static_cast<long long>(writes_after - writes_before),
      static_cast<long long>(commits_after - commits_before));
  PrintLatencyHeader("ms");
  ReportLatency("claim_durable_ms", "Claim end to end (durable: commit + fsync)", "all", all_total,
                "ms");
  ReportLatency("claim_store_write_ms", "  of which Store::Write (commit + fsync)", "all",
                all_store, "ms");
  ReportLatency("claim_decision_ms", "Claim minus Store::Write (the decision)", "all",
                all_in_memory, "ms");
  for (size_t i = 0; i < kInsights.size(); ++i) {
    const char* name = SchedulingAlgorithmName(kInsights[i].algorithm);
    ReportLatency("claim_durable_ms", std::string("  end to end, ") + name, name, total[i], "ms");
    ReportLatency("claim_decision_ms", std::string("  decision, ") + name, name, in_memory[i],
                  "ms");
  }
}

// The bare policies, outside InsightQueues: the same candidates per algorithm, then PopBatch(1)
// timed call by call, which is the pick a claim makes to refill its queue.
void MeasurePolicies(const Options& options) {
  std::vector<std::string> customers;
  for (size_t c = 0; c < options.customers; ++c) customers.push_back(CustomerId(c));
  std::array<std::unique_ptr<sched::SchedulingPolicy>, kInsights.size()> policies;
  std::array<std::vector<double>, kInsights.size()> add_ms;
  for (size_t i = 0; i < kInsights.size(); ++i) {
    policies[i] = sched::MakePolicy(kInsights[i].algorithm);
    policies[i]->SetPoolCustomers(customers);
    for (size_t c = 0; c < options.customers; ++c) {
      if (auto weight = WeightOf(c)) (void)policies[i]->SetCustomerWeight(customers[c], *weight);
    }
    add_ms[i].reserve(options.agendas / kInsights.size() + 1);
  }
  malloc_trim(0);
  const Memory before = MeasureMemory();
  for (size_t n = 0; n < options.agendas; ++n) {
    ReadyAgenda ready = EntryAt(n, options.customers);
    sched::Candidate candidate{std::move(ready.agenda_id), std::move(ready.customer_id),
                               ready.added, ready.priority, n + 1};
    const size_t which = n % kInsights.size();
    const auto t0 = SteadyClock::now();
    policies[which]->Add(std::move(candidate));
    add_ms[which].push_back(MillisSince(t0));
  }
  // The sample vectors were reserved before `before`, so the growth is the policies' alone.
  const int64_t policy_heap = MeasureMemory().heap - before.heap;
  std::printf("\n(c') the bare policies (core/sched), %zu candidates in total, no lock, no store\n",
              options.agendas);
  std::printf("    allocator bytes per waiting candidate: %.0f B (the policies alone)\n",
              PerAgenda(policy_heap, options.agendas));
  JsonLine(kBench, "policy_memory")
      .Add("candidates", static_cast<int64_t>(options.agendas))
      .Add("heap_bytes_per_candidate", PerAgenda(policy_heap, options.agendas))
      .Print();
  PrintLatencyHeader("us");
  for (size_t i = 0; i < kInsights.size(); ++i) {
    const char* name = SchedulingAlgorithmName(kInsights[i].algorithm);
    const size_t pops = std::min(options.decisions, policies[i]->size());
    std::vector<double> pop_ms;
    pop_ms.reserve(pops);
    for (size_t k = 0; k < pops; ++k) {
      const auto t0 = SteadyClock::now();
      std::vector<sched::Candidate> picked = policies[i]->PopBatch(1);
      pop_ms.push_back(MillisSince(t0));
      if (picked.size() != 1) break;
    }
    ReportLatency("policy_add_ms", std::string("Add, ") + name, name, std::move(add_ms[i]), "us");
    ReportLatency("policy_pop1_ms", std::string("PopBatch(1), ") + name, name, std::move(pop_ms),
                  "us");
  }
}

int Run(const Options& options) {
  PrintMachine(kBench, "start");
  std::filesystem::path dir = options.dir;
  const bool temporary = dir.empty();
  if (temporary) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pop-queue-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = pattern;
  } else {
    std::filesystem::create_directories(dir);
  }
  const std::filesystem::path db = dir / "queue_bench.db";
  const bool postgres = !options.postgres_uri.empty();
  const std::string uri = postgres ? FreshDatabase(options.postgres_uri) : "";
  if (postgres && uri.empty()) {
    std::fprintf(stderr, "cannot create a database with psql on --postgres-uri\n");
    return 1;
  }
  std::printf("database: %s (%zu ready agendas, %zu customers, %zu insights, queueSize %lld)\n",
              postgres ? ("PostgreSQL " + uri.substr(uri.rfind('/') + 1)).c_str() : db.c_str(),
              options.agendas, options.customers, kInsights.size(),
              static_cast<long long>(options.queue_size));
  std::fflush(stdout);

  // Fill in a child process: this process has no thread yet, so fork is safe, and afterwards
  // its heap holds nothing the scheduler did not allocate.
  const auto fill_start = SteadyClock::now();
  pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    return 1;
  }
  if (child == 0) _exit(postgres ? FillPostgres(options, uri, dir) : FillOrReset(options, db));
  int child_status = 0;
  waitpid(child, &child_status, 0);
  if (!WIFEXITED(child_status) || WEXITSTATUS(child_status) != 0) return 1;
  const double fill_seconds = MillisSince(fill_start) / 1000.0;
  std::printf("prepared the store in %.1f s\n", fill_seconds);
  JsonLine(kBench, "fill_seconds")
      .Add("agendas", static_cast<int64_t>(options.agendas))
      .Add("seconds", fill_seconds)
      .Print();

  {
    std::unique_ptr<Store> opened_store;
    StoreCounts counts;
    if (postgres) {
      PostgresStoreOptions store_options;
      store_options.conninfo = uri;
      auto opened = PostgresStore::Open(store_options);
      if (!opened.ok()) {
        std::fprintf(stderr, "cannot open the store: %s\n", opened.error().message.c_str());
        return 1;
      }
      PostgresStore* raw = opened->get();
      counts = [raw] { return std::make_pair(raw->Stats().writes, raw->Stats().commits); };
      opened_store = std::move(*opened);
    } else {
      SqliteStoreOptions store_options;
      store_options.path = db.string();
      auto opened = SqliteStore::Open(store_options);
      if (!opened.ok()) {
        std::fprintf(stderr, "cannot open the store: %s\n", opened.error().message.c_str());
        return 1;
      }
      SqliteStore* raw = opened->get();
      counts = [raw] { return std::make_pair(raw->Stats().writes, raw->Stats().commits); };
      opened_store = std::move(*opened);
    }
    Store& store = *opened_store;
    TimingStore timing(store);
    SystemClock clock;
    RandomIdGenerator ids;
    NullLogger logger;
    app::Services services{timing, clock, ids};
    app::QueueOptions queue_options;
    queue_options.lease = Duration::Minutes(60);  // no lease lapses during the run
    // A warm-up read opens a reader connection, so the baseline includes it.
    (void)store.Read([](StoreReader& reader) { return reader.CountTokens().status(); });
    timing.TakeReadMillis();

    auto queues = std::make_unique<app::InsightQueues>(services, queue_options, logger);
    malloc_trim(0);
    const Memory before = MeasureMemory();
    const bool peak_known = ResetPeakRss();
    const auto start = SteadyClock::now();
    Status started = queues->Start();
    const double start_seconds = MillisSince(start) / 1000.0;
    const double read_seconds = timing.TakeReadMillis() / 1000.0;
    if (!started.ok()) {
      std::fprintf(stderr, "Start failed: %s\n", started.message().c_str());
      return 1;
    }
    const Memory after = MeasureMemory();
    malloc_trim(0);
    const Memory trimmed = MeasureMemory();

    std::printf(
        "\n(a) InsightQueues::Start() with %zu ready agendas: %.2f s "
        "(store read %.2f s, building the queues %.2f s)\n",
        options.agendas, start_seconds, read_seconds, start_seconds - read_seconds);
    JsonLine(kBench, "start_seconds")
        .Add("agendas", static_cast<int64_t>(options.agendas))
        .Add("seconds", start_seconds)
        .Add("store_read_seconds", read_seconds)
        .Print();
    ReportMemory(before, after, trimmed, peak_known, options.agendas);

    MeasureClaims(*queues, timing, counts, options);
    queues->Stop();
    queues.reset();
  }
  MeasurePolicies(options);
  PrintMachine(kBench, "end");
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}

bool ParseSize(const char* text, size_t& out) {
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') return false;
  out = static_cast<size_t>(value);
  return true;
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--agendas N] [--customers M] [--claims K] [--decisions D]\n"
               "          [--queue-size Q] [--batch B] [--dir DIR] [--postgres-uri URI]\n"
               "  --agendas    ready agendas in the store (default 1000000)\n"
               "  --customers  customers they belong to (default 1000)\n"
               "  --claims     durable claims through the scheduler (default 100000)\n"
               "  --decisions  bare PopBatch(1) calls per algorithm (default 100000)\n"
               "  --queue-size queueSize of each insight (default 10)\n"
               "  --batch      ready rows per transaction while filling (default 20000)\n"
               "  --dir        keep the database in DIR and reuse it on the next run\n"
               "  --postgres-uri  a superuser's PostgreSQL URI: run on a new database of it\n",
               argv0);
  return 2;
}

}  // namespace
}  // namespace pop::bench

int main(int argc, char** argv) {
  pop::bench::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h" || i + 1 >= argc) return pop::bench::Usage(argv[0]);
    const char* value = argv[++i];
    size_t number = 0;
    bool ok = true;
    if (flag == "--dir") {
      options.dir = value;
    } else if (flag == "--postgres-uri") {
      options.postgres_uri = value;
    } else if (!pop::bench::ParseSize(value, number)) {
      ok = false;
    } else if (flag == "--agendas") {
      options.agendas = number;
    } else if (flag == "--customers") {
      options.customers = std::max<size_t>(number, 1);
    } else if (flag == "--claims") {
      options.claims = number;
    } else if (flag == "--decisions") {
      options.decisions = number;
    } else if (flag == "--queue-size") {
      options.queue_size = static_cast<int64_t>(number);
    } else if (flag == "--batch") {
      options.batch = std::max<size_t>(number, 1);
    } else {
      ok = false;
    }
    if (!ok) return pop::bench::Usage(argv[0]);
  }
  return pop::bench::Run(options);
}
