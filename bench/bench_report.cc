#include "bench_report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>

#include "core/codec/json_text.h"

namespace pop::bench {
namespace {

// Nearest rank: the smallest sample with at least p of the sample at or below it.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

double Scale(double ms, std::string_view unit) { return unit == "us" ? ms * 1000.0 : ms; }

// "avg10=6.60 avg60=4.27" from the "some" line of /proc/pressure/<resource>.
std::string Pressure(const char* resource) {
  std::ifstream in(std::string("/proc/pressure/") + resource);
  std::string kind;
  std::string avg10;
  std::string avg60;
  if (!(in >> kind >> avg10 >> avg60) || kind != "some") return "";
  return avg10 + " " + avg60;
}

}  // namespace

LatencySummary Summarize(std::vector<double> samples_ms) {
  LatencySummary out;
  if (samples_ms.empty()) return out;
  std::sort(samples_ms.begin(), samples_ms.end());
  out.n = samples_ms.size();
  out.min_ms = samples_ms.front();
  out.max_ms = samples_ms.back();
  out.mean_ms = std::accumulate(samples_ms.begin(), samples_ms.end(), 0.0) /
                static_cast<double>(samples_ms.size());
  out.p50_ms = Percentile(samples_ms, 0.50);
  out.p90_ms = Percentile(samples_ms, 0.90);
  out.p99_ms = Percentile(samples_ms, 0.99);
  out.p999_ms = Percentile(samples_ms, 0.999);
  return out;
}

JsonLine::JsonLine(std::string_view bench, std::string_view metric) {
  // push_back, not `= "{"`: gcc 12 at -O3 reports a false -Wrestrict on the assignment.
  text_.push_back('{');
  AppendJsonString("bench", text_);
  text_ += ": ";
  AppendJsonString(bench, text_);
  text_ += ", ";
  AppendJsonString("metric", text_);
  text_ += ": ";
  AppendJsonString(metric, text_);
}

JsonLine& JsonLine::Add(std::string_view key, double value) {
  text_ += ", ";
  AppendJsonString(key, text_);
  text_ += ": " + FormatNumber(value);
  return *this;
}

JsonLine& JsonLine::Add(std::string_view key, int64_t value) {
  text_ += ", ";
  AppendJsonString(key, text_);
  text_ += ": " + std::to_string(value);
  return *this;
}

JsonLine& JsonLine::Add(std::string_view key, std::string_view value) {
  text_ += ", ";
  AppendJsonString(key, text_);
  text_ += ": ";
  AppendJsonString(value, text_);
  return *this;
}

JsonLine& JsonLine::Add(const LatencySummary& summary) {
  Add("n", static_cast<int64_t>(summary.n));
  Add("min_ms", summary.min_ms);
  Add("mean_ms", summary.mean_ms);
  Add("p50_ms", summary.p50_ms);
  Add("p90_ms", summary.p90_ms);
  Add("p99_ms", summary.p99_ms);
  Add("p999_ms", summary.p999_ms);
  Add("max_ms", summary.max_ms);
  return *this;
}

void JsonLine::Print() const {
  std::printf("%s}\n", text_.c_str());
  std::fflush(stdout);
}

void PrintLatencyHeader(std::string_view unit) {
  std::printf("  %-46s %8s %10s %10s %10s %10s %10s   (%.*s)\n", "measurement", "n", "p50", "p90",
              "p99", "p99.9", "max", static_cast<int>(unit.size()), unit.data());
}

void PrintLatencyRow(std::string_view label, const LatencySummary& summary, std::string_view unit) {
  std::printf("  %-46.*s %8zu %10.3f %10.3f %10.3f %10.3f %10.3f\n", static_cast<int>(label.size()),
              label.data(), summary.n, Scale(summary.p50_ms, unit), Scale(summary.p90_ms, unit),
              Scale(summary.p99_ms, unit), Scale(summary.p999_ms, unit),
              Scale(summary.max_ms, unit));
  std::fflush(stdout);
}

MachineInfo ReadMachineInfo() {
  MachineInfo info;
  info.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  info.ram_bytes = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE);
  utsname name{};
  if (uname(&name) == 0) info.kernel = name.release;
  std::ifstream loadavg("/proc/loadavg");
  std::string one;
  std::string five;
  std::string fifteen;
  if (loadavg >> one >> five >> fifteen) info.load_average = one + " " + five + " " + fifteen;
  info.cpu_pressure = Pressure("cpu");
  info.io_pressure = Pressure("io");
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  info.utc_time = buffer;
  return info;
}

void PrintMachine(std::string_view bench, std::string_view when) {
  MachineInfo info = ReadMachineInfo();
  std::printf(
      "machine (%.*s): %d CPUs, %.1f GiB RAM, kernel %s, load average %s, CPU pressure %s, I/O "
      "pressure %s, %s\n",
      static_cast<int>(when.size()), when.data(), info.cpus,
      static_cast<double>(info.ram_bytes) / (1024.0 * 1024.0 * 1024.0), info.kernel.c_str(),
      info.load_average.c_str(), info.cpu_pressure.c_str(), info.io_pressure.c_str(),
      info.utc_time.c_str());
  JsonLine("machine", "machine")
      .Add("for", bench)
      .Add("when", when)
      .Add("cpus", static_cast<int64_t>(info.cpus))
      .Add("ram_bytes", info.ram_bytes)
      .Add("kernel", info.kernel)
      .Add("load_average", info.load_average)
      .Add("cpu_pressure_some_avg10_avg60", info.cpu_pressure)
      .Add("io_pressure_some_avg10_avg60", info.io_pressure)
      .Add("utc", info.utc_time)
      .Print();
}

int64_t ProcStatusBytes(const std::string& pid, std::string_view field) {
  std::ifstream status("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, field.size(), field) != 0 || line.size() <= field.size() ||
        line[field.size()] != ':') {
      continue;
    }
    std::istringstream fields(line.substr(field.size() + 1));
    int64_t kib = -1;
    if (fields >> kib) return kib * 1024;
  }
  return -1;
}

ProcessCounters ReadProcessCounters(const std::string& pid) {
  ProcessCounters counters;
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at the last ')'; utime and
  // stime are fields 14 and 15 of the line, i.e. the 12th and 13th after it.
  const size_t paren = text.rfind(')');
  if (paren != std::string::npos) {
    std::istringstream fields(text.substr(paren + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && (fields >> field); ++i) {
      if (i >= 14) ticks += std::stod(field);
    }
    counters.cpu_ms = ticks * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + pid + "/task", ec)) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      std::istringstream fields(line);
      std::string name;
      int64_t value = 0;
      if (!(fields >> name >> value)) continue;
      if (name == "voluntary_ctxt_switches:") counters.voluntary_switches += value;
      if (name == "nonvoluntary_ctxt_switches:") counters.involuntary_switches += value;
    }
  }
  return counters;
}

}  // namespace pop::bench
