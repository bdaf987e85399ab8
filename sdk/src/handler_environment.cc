#include "pop_sdk/handler_environment.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

// The process environment (POSIX); declared here so that the SDK needs no POSIX header.
extern "C" char** environ;  // NOLINT(readability-redundant-declaration)

namespace pop::sdk {

std::optional<std::string> HandlerEnvironment::Variable(const std::string& name) const {
  auto it = variables.find(name);
  if (it == variables.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::string> HandlerEnvironment::Flag(std::string_view name) const {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    // Accept "-name" (the original's spelling) and "--name", with the value next or after '='.
    if (arg.substr(0, 2) == "--") {
      arg.remove_prefix(2);
    } else if (arg.substr(0, 1) == "-") {
      arg.remove_prefix(1);
    } else {
      continue;
    }
    if (arg == name) {
      // A flag without a value reads as an empty value, which then fails to open as a file.
      return i + 1 < args.size() ? args[i + 1] : std::string();
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
      return std::string(arg.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

HandlerEnvironment ProcessEnvironment(int argc, char** argv) {
  HandlerEnvironment env;
  for (int i = 1; i < argc; ++i) {
    env.args.emplace_back(argv[i]);
  }
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    env.variables.emplace(std::string(text.substr(0, equals)),
                          std::string(text.substr(equals + 1)));
  }
  // Shared by every copy of the environment, so that lines of concurrent callers stay whole.
  auto stdout_mu = std::make_shared<std::mutex>();
  env.write_line = [stdout_mu](std::string_view line) {
    std::lock_guard<std::mutex> lock(*stdout_mu);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    // Flushed per line: the launcher interleaves stdout with the report channel and child
    // processes' output, and a crash must not lose what was already logged.
    std::fflush(stdout);
  };
  env.now = SystemNow;
  env.wait_until = SystemWaitUntil;
  return env;
}

Timestamp SystemNow() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp::FromMillis(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

void SystemWaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                     Timestamp deadline) {
  cv.wait_until(
      lock, std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline.millis())));
}

}  // namespace pop::sdk
