#include "adapters/prometheus/prometheus_text.h"

#include <cmath>
#include <cstdio>

namespace pop {
namespace {

std::string EscapeLabelValue(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

std::string EscapeHelp(std::string_view help) {
  std::string escaped;
  for (char c : help) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

// `{a="x",b="y"}` (with `extra` appended, e.g. le="0.5"), or "" when there is nothing.
std::string LabelSet(const metrics::MetricDef& def, const metrics::LabelValues& values,
                     const std::string& extra = "") {
  std::string text;
  for (size_t i = 0; i < def.label_names.size() && i < values.size(); ++i) {
    if (!text.empty()) text += ",";
    text += std::string(def.label_names[i]) + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) text += (text.empty() ? "" : ",") + extra;
  return text.empty() ? "" : "{" + text + "}";
}

const char* TypeName(metrics::MetricType type) {
  switch (type) {
    case metrics::MetricType::kCounter:
      return "counter";
    case metrics::MetricType::kGauge:
      return "gauge";
    case metrics::MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void RenderHistogram(const metrics::MetricDef& def, const metrics::SeriesValue& series,
                     std::string& text) {
  const std::string name(def.name);
  const std::vector<double>& bounds = metrics::HistogramBounds();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < series.bucket_counts.size(); ++i) {
    cumulative += series.bucket_counts[i];
    const std::string le = i < bounds.size() ? PrometheusNumber(bounds[i]) : "+Inf";
    text += name + "_bucket" + LabelSet(def, series.labels, "le=\"" + le + "\"") + " " +
            std::to_string(cumulative) + "\n";
  }
  text += name + "_sum" + LabelSet(def, series.labels) + " " + PrometheusNumber(series.sum) + "\n";
  text +=
      name + "_count" + LabelSet(def, series.labels) + " " + std::to_string(series.count) + "\n";
}

}  // namespace

std::string PrometheusNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

std::string RenderPrometheusText(const metrics::MetricsSnapshot& snapshot) {
  std::string text;
  for (const metrics::MetricFamily& family : snapshot.families) {
    const metrics::MetricDef& def = *family.def;
    const std::string name(def.name);
    text += "# HELP " + name + " " + EscapeHelp(def.help) + "\n";
    text += "# TYPE " + name + " " + TypeName(def.type) + "\n";
    for (const metrics::SeriesValue& series : family.series) {
      if (def.type == metrics::MetricType::kHistogram) {
        RenderHistogram(def, series, text);
      } else {
        text += name + LabelSet(def, series.labels) + " " + PrometheusNumber(series.value) + "\n";
      }
    }
  }
  return text;
}

}  // namespace pop
