// BenchReport: what the programs in bench/ share to report their figures: percentiles of a
// latency sample, a human table row, one JSON line per measurement (what `make bench` collects)
// and a description of the machine and its load at the time. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pop::bench {

// Nearest-rank percentiles of one sample, in milliseconds.
struct LatencySummary {
  size_t n = 0;
  double min_ms = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// `samples_ms` may be in any order; an empty sample gives n = 0 and zeros.
LatencySummary Summarize(std::vector<double> samples_ms);

// One JSON object on one line, fields in the order they were added.
class JsonLine {
 public:
  JsonLine(std::string_view bench, std::string_view metric);
  JsonLine& Add(std::string_view key, double value);
  JsonLine& Add(std::string_view key, int64_t value);
  JsonLine& Add(std::string_view key, std::string_view value);
  JsonLine& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  // n, min/mean/p50/p90/p99/p99.9/max in ms.
  JsonLine& Add(const LatencySummary& summary);
  // Prints the line to stdout, flushed.
  void Print() const;

 private:
  std::string text_;
};

// The header of a latency table, and one row: label, n, then the percentiles in `unit`
// ("ms" or "us").
void PrintLatencyHeader(std::string_view unit);
void PrintLatencyRow(std::string_view label, const LatencySummary& summary, std::string_view unit);

// CPUs, RAM, kernel, load average, time: printed as a human line and a JSON line
// (metric "machine"), so every run records what it ran on and how busy the machine was.
struct MachineInfo {
  int cpus = 0;
  int64_t ram_bytes = 0;
  std::string kernel;
  std::string load_average;  // the three numbers of /proc/loadavg
  // Pressure stall information, "some" line, avg10/avg60 (% of time some task waited for a CPU
  // or for I/O); empty when the kernel has no PSI.
  std::string cpu_pressure;
  std::string io_pressure;
  std::string utc_time;  // ISO 8601
};
MachineInfo ReadMachineInfo();
void PrintMachine(std::string_view bench, std::string_view when);

// Fields of /proc/<pid>/status in bytes (VmRSS, VmHWM); -1 when unreadable. "self" for this
// process.
int64_t ProcStatusBytes(const std::string& pid, std::string_view field);

// CPU time and context switches of a whole process (all its threads), from /proc/<pid>/stat
// and /proc/<pid>/task/*/status. CPU time has the kernel's tick resolution (usually 10 ms), so
// divide a difference over many requests.
struct ProcessCounters {
  double cpu_ms = 0;  // user + system
  int64_t voluntary_switches = 0;
  int64_t involuntary_switches = 0;
};
ProcessCounters ReadProcessCounters(const std::string& pid);

}  // namespace pop::bench
