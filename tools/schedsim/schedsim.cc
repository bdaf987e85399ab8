// pop_schedsim: a fairness simulator for the scheduling policies of src/core/sched. It replays a
// synthetic workload (customers with weights, Poisson arrival rates and bursts) through one
// Insight: each simulated tick, new Agendas become ready, the scheduler fills the queue up to
// its size with PopBatch, and pullers start up to `drain` queued Agendas. It prints each
// customer's share of started Agendas per time window and its wait percentiles (in ticks).
// Usage and the canned scenarios: tools/schedsim/README.md.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/insight.h"
#include "core/sched/scheduling_policy.h"

namespace {

using pop::SchedulingAlgorithm;
using pop::Timestamp;
using pop::sched::Candidate;

struct CustomerSpec {
  std::string name;
  double weight = 1.0;
  double rate = 0.0;        // mean arrivals per tick (Poisson)
  int64_t burst = 0;        // agendas submitted at once
  int64_t burst_at = 0;     // tick of the first burst
  int64_t burst_every = 0;  // ticks between bursts; 0 = a single burst
  int64_t start = 0;        // first tick of rate arrivals
  int64_t stop = -1;        // tick rate arrivals end (exclusive); -1 = the end of the run
  int64_t priority = 0;     // params.priority (Priority algorithm)
};

struct Config {
  SchedulingAlgorithm algorithm = SchedulingAlgorithm::kRoundRobin;
  std::vector<CustomerSpec> customers;
  int64_t queue_size = 10;
  int64_t drain = 5;  // agendas pullers start per tick
  int64_t ticks = 2000;
  int64_t window = 0;  // 0 = ticks / 5
  uint32_t seed = 1;
  bool json = false;
  std::string scenario;
};

struct CustomerStats {
  int64_t submitted = 0;
  std::vector<int64_t> waits;  // ticks from ready to started, per started agenda
};

constexpr const char kUsage[] = R"(usage: pop_schedsim [options]
  --scenario NAME      noisy-neighbour | new-customer | weighted (sets every default below)
  --algorithm NAME     FirstInFirstOut | RoundRobin | Priority | WeightedFair
  --customer SPEC      NAME[:key=value,...], repeatable; replaces the scenario's customers
                       keys: weight, rate (per tick), burst, burst-at, burst-every, start, stop,
                       priority
  --queue-size N       the insight's queueSize (default 10)
  --drain N            agendas the pullers start per tick (default 5)
  --ticks N            simulated ticks (default 2000)
  --window N           ticks per share window (default ticks / 5)
  --seed N             random seed (default 1)
  --json               print JSON instead of tables
)";

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "pop_schedsim: " << message << "\n" << kUsage;
  std::exit(2);
}

