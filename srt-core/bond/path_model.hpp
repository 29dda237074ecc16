// The balancing scheduler's picture of one member path: how fast it
// delivers (its capacity, estimated) and how many bytes it holds queued
// now (modelled: what we gave it, drained at that capacity), and the rate it
// was given lately. The group gives each message to the least used path for
// its capacity whose queue is short, so the stream spreads in proportion to
// the capacities and no bottleneck queue grows. (The paths' own delays are
// left out on purpose: preferring the nearest path would leave the others
// idle and their capacity unknown until the nearest one fails.)
//
// The capacity follows the path: while the peer's round trip shows no
// queue and the path is kept busy, it is probed upward a little at a time;
// when a queue shows (the round trip grows past a threshold), the capacity is cut to what the peer
// reports receiving (a full path delivers exactly its capacity) and the queue found is added to the
// model so that the path gets nothing until it has drained.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "srt/time.hpp"

namespace srtcore::bond {

using srt::Duration;
using srt::TimePoint;

// What the link reported since the last adjust().
struct PathReport {
  Duration srtt{};
  Duration rttvar{};
  bool rtt_measured = false;
  double delivered = 0;  // bytes/s the peer reports receiving on this path
  double resent = 0;     // bytes retransmitted on this path since the last report
};

class PathModel {
 public:
  // 1 Mbit/s before anything is measured.
  static constexpr double kInitialCapacity = 125'000.0;
  static constexpr double kFloor = 12'500.0;  // never below 100 kbit/s
  static constexpr Duration kAdjustInterval = std::chrono::milliseconds(50);

  // `latency`: what the peer allows a packet; the queue a path may hold
  // is a small part of it.
  PathModel(TimePoint now, Duration latency);

  // How long `size` more bytes given now would wait in the path's queue.
  Duration wait(TimePoint now, std::size_t size) const;
  // `size` bytes go on this path now.
  void give(TimePoint now, std::size_t size);
  // Fed every policy tick; adjusts the capacity every kAdjustInterval.
  void adjust(TimePoint now, const PathReport &r);

  // Given data that the peer has not answered for longer than `limit`
  // (anything heard from the peer answers what was given before it). A
  // path that carries little hears little, rightly: only what it was given
  // and never answered counts.
  bool silent(TimePoint now, TimePoint last_received, Duration limit);

  // Holds more than a queue_threshold() of bytes.
  bool full(TimePoint now) const {
    return queued(now) > capacity_ * static_cast<double>(high_.count()) / 1e6;
  }
  // The rate given lately (averaged over ~100 ms) over the capacity.
  double utilization(TimePoint now) const;

  double capacity() const { return capacity_; }
  double queued(TimePoint now) const;
  Duration queue_threshold() const { return high_; }
  bool draining() const { return draining_; }

 private:
  void drain(TimePoint now);

  double capacity_ = kInitialCapacity;
  double backlog_ = 0;  // bytes, as of backlog_at_
  TimePoint backlog_at_;
  Duration high_;  // a queue this long means the path is full
  Duration max_backlog_;
  Duration min_rtt_ = Duration::max();
  TimePoint adjusted_;
  double given_ = 0;  // bytes given since adjusted_
  double rate_ = 0;   // given bytes/s as of rate_at_, decaying
  TimePoint rate_at_{};
  bool draining_ = false;
  Duration last_srtt_{};
  std::optional<TimePoint> unanswered_since_;
};

}  // namespace srtcore::bond
