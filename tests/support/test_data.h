// Helpers every tier shares: golden files under tests/data and the built binaries
// (POP_TEST_DATA_DIR and POP_BINARY_DIR are set by the build), counting text, string fields.
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

// The `pop` binary this build made.
inline std::string PopBinary() { return std::string(POP_BINARY_DIR) + "/pop"; }

// How many times `needle` occurs in `text`, not overlapping.
inline size_t CountOf(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// The string member `name` of `object`, or "" when it is absent or not a string.
inline std::string StringField(const Json& object, const char* name) {
  const Json* value = object.is_object() ? object.Find(name) : nullptr;
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

inline Json ParseOrDie(const std::string& text) {
  Result<Json> parsed = ParseJson(text);
  POP_CHECK(parsed.ok()) << parsed.error().message;
  return std::move(parsed).value();
}

}  // namespace pop::testing
