#include "cli/client_command.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <CLI/CLI.hpp>

#include "adapters/http_client/curl_http_client.h"
#include "core/codec/json_text.h"

namespace pop::cli {

void AddConnectionFlags(CLI::App& command, ConnectionFlags& flags) {
  command.add_option("--server", flags.server, "server URL (env POP_ADDR)");
  command.add_option("--token", flags.token, "API token (env POP_TOKEN)");
  command.add_option("--data-dir", flags.data_dir,
                     "pop dev data dir holding admin-token (env POP_DATA_DIR)");
  command.add_option("--ca-file", flags.ca_file,
                     "PEM CA certificates to verify an https:// server (env POP_CA_FILE)");
}

void AddOutputFlag(CLI::App& command, OutputFormat& format) {
  command
      .add_option_function<std::string>(
          "-o,--output",
          [&format](const std::string& name) {
            format = name == "json"   ? OutputFormat::kJson
                     : name == "yaml" ? OutputFormat::kYaml
                                      : OutputFormat::kTable;
          },
          "table (the default), json or yaml")
      ->check(CLI::IsMember({"table", "json", "yaml"}))
      ->option_text("table|json|yaml");
  command.add_flag_callback(
      "--json", [&format] { format = OutputFormat::kJson; }, "the same as --output json");
}

Result<ApiClient> Connect(const ConnectionFlags& flags) {
  POP_ASSIGN_OR_RETURN(ClientConfig config, ResolveClientConfig(flags.server, flags.token,
                                                                flags.data_dir, flags.ca_file));
  CurlHttpClientOptions http_options;
  http_options.ca_file = config.ca_file;
  POP_ASSIGN_OR_RETURN(auto http, CurlHttpClient::Create(http_options));
  return ApiClient(std::move(config), std::move(http));
}

int Fail(const Error& error) {
  std::fprintf(stderr, "pop: %s\n", error.message.c_str());
  return ExitCodeFor(error);
}

Result<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    return text;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument, "cannot read " + path + ": " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<JsonObject> ReadJsonObject(const std::string& path) {
  const std::string source = path == "-" ? "stdin" : path;
  POP_ASSIGN_OR_RETURN(std::string text, ReadInput(path));
  POP_ASSIGN_OR_RETURN(Json json, ParseJsonInput(text, source));
  if (!json.is_object()) {
    return Error(ErrorCode::kInvalidArgument,
                 source + ": expected a JSON object, got " + JsonTypeDescription(json.type()));
  }
  return std::move(json.AsObject());
}

std::string ResolveCustomer(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("POP_CUSTOMER");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("dev");
}

Result<std::optional<std::chrono::milliseconds>> ParseDuration(const std::string& text,
                                                               const std::string& flag) {
  using Millis = std::chrono::milliseconds;
  if (text.empty()) return std::optional<Millis>();
  auto invalid = [&] {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid " + flag + " '" + text + "': use e.g. 500ms, 30s, 10m or 1h30m");
  };
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t digits = pos;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
      ++digits;
    }
    if (digits == pos || digits - pos > 9) return invalid();
    int64_t value = std::stoll(text.substr(pos, digits - pos));
    size_t unit_end = digits;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) {
      ++unit_end;
    }
    std::string unit = text.substr(digits, unit_end - digits);
    if (unit == "ms") {
      total += value;
    } else if (unit == "s" || (unit.empty() && pos == 0 && unit_end == text.size())) {
      total += value * 1000;
    } else if (unit == "m") {
      total += value * 60'000;
    } else if (unit == "h") {
      total += value * 3'600'000;
    } else {
      return invalid();
    }
    pos = unit_end;
  }
  return std::optional<Millis>(Millis(total));
}

const Json* FirstOf(const Json& response, const char* field) {
  const Json* list = response.Find(field);
  if (list == nullptr || !list->is_array() || list->AsArray().empty()) return nullptr;
  const Json& first = list->AsArray().front();
  return first.is_object() ? &first : nullptr;
}

std::string StringField(const Json& object, const char* key, const std::string& fallback) {
  const Json* value = object.Find(key);
  return value != nullptr && value->is_string() ? value->AsString() : fallback;
}

void Print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace pop::cli
