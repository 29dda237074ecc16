// Perfect RTP timestamps for constant-rate audio: packets are stamped from the
// number of clock ticks sent since an anchor, not from each buffer's time, so
// jittery input times never make RTP time wobble. The anchor comes from the
// input time at the start, and moves after a discontinuity (RTP time then
// advances by the forward gap, never backwards).
#pragma once

#include <cstdint>
#include <limits>

namespace srtcore::rtp::audio {

inline constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();

// ticks of `clock_rate` -> ns, and ns -> ticks rounded to nearest (no overflow
// for any duration an int64 of ns holds).
std::int64_t ticks_to_ns(std::uint64_t ticks, std::uint32_t clock_rate);
std::uint64_t ns_to_ticks(std::int64_t ns, std::uint32_t clock_rate);

class Timeline {
 public:
  struct Stamp {
    std::int64_t pts;  // kNoTime when the anchor had no time
    std::uint32_t rtp_time;
  };

  Timeline(std::uint32_t clock_rate, std::int64_t gap_tolerance_ns)
      : rate_(clock_rate), tolerance_(gap_tolerance_ns) {}

  bool started() const { return started_; }
  // Input at `pts` after `queued_ticks` not yet stamped: does it start later
  // than the stream so far ends, by more than the tolerance?
  bool is_gap(std::int64_t pts, std::uint64_t queued_ticks) const;
  // First anchor: `rtp_time` is what the element maps `pts` to.
  void start(std::int64_t pts, std::uint32_t rtp_time);
  // Later anchors (nothing may be queued): RTP time continues from where the
  // stream ends plus the forward gap to `pts`; output times restart at `pts`.
  void resync(std::int64_t pts);
  // Time of a packet of `ticks` that starts now; moves past it.
  Stamp take(std::uint32_t ticks);
  // Time of the end of what was stamped so far.
  Stamp end() const;
  void reset() { started_ = false; }

 private:
  std::uint32_t rate_;
  std::int64_t tolerance_;
  bool started_ = false;
  std::int64_t anchor_pts_ = kNoTime;
  std::uint32_t anchor_rtp_ = 0;
  std::uint64_t ticks_ = 0;  // stamped since the anchor
};

}  // namespace srtcore::rtp::audio
