// The clock buffers are timed with: its rate measured between the tracer's
// start and the first scrape, without a busy wait when that is 10 ms or more.
#include <gtest/gtest.h>

#include <cmath>

#include "metrics/tick_clock.hpp"

namespace srtrtp::metrics {
namespace {

std::uint64_t spin_ns(std::uint64_t ns) {
  const std::uint64_t t0 = monotonic_ns();
  std::uint64_t t = t0;
  while (t - t0 < ns) t = monotonic_ns();
  return t - t0;
}

TEST(TickClock, CalibratedLateItNeitherSpinsNorMisjudgesTheRate) {
  start_tick_calibration();
  spin_ns(15'000'000);  // as if the first scrape came 15 ms after the start
  const std::uint64_t before = monotonic_ns();
  calibrate_ticks();
  EXPECT_LT(monotonic_ns() - before, 5'000'000u) << "calibrate_ticks waited again";

  // Ticks converted with the measured rate agree with CLOCK_MONOTONIC.
  const std::uint64_t t0 = ticks();
  const std::uint64_t elapsed = spin_ns(20'000'000);
  const double measured = static_cast<double>(ticks() - t0) * ns_per_tick();
  EXPECT_LT(std::fabs(measured - static_cast<double>(elapsed)), 0.02 * static_cast<double>(elapsed))
      << "ticks say " << measured << " ns where " << elapsed << " ns passed";
}

}  // namespace
}  // namespace srtrtp::metrics
