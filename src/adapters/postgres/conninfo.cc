#include "adapters/postgres/conninfo.h"

#include <cctype>
#include <cstring>
#include <utility>
#include <vector>

namespace pop::postgres {
namespace {

using Span = std::pair<size_t, size_t>;  // [begin, end) of a password in the text

// The password of the user info of a URI: between the first ':' and the last '@' of the part
// after "://" and before the path, query or fragment.
void AddUserInfoPassword(std::string_view text, std::vector<Span>& spans) {
  size_t scheme = text.find("://");
  if (scheme == std::string_view::npos) return;
  size_t authority = scheme + 3;
  size_t authority_end = text.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = text.size();
  std::string_view part = text.substr(authority, authority_end - authority);
  size_t at = part.rfind('@');
  if (at == std::string_view::npos) return;
  size_t colon = part.find(':');
  if (colon == std::string_view::npos || colon > at) return;
  if (colon + 1 < at) spans.emplace_back(authority + colon + 1, authority + at);
}

// The end of a key=value value starting at `begin`: a quoted one ('...' with \' escapes) ends
// after its closing quote, a plain one at white space, '&' (a URI query) or the end.
size_t ValueEnd(std::string_view text, size_t begin) {
  if (begin < text.size() && text[begin] == '\'') {
    for (size_t i = begin + 1; i < text.size(); ++i) {
      if (text[i] == '\\') {
        ++i;
      } else if (text[i] == '\'') {
        return i + 1;
      }
    }
    return text.size();
  }
  size_t end = begin;
  while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0 &&
         text[end] != '&' && text[end] != '#') {
    ++end;
  }
  return end;
}

// Every `password` keyword (sslpassword included) followed by '=': its value.
void AddKeywordPasswords(std::string_view text, std::vector<Span>& spans) {
  constexpr std::string_view kKeyword = "password";
  for (size_t at = text.find(kKeyword); at != std::string_view::npos;
       at = text.find(kKeyword, at + kKeyword.size())) {
    size_t i = at + kKeyword.size();
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    size_t end = ValueEnd(text, i);
    if (end > i) spans.emplace_back(i, end);
  }
}

std::vector<Span> PasswordSpans(std::string_view text) {
  std::vector<Span> spans;
  AddUserInfoPassword(text, spans);
  AddKeywordPasswords(text, spans);
  return spans;
}

}  // namespace

bool IsPostgresUri(std::string_view text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

std::string RedactPassword(std::string_view text) {
  std::vector<Span> spans = PasswordSpans(text);
  std::vector<bool> hidden(text.size(), false);
  for (const auto& [begin, end] : spans) {
    for (size_t i = begin; i < end; ++i) hidden[i] = true;
  }
  std::string redacted;
  redacted.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (!hidden[i]) {
      redacted.push_back(text[i]);
    } else if (i == 0 || !hidden[i - 1]) {
      redacted += "***";
    }
  }
  return redacted;
}

bool MaskPassword(char* text) {
  std::string_view view(text, std::strlen(text));
  bool masked = false;
  for (const auto& [begin, end] : PasswordSpans(view)) {
    for (size_t i = begin; i < end; ++i) text[i] = '*';
    masked = true;
  }
  return masked;
}

}  // namespace pop::postgres
