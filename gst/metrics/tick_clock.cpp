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

}  // namespace

void calibrate_ticks() {
  static std::once_flag once;
  std::call_once(once, [] {
    double ratio = 1.0;
#if defined(__x86_64__)
    if (invariant_tsc()) {
      const std::uint64_t m0 = monotonic_ns();
      const std::uint64_t t0 = __rdtsc();
      std::uint64_t m1 = m0;
      while (m1 - m0 < 10'000'000u) m1 = monotonic_ns();
      const std::uint64_t t1 = __rdtsc();
      if (t1 > t0) {
        ratio = static_cast<double>(m1 - m0) / static_cast<double>(t1 - t0);
        tick_detail::use_tsc.store(true);
      }
    }
#endif
    tick_detail::ns_per_tick.store(ratio);
    set_bucket_ticks(ratio);
  });
}

}  // namespace srtrtp::metrics
