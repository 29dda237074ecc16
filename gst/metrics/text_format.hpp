// Prometheus text exposition (0.0.4) and OpenMetrics 1.0 writers: families
// are collected first so each family's samples come out together.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "histogram.hpp"

namespace srtrtp::metrics {

enum class Format { kPrometheus, kOpenMetrics };

// Content-Type of each format.
const char *content_type(Format f);

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Type { kCounter, kGauge, kHistogram };

class Exposition {
 public:
  // `name` without the `_total` of counters; the writers add it.
  void add(const std::string &name, Type type, const std::string &help, const Labels &labels,
           double value);
  void add_histogram(const std::string &name, const std::string &help, const Labels &labels,
                     const Histogram::Snapshot &h);
  std::string render(Format f) const;

 private:
  struct Family {
    Type type;
    std::string help;
    std::vector<std::string> samples;  // "<suffix>{labels} value", name prepended at render
  };
  Family &family(const std::string &name, Type type, const std::string &help);
  std::vector<std::string> order_;
  std::map<std::string, Family> families_;
};

std::string format_value(double v);
std::string format_labels(const Labels &labels);

}  // namespace srtrtp::metrics
