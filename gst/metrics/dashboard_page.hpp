// The dashboard page, generated at build time with its plotting library inlined.
#pragma once

#include <string_view>

namespace srtrtp::metrics {

std::string_view dashboard_page();

}  // namespace srtrtp::metrics
