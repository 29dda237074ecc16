// The clock buffers are timed with: the invariant TSC on x86-64 (a few ns a
// read, where clock_gettime costs ~40 ns under kvm-clock, which alone put a
// G.722 payloader 15% over its untimed cost), else CLOCK_MONOTONIC.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace srtrtp::metrics {

namespace tick_detail {
inline std::atomic<bool> use_tsc{false};
inline std::atomic<double> ns_per_tick{1.0};
}  // namespace tick_detail

inline std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t ticks() {
#if defined(__x86_64__)
  if (tick_detail::use_tsc.load(std::memory_order_relaxed)) return __rdtsc();
#endif
  return monotonic_ns();
}

inline double ns_per_tick() {
  return tick_detail::ns_per_tick.load(std::memory_order_relaxed);
}

// The TSC's rate is measured against CLOCK_MONOTONIC over the time between
// these two calls: start when the tracer starts (two clock reads), and
// calibrate_ticks before timing starts (the first scrape), which chooses the
// clock. It spins only if less than 10 ms have passed since the start, so a
// process that is never scraped, or scraped late, pays no busy wait.
void start_tick_calibration();
void calibrate_ticks();

}  // namespace srtrtp::metrics
