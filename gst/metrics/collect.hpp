// Turns the tracked elements' own `stats` structures and histograms into
// metric families, at scrape time only.
#pragma once

#include <vector>

#include "element_registry.hpp"
#include "text_format.hpp"

namespace srtrtp::metrics {

void collect(const std::vector<ElementRef> &elements, Exposition &out);

}  // namespace srtrtp::metrics
