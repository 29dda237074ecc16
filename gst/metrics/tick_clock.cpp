#include "tick_clock.hpp"

#include <mutex>

#include "histogram.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace srtrtp::metrics {

namespace {

bool invariant_tsc() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0x80000007u, &a, &b, &c, &d)) return false;
  return (d & (1u << 8)) != 0;
#else
  return false;
#endif
}

// The first reading of the calibration (start_tick_calibration).
std::once_flag started;
std::uint64_t start_ns = 0;
std::uint64_t start_tsc = 0;

}  // namespace

void start_tick_calibration() {
  std::call_once(started, [] {
    start_ns = monotonic_ns();
#if defined(__x86_64__)
    start_tsc = __rdtsc();
#endif
  });
}

void calibrate_ticks() {
  start_tick_calibration();
  static std::once_flag once;
  std::call_once(once, [] {
    double ratio = 1.0;
#if defined(__x86_64__)
    if (invariant_tsc()) {
      // From the tracer's start to now (the first scrape, usually seconds):
      // spins only for what is missing of 10 ms.
      std::uint64_t m1 = monotonic_ns();
      while (m1 - start_ns < 10'000'000u) m1 = monotonic_ns();
      const std::uint64_t t1 = __rdtsc();
      if (t1 > start_tsc) {
        ratio = static_cast<double>(m1 - start_ns) / static_cast<double>(t1 - start_tsc);
        tick_detail::use_tsc.store(true);
      }
    }
#endif
    tick_detail::ns_per_tick.store(ratio);
    set_bucket_ticks(ratio);
  });
}

}  // namespace srtrtp::metrics
