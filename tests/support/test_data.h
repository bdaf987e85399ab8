// Helpers to read golden files under tests/data (POP_TEST_DATA_DIR is set by the build).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/codec/json_text.h"

namespace pop::testing {

inline std::filesystem::path TestDataDir() { return std::filesystem::path(POP_TEST_DATA_DIR); }

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Every *.json file in tests/data/<dir>, sorted by name.
inline std::vector<std::filesystem::path> GoldenFiles(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(TestDataDir() / dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline Json ParseOrDie(const std::string& text) {
  Result<Json> parsed = ParseJson(text);
  POP_CHECK(parsed.ok()) << parsed.error().message;
  return std::move(parsed).value();
}

}  // namespace pop::testing
