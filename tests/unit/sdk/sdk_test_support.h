// Support code for the SDK's unit tests: a per-test temp dir, a HandlerEnvironment whose stdout and
// clock the test controls, and reading a report file back as lines.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/codec/json_text.h"
#include "pop_sdk/handler_environment.h"

namespace pop::sdk::testing {

// A fresh directory for one test, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pop-sdk-XXXXXX").string();
    EXPECT_NE(mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// What a handler printed on stdout, line by line. Thread-safe.
class CapturedStdout {
 public:
  void Add(std::string_view line) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// Time stands still at 1000 ms, so report lines are exact.
inline constexpr int64_t kNowMillis = 1000;

inline HandlerEnvironment TestEnvironment(std::map<std::string, std::string> variables,
                                          const std::shared_ptr<CapturedStdout>& out,
                                          std::vector<std::string> args = {}) {
  HandlerEnvironment env;
  env.args = std::move(args);
  env.variables = std::move(variables);
  env.write_line = [out](std::string_view line) { out->Add(line); };
  env.now = [] { return Timestamp::FromMillis(kNowMillis); };
  return env;
}

inline std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline Json ParseOrDie(const std::string& text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

}  // namespace pop::sdk::testing
