// Time types of the sans-I/O engines. The clock has no now(): time is always
// passed in by the caller (the I/O layer or a simulation), never read here.
#pragma once

#include <chrono>
#include <cstdint>

namespace srtcore::srt {

struct Clock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<Clock, duration>;
  static constexpr bool is_steady = true;
};

using Duration = Clock::duration;  // microseconds
using TimePoint = Clock::time_point;

}  // namespace srtcore::srt
