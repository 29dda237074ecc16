// The OS clock, read only here: engines get `now` passed in.
#include <time.h>

#include "io/clock.hpp"

namespace srtcore::io {

srt::TimePoint monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return srt::TimePoint(srt::Duration(std::int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000));
}

}  // namespace srtcore::io