int64_t ParseInt(std::string_view text, std::string_view what) {
  try {
    size_t used = 0;
    const int64_t value = std::stoll(std::string(text), &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  Fail("bad integer for " + std::string(what) + ": '" + std::string(text) + "'");
}

double ParseDouble(std::string_view text, std::string_view what) {
  try {
    size_t used = 0;
    const double value = std::stod(std::string(text), &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  Fail("bad number for " + std::string(what) + ": '" + std::string(text) + "'");
}

CustomerSpec ParseCustomer(std::string_view spec) {
  CustomerSpec customer;
  const size_t colon = spec.find(':');
  customer.name = std::string(spec.substr(0, colon));
  if (customer.name.empty()) Fail("customer without a name: '" + std::string(spec) + "'");
  if (colon == std::string_view::npos) return customer;
  std::stringstream fields{std::string(spec.substr(colon + 1))};
  std::string field;
  while (std::getline(fields, field, ',')) {
    const size_t eq = field.find('=');
    if (eq == std::string::npos) Fail("customer field without '=': '" + field + "'");
    const std::string key = field.substr(0, eq);
    const std::string value = field.substr(eq + 1);
    if (key == "weight") {
      customer.weight = ParseDouble(value, key);
    } else if (key == "rate") {
      customer.rate = ParseDouble(value, key);
    } else if (key == "burst") {
      customer.burst = ParseInt(value, key);
    } else if (key == "burst-at") {
      customer.burst_at = ParseInt(value, key);
    } else if (key == "burst-every") {
      customer.burst_every = ParseInt(value, key);
    } else if (key == "start") {
      customer.start = ParseInt(value, key);
    } else if (key == "stop") {
      customer.stop = ParseInt(value, key);
    } else if (key == "priority") {
      customer.priority = ParseInt(value, key);
    } else {
      Fail("unknown customer field '" + key + "'");
    }
  }
  return customer;
}

// The canned scenarios; each shows one fairness property (tools/schedsim/README.md).
void ApplyScenario(const std::string& name, Config* config) {
  auto customers = [](std::initializer_list<const char*> specs) {
    std::vector<CustomerSpec> list;
    for (const char* spec : specs) list.push_back(ParseCustomer(spec));
    return list;
  };
  config->scenario = name;
  if (name == "noisy-neighbour") {
    // One customer dumps 5000 agendas and keeps submitting; two small ones submit steadily.
    config->algorithm = SchedulingAlgorithm::kRoundRobin;
    config->customers =
        customers({"noisy:burst=5000,rate=3", "quiet-a:rate=0.5", "quiet-b:rate=0.5"});
    config->queue_size = 10;
    config->drain = 4;
    config->ticks = 3000;
    config->window = 500;
  } else if (name == "new-customer") {
    // Two customers with deep backlogs; a third appears at tick 1000.
    config->algorithm = SchedulingAlgorithm::kWeightedFair;
    config->customers = customers(
        {"big-a:burst=20000,rate=2", "big-b:burst=20000,rate=2", "newcomer:start=1000,rate=0.5"});
    config->queue_size = 20;
    config->drain = 5;
    config->ticks = 3000;
    config->window = 500;
  } else if (name == "weighted") {
    // Three saturated customers with weights 4:2:1.
    config->algorithm = SchedulingAlgorithm::kWeightedFair;
    config->customers =
        customers({"gold:weight=4,rate=5", "silver:weight=2,rate=5", "bronze:weight=1,rate=5"});
    config->queue_size = 10;
    config->drain = 7;
    config->ticks = 2000;
    config->window = 400;
  } else {
    Fail("unknown scenario '" + name + "'");
  }
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  std::vector<std::string> args(argv + 1, argv + argc);
  // The scenario first, so that every other flag overrides it wherever it appears.
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--scenario") ApplyScenario(args[i + 1], &config);
  }
  bool customers_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--json") {
      config.json = true;
      continue;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= args.size()) Fail("missing value for " + flag);
    const std::string& value = args[++i];
    if (flag == "--scenario") {
      continue;
    } else if (flag == "--algorithm") {
      const std::optional<SchedulingAlgorithm> algorithm = pop::ParseSchedulingAlgorithm(value);
      if (!algorithm) Fail("unknown algorithm '" + value + "'");
      config.algorithm = *algorithm;
    } else if (flag == "--customer") {
      if (!customers_given) config.customers.clear();
      customers_given = true;
      config.customers.push_back(ParseCustomer(value));
    } else if (flag == "--queue-size") {
      config.queue_size = ParseInt(value, flag);
    } else if (flag == "--drain") {
      config.drain = ParseInt(value, flag);
    } else if (flag == "--ticks") {
      config.ticks = ParseInt(value, flag);
    } else if (flag == "--window") {
      config.window = ParseInt(value, flag);
    } else if (flag == "--seed") {
      config.seed = static_cast<uint32_t>(ParseInt(value, flag));
    } else {
      Fail("unknown option " + flag);
    }
  }
  if (config.customers.empty()) Fail("no customers: give --scenario or --customer");
  if (config.ticks <= 0 || config.queue_size < 0 || config.drain < 0) Fail("bad sizes");
  if (config.window <= 0) config.window = std::max<int64_t>(1, config.ticks / 5);
  return config;
}

struct Result {
  std::vector<CustomerStats> customers;
  std::vector<std::vector<int64_t>> window_starts;  // [window][customer]
  std::vector<int64_t> waiting_at_end;
};

Result Simulate(const Config& config) {
  const size_t n = config.customers.size();
  std::mt19937_64 rng(config.seed);
  std::unique_ptr<pop::sched::SchedulingPolicy> policy = pop::sched::MakePolicy(config.algorithm);
  std::vector<std::string> names;
  std::map<std::string, size_t> index;
  for (size_t c = 0; c < n; ++c) {
    const CustomerSpec& spec = config.customers[c];
    names.push_back(spec.name);
    index[spec.name] = c;
    if (!policy->SetCustomerWeight(spec.name, spec.weight).ok()) {
      Fail("weight of " + spec.name + " must be > 0");
    }
  }
  policy->SetPoolCustomers(names);

  Result result;
  result.customers.resize(n);
  result.window_starts.assign(
      static_cast<size_t>((config.ticks + config.window - 1) / config.window),
      std::vector<int64_t>(n, 0));
  std::deque<Candidate> queue;
  uint64_t sequence = 0;
  auto submit = [&](size_t c, int64_t tick) {
    const CustomerSpec& spec = config.customers[c];
    policy->Add(Candidate{spec.name + "-" + std::to_string(result.customers[c].submitted++),
                          spec.name, Timestamp::FromMillis(tick), spec.priority, sequence++});
  };
  for (int64_t tick = 0; tick < config.ticks; ++tick) {
    for (size_t c = 0; c < n; ++c) {
      const CustomerSpec& spec = config.customers[c];
      const bool burst_now =
          spec.burst > 0 && tick >= spec.burst_at &&
          (tick == spec.burst_at ||
           (spec.burst_every > 0 && (tick - spec.burst_at) % spec.burst_every == 0));
      for (int64_t b = 0; burst_now && b < spec.burst; ++b) submit(c, tick);
      const int64_t stop = spec.stop < 0 ? config.ticks : spec.stop;
      if (spec.rate > 0 && tick >= spec.start && tick < stop) {
        const int arrivals = std::poisson_distribution<int>(spec.rate)(rng);
        for (int a = 0; a < arrivals; ++a) submit(c, tick);
      }
    }
    const auto free = static_cast<size_t>(
        std::max<int64_t>(0, config.queue_size - static_cast<int64_t>(queue.size())));
    for (Candidate& candidate : policy->PopBatch(free)) queue.push_back(std::move(candidate));
    for (int64_t started = 0; started < config.drain && !queue.empty(); ++started) {
      const Candidate& candidate = queue.front();
      const size_t c = index.at(candidate.customer_id);
      result.customers[c].waits.push_back(tick - candidate.added.millis());
      ++result.window_starts[static_cast<size_t>(tick / config.window)][c];
      queue.pop_front();
    }
  }
  result.waiting_at_end.assign(n, 0);
  for (size_t c = 0; c < n; ++c) {
    result.waiting_at_end[c] =
        result.customers[c].submitted - static_cast<int64_t>(result.customers[c].waits.size());
  }
  return result;
}

int64_t Percentile(std::vector<int64_t> values, double p) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(p * static_cast<double>(values.size()) + 0.999999);
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

double Percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string WaitText(int64_t wait) { return wait < 0 ? "-" : std::to_string(wait); }

void PrintTables(const Config& config, const Result& result) {
  const size_t n = config.customers.size();
  std::cout << "schedsim" << (config.scenario.empty() ? "" : " scenario=" + config.scenario)
            << " algorithm=" << pop::SchedulingAlgorithmName(config.algorithm)
            << " queue-size=" << config.queue_size << " drain=" << config.drain
            << "/tick ticks=" << config.ticks << " seed=" << config.seed << "\n\n";
  std::cout << "share of started agendas per window (%)\n" << std::left << std::setw(13) << "ticks";
  for (const CustomerSpec& spec : config.customers) {
    std::cout << std::right << std::setw(11) << spec.name;
  }
  std::cout << std::setw(10) << "started"
            << "\n"
            << std::fixed << std::setprecision(1);
  for (size_t w = 0; w < result.window_starts.size(); ++w) {
    const std::vector<int64_t>& counts = result.window_starts[w];
    int64_t total = 0;
    for (int64_t count : counts) total += count;
    const int64_t first = static_cast<int64_t>(w) * config.window;
    const int64_t last = std::min(config.ticks, first + config.window) - 1;
    std::cout << std::left << std::setw(13) << (std::to_string(first) + "-" + std::to_string(last));
    for (size_t c = 0; c < n; ++c) {
      std::cout << std::right << std::setw(11) << Percent(counts[c], total);
    }
    std::cout << std::setw(10) << total << "\n";
  }
  int64_t all_started = 0;
  double all_weight = 0;
  for (size_t c = 0; c < n; ++c) {
    all_started += static_cast<int64_t>(result.customers[c].waits.size());
    all_weight += config.customers[c].weight;
  }
  std::cout << "\nper customer (waits in ticks from ready to started)\n"
            << std::left << std::setw(12) << "customer" << std::right << std::setw(8) << "weight"
            << std::setw(11) << "submitted" << std::setw(10) << "started" << std::setw(9)
            << "share%" << std::setw(10) << "weight%" << std::setw(8) << "p50" << std::setw(8)
            << "p99" << std::setw(8) << "max" << std::setw(10) << "waiting"
            << "\n";
  for (size_t c = 0; c < n; ++c) {
    const CustomerStats& stats = result.customers[c];
    const auto started = static_cast<int64_t>(stats.waits.size());
    std::cout << std::left << std::setw(12) << config.customers[c].name << std::right
              << std::setw(8) << config.customers[c].weight << std::setw(11) << stats.submitted
              << std::setw(10) << started << std::setw(9) << Percent(started, all_started)
              << std::setw(10) << 100.0 * config.customers[c].weight / all_weight << std::setw(8)
              << WaitText(Percentile(stats.waits, 0.5)) << std::setw(8)
              << WaitText(Percentile(stats.waits, 0.99)) << std::setw(8)
              << WaitText(Percentile(stats.waits, 1.0)) << std::setw(10) << result.waiting_at_end[c]
              << "\n";
  }
}

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

void PrintJson(const Config& config, const Result& result) {
  const size_t n = config.customers.size();
  std::ostringstream out;
  out << "{\"config\":{\"scenario\":" << Quoted(config.scenario)
      << ",\"algorithm\":" << Quoted(pop::SchedulingAlgorithmName(config.algorithm))
      << ",\"queueSize\":" << config.queue_size << ",\"drain\":" << config.drain
      << ",\"ticks\":" << config.ticks << ",\"window\":" << config.window
      << ",\"seed\":" << config.seed << "},\"windows\":[";
  for (size_t w = 0; w < result.window_starts.size(); ++w) {
    out << (w == 0 ? "" : ",") << "{\"start\":" << static_cast<int64_t>(w) * config.window
        << ",\"started\":{";
    for (size_t c = 0; c < n; ++c) {
      out << (c == 0 ? "" : ",") << Quoted(config.customers[c].name) << ":"
          << result.window_starts[w][c];
    }
    out << "}}";
  }
  out << "],\"customers\":[";
  for (size_t c = 0; c < n; ++c) {
    const CustomerStats& stats = result.customers[c];
    out << (c == 0 ? "" : ",") << "{\"name\":" << Quoted(config.customers[c].name)
        << ",\"weight\":" << config.customers[c].weight << ",\"submitted\":" << stats.submitted
        << ",\"started\":" << stats.waits.size() << ",\"waitP50\":" << Percentile(stats.waits, 0.5)
        << ",\"waitP99\":" << Percentile(stats.waits, 0.99)
        << ",\"waitMax\":" << Percentile(stats.waits, 1.0)
        << ",\"waitingAtEnd\":" << result.waiting_at_end[c] << "}";
  }
  out << "]}\n";
  std::cout << out.str();
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  const Result result = Simulate(config);
  if (config.json) {
    PrintJson(config, result);
  } else {
    PrintTables(config, result);
  }
  return 0;
}
