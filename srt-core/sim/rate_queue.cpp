#include "sim/rate_queue.hpp"

#include <algorithm>

namespace srtcore::sim {

std::size_t RateQueue::backlog(TimePoint now) {
  while (!queued_.empty() && queued_.front().departs <= now) {
    queued_bytes_ -= queued_.front().bytes;
    queued_.pop_front();
  }
  return queued_bytes_;
}

std::optional<TimePoint> RateQueue::admit(TimePoint now, std::size_t bytes) {
  if (rate_bps_ == 0) return now;
  // Empty datagrams take no line time but still a queue slot, so the queue stays bounded.
  const std::size_t slot = std::max<std::size_t>(bytes, 1);
  if (backlog(now) + slot > queue_bytes_) return std::nullopt;

  if (busy_until_ <= now) {
    busy_until_ = now;
    carry_ = 0;  // the line went idle: no partial nanosecond to carry over
  }
  // bits * 1e9 / rate, keeping the remainder so k datagrams take exactly
  // floor(k * bits * 1e9 / rate) ns in total.
  const std::uint64_t bit_ns = static_cast<std::uint64_t>(bytes) * 8 * 1'000'000'000ULL + carry_;
  busy_until_ += Duration(static_cast<Duration::rep>(bit_ns / rate_bps_));
  carry_ = bit_ns % rate_bps_;

  queued_.push_back({busy_until_, slot});
  queued_bytes_ += slot;
  return busy_until_;
}

}  // namespace srtcore::sim
