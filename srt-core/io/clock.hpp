// CLOCK_MONOTONIC in the engines' time type (also declared in endpoint.hpp).
#pragma once

#include "srt/time.hpp"

namespace srtcore::io {

srt::TimePoint monotonic_now();

}  // namespace srtcore::io
