// Bottleneck of a simulated link: a FIFO drained at a fixed bit rate, with a
// byte-bounded queue that tail-drops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "sim/time.hpp"

namespace srtcore::sim {

class RateQueue {
 public:
  // rate_bps == 0 means unlimited: every datagram departs when it arrives.
  RateQueue(std::uint64_t rate_bps, std::size_t queue_bytes)
      : rate_bps_(rate_bps), queue_bytes_(queue_bytes) {}

  // Time the datagram's last bit leaves the bottleneck, or nullopt when the
  // queue has no room for it. `now` must not go backwards.
  std::optional<TimePoint> admit(TimePoint now, std::size_t bytes);

  // Bytes not yet fully sent at `now` (the one on the wire included).
  std::size_t backlog(TimePoint now);

 private:
  struct Queued {
    TimePoint departs;
    std::size_t bytes;
  };

  std::uint64_t rate_bps_;
  std::size_t queue_bytes_;
  TimePoint busy_until_{};
  std::uint64_t carry_ = 0;  // bit-nanoseconds not yet turned into whole ns, so spacing stays exact
  std::deque<Queued> queued_;
  std::size_t queued_bytes_ = 0;
};

}  // namespace srtcore::sim
