// Receiver time of TSBPD (timestamp-based packet delivery): when a packet
// with a given 32-bit sender timestamp is due for delivery, and the clock
// drift correction that keeps that answer honest over hours.
//
//   play time = time base + unwrapped timestamp + latency + drift
//
// The time base is the local time of the peer's timestamp 0, set from the
// handshake (arrival time minus the packet's timestamp). Timestamps wrap
// every 2^32 us; they are unwrapped against the newest one seen, so any two
// packets less than 35 minutes apart compare right.
#pragma once

#include <chrono>
#include <cstdint>

#include "srt/seq.hpp"
#include "srt/time.hpp"

namespace srtcore::srt {

// Averages drift samples over windows of `span` samples (libsrt DriftTracer
// with TSBPD_DRIFT_MAX_SAMPLES 1000 and TSBPD_DRIFT_MAX_VALUE 5000 us). At the
// end of each window the average becomes the drift; when it exceeds
// +-max_drift, that much moves into the time base (overdrift) and the rest
// stays as drift.
class DriftTracer {
 public:
  static constexpr std::uint32_t kDefaultSpan = 1000;
  static constexpr std::int64_t kDefaultMaxDriftUs = 5000;

  explicit DriftTracer(std::uint32_t span = kDefaultSpan,
                       std::int64_t max_drift_us = kDefaultMaxDriftUs);

  // True when this sample closed a window (drift_us() is new, and
  // overdrift_us() is the time-base step to apply, possibly 0).
  bool update(std::int64_t sample_us);
  std::int64_t drift_us() const { return drift_; }
  std::int64_t overdrift_us() const { return overdrift_; }
  // Group members adopt the drift of the member that measured it.
  void force(std::int64_t drift_us) { drift_ = drift_us; }

 private:
  std::uint32_t span_;
  std::int64_t max_drift_;
  std::int64_t sum_ = 0;
  std::uint32_t count_ = 0;
  std::int64_t drift_ = 0;
  std::int64_t overdrift_ = 0;
};

class TsbpdTime {
 public:
  explicit TsbpdTime(Duration latency = std::chrono::milliseconds(120),
                     DriftTracer tracer = DriftTracer());

  // From the handshake: `peer_timestamp` (the timestamp of the packet that
  // carried the peer's HSREQ/HSRSP) arrived at `arrival`.
  void set_time_base(TimePoint arrival, std::uint32_t peer_timestamp);
  // Members of a group share one time base and drift.
  void apply_group_time(TimePoint time_base, std::int64_t reference_ts, Duration drift);
  bool enabled() const { return enabled_; }

  // Unwraps against the newest timestamp seen so far and records `ts` as
  // seen; the result is microseconds since the peer's start, 64-bit.
  std::int64_t unwrap(std::uint32_t ts);
  // Same, without recording.
  std::int64_t unwrap_peek(std::uint32_t ts) const;
  // Moves the unwrap reference to the peer time that corresponds to the
  // local `now` (never backwards), so that a connection that stayed silent
  // for longer than half the 2^32 us period still unwraps right.
  void advance(TimePoint now);

  TimePoint base_time(std::int64_t unwrapped_ts) const {
    return time_base_ + Duration(unwrapped_ts);
  }
  TimePoint play_time(std::int64_t unwrapped_ts) const {
    return base_time(unwrapped_ts) + latency_ + Duration(tracer_.drift_us());
  }

  // An ACKACK with sender timestamp `ts` arrived at `arrival`, closing an
  // ACK/ACKACK round trip of `rtt` (libsrt addDriftSample). Half the RTT's
  // change since the first sample is taken for a change in path delay, not
  // clock drift. True when the drift (and maybe the time base) changed.
  bool add_drift_sample(std::uint32_t ts, TimePoint arrival, Duration rtt);

  Duration latency() const { return latency_; }
  void set_latency(Duration latency) { latency_ = latency; }
  Duration drift() const { return Duration(tracer_.drift_us()); }
  TimePoint time_base() const { return time_base_; }
  std::int64_t reference_ts() const { return newest_; }

 private:
  Duration latency_;
  DriftTracer tracer_;
  TimePoint time_base_{};
  std::int64_t newest_ = 0;  // newest unwrapped timestamp seen
  Duration first_rtt_{-1};
  bool enabled_ = false;
};

}  // namespace srtcore::srt
