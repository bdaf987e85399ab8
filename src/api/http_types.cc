#include "api/http_types.h"

namespace pop::api {

const std::string* HttpRequest::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return &value;
  }
  return nullptr;
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  for (auto& [existing, existing_value] : headers) {
    if (existing == name) {
      existing_value = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace pop::api
