// Time for the link model: steady-clock time points passed in by the caller,
// so simulations run on a virtual clock and the relay on CLOCK_MONOTONIC.
#pragma once

#include <chrono>
#include <type_traits>

namespace srtcore::sim {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::nanoseconds;

static_assert(std::is_same_v<Clock::duration, Duration>,
              "the link model counts serialisation time in whole nanoseconds");

}  // namespace srtcore::sim
