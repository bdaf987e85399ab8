#include "cli/agenda_file.h"

#include <utility>

#include "cli/json_input.h"
#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

Error NotAnObject(const std::string& where, const Json& json) {
  return Error(ErrorCode::kInvalidArgument,
               where + ": expected a JSON object, got " + JsonTypeDescription(json.type()));
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// The lines of `text`, with their 1-based numbers, blank ones left out.
std::vector<std::pair<size_t, std::string_view>> NonBlankLines(std::string_view text) {
  std::vector<std::pair<size_t, std::string_view>> lines;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!IsBlank(line)) lines.emplace_back(number, line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

Result<AgendaFile> ParseJsonLines(const std::vector<std::pair<size_t, std::string_view>>& lines,
                                  const std::string& source) {
  AgendaFile file;
  file.is_batch = true;
  for (const auto& [number, line] : lines) {
    const std::string where = source + " line " + std::to_string(number);
    POP_ASSIGN_OR_RETURN(Json json, ParseJsonInput(std::string(line), where));
    if (!json.is_object()) return NotAnObject(where, json);
    file.agendas.push_back(std::move(json.AsObject()));
  }
  return file;
}

}  // namespace

Result<AgendaFile> ParseAgendaFile(const std::string& text, const std::string& source) {
  Result<Json> document = ParseJsonInput(text, source);
  if (!document.ok()) {
    // Not one JSON value: JSON lines, when the first line is an object by itself.
    const auto lines = NonBlankLines(text);
    if (lines.empty()) return document.error();
    Result<Json> first = ParseJson(lines.front().second);
    if (!first.ok() || !first->is_object()) return document.error();
    return ParseJsonLines(lines, source);
  }
  AgendaFile file;
  if (document->is_object()) {
    file.agendas.push_back(std::move(document->AsObject()));
    return file;
  }
  if (!document->is_array()) return NotAnObject(source, *document);
  file.is_batch = true;
  JsonArray& elements = document->AsArray();
  if (elements.empty()) {
    return Error(ErrorCode::kInvalidArgument, source + ": the array holds no agenda");
  }
  for (size_t index = 0; index < elements.size(); ++index) {
    if (!elements[index].is_object()) {
      return NotAnObject(source + " element [" + std::to_string(index) + "]", elements[index]);
    }
    file.agendas.push_back(std::move(elements[index].AsObject()));
  }
  return file;
}

}  // namespace pop::cli
