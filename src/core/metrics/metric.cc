#include "core/metrics/metric.h"

#include <cctype>

namespace pop::metrics {
namespace {

bool IsNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_';
}

}  // namespace

const std::vector<double>& HistogramBounds() {
  static const std::vector<double> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,   0.25,   0.5,   1,    2.5,   5,
                                              10,    30,     60,    300,  900,   3600};
  return kBounds;
}

std::string PrometheusName(std::string_view dotted) {
  std::string name = "pop_";
  for (char c : dotted) name.push_back(IsNameChar(c) ? c : '_');
  return name;
}

std::string GraphiteSegment(std::string_view value) {
  std::string segment;
  bool in_space = false;
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (!in_space) segment.push_back('_');
      in_space = true;
      continue;
    }
    in_space = false;
    if (c == '{' || c == '}') continue;         // a route's "{id}" reads "id"
    if (c == '/' && segment.empty()) continue;  // "/metrics" reads "metrics"
    segment.push_back(IsNameChar(c) || c == '-' ? c : '_');
  }
  return segment.empty() ? "_" : segment;
}

std::string GraphitePath(std::string_view dotted) {
  std::string path;
  size_t pos = 0;
  while (true) {
    const size_t dot = dotted.find('.', pos);
    const std::string_view part =
        dotted.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (!path.empty()) path.push_back('.');
    path += GraphiteSegment(part);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return path;
}

std::string GraphiteName(const MetricDef& def, const LabelValues& labels) {
  std::string name;
  std::string_view rest = def.graphite;
  while (!rest.empty()) {
    const size_t open = rest.find('{');
    const size_t close = open == std::string_view::npos ? open : rest.find('}', open);
    if (close == std::string_view::npos) {
      name += rest;
      break;
    }
    name += rest.substr(0, open);
    const std::string_view label = rest.substr(open + 1, close - open - 1);
    std::string value;
    for (size_t i = 0; i < def.label_names.size() && i < labels.size(); ++i) {
      if (def.label_names[i] == label) value = labels[i];
    }
    name += GraphiteSegment(value);
    rest = rest.substr(close + 1);
  }
  return name;
}

}  // namespace pop::metrics
