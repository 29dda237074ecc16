#include "text_format.hpp"

#include "tick_clock.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace srtrtp::metrics {

const char *content_type(Format f) {
  return f == Format::kOpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                   : "text/plain; version=0.0.4; charset=utf-8";
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integers (every counter) exactly; others with round-trip precision.
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest form that reads back as the same double.
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string format_labels(const Labels &labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto &[k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '"')
        out += "\\\"";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  }
  return out + "}";
}

Exposition::Family &Exposition::family(const std::string &name, Type type,
                                       const std::string &help) {
  auto [it, added] = families_.try_emplace(name, Family{type, help, {}});
  if (added) order_.push_back(name);
  return it->second;
}

void Exposition::add(const std::string &name, Type type, const std::string &help,
                     const Labels &labels, double value) {
  const char *suffix = type == Type::kCounter ? "_total" : "";
  family(name, type, help)
      .samples.push_back(suffix + format_labels(labels) + " " + format_value(value));
}

void Exposition::add_histogram(const std::string &name, const std::string &help,
                               const Labels &labels, const Histogram::Snapshot &h) {
  Family &f = family(name, Type::kHistogram, help);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < Histogram::kBuckets; ++i) {
    cumulative += h.counts[i];
    Labels l = labels;
    l.emplace_back("le", i < kBucketBoundsNs.size()
                             ? format_value(static_cast<double>(kBucketBoundsNs[i]) / 1e9)
                             : "+Inf");
    f.samples.push_back("_bucket" + format_labels(l) + " " +
                        format_value(static_cast<double>(cumulative)));
  }
  f.samples.push_back("_sum" + format_labels(labels) + " " +
                      format_value(static_cast<double>(h.sum_ticks) * ns_per_tick() / 1e9));
  f.samples.push_back("_count" + format_labels(labels) + " " +
                      format_value(static_cast<double>(cumulative)));
}

std::string Exposition::render(Format fmt) const {
  std::string out;
  out.reserve(256 * families_.size());
  for (const auto &name : order_) {
    const Family &f = families_.at(name);
    const char *type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    // Prometheus 0.0.4 names a counter family with its _total; OpenMetrics without.
    const std::string family_name =
        f.type == Type::kCounter && fmt == Format::kPrometheus ? name + "_total" : name;
    out += "# HELP " + family_name + " " + f.help + "\n";
    out += "# TYPE " + family_name + " " + type + "\n";
    for (const auto &s : f.samples) out += name + s + "\n";
  }
  if (fmt == Format::kOpenMetrics) out += "# EOF\n";
  return out;
}

}  // namespace srtrtp::metrics
