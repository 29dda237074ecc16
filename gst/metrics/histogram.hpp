// Time a buffer spends in an element: fixed bucket bounds, counted with
// relaxed atomics so the streaming thread never takes a lock. Observations
// are in clock ticks (tick_clock.hpp); the bounds are converted once.
// One thread observes (an element's streaming thread, as BufferTimer
// assumes), so a count is a relaxed load and store, not a locked
// read-modify-write: two of those were most of the timing's cost per buffer.
// Scrapes read from other threads and may see a count one buffer old.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace srtrtp::metrics {

// Upper bounds in nanoseconds (1 us .. 50 ms); one more bucket holds the rest (+Inf).
inline constexpr std::array<std::uint64_t, 14> kBucketBoundsNs = {
    1'000,   2'500,   5'000,     10'000,    25'000,    50'000,     100'000,
    250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000, 50'000'000};

namespace histogram_detail {
inline std::array<std::uint64_t, kBucketBoundsNs.size()> bounds_ticks = kBucketBoundsNs;
}

// The bounds in ticks of `ns_per_tick` ns (set before any observation).
inline void set_bucket_ticks(double ns_per_tick) {
  for (std::size_t i = 0; i < kBucketBoundsNs.size(); ++i)
    histogram_detail::bounds_ticks[i] =
        static_cast<std::uint64_t>(static_cast<double>(kBucketBoundsNs[i]) / ns_per_tick);
}

class Histogram {
 public:
  static constexpr std::size_t kBuckets = kBucketBoundsNs.size() + 1;

  // One observation standing for `weight` (a sample of that many).
  void observe(std::uint64_t ticks, std::uint64_t weight = 1) {
    const auto &bounds = histogram_detail::bounds_ticks;
    std::size_t i = 0;
    while (i < bounds.size() && ticks > bounds[i]) ++i;
    bump(counts_[i], weight);
    bump(sum_ticks_, ticks * weight);
  }

  struct Snapshot {
    std::array<std::uint64_t, kBuckets> counts{};  // per bucket, not cumulative
    std::uint64_t sum_ticks = 0;
  };

  Snapshot snapshot() const {
    Snapshot s;
    for (std::size_t i = 0; i < kBuckets; ++i)
      s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.sum_ticks = sum_ticks_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  static void bump(std::atomic<std::uint64_t> &v, std::uint64_t by) {
    v.store(v.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
  std::atomic<std::uint64_t> sum_ticks_{0};
};

}  // namespace srtrtp::metrics
