#include "rtp/audio_timeline.hpp"

#include "rtp/audio_framing.hpp"

#include <limits>

namespace srtcore::rtp::audio {

std::int64_t ticks_to_ns(std::uint64_t ticks, std::uint32_t clock_rate) {
  // One division while the product fits (days of ticks at any rate); it is
  // per packet, and a 64-bit division is most of this function's cost.
  constexpr std::uint64_t kDirect = std::numeric_limits<std::uint64_t>::max() / kNsPerSecond;
  if (ticks <= kDirect) return static_cast<std::int64_t>(ticks * kNsPerSecond / clock_rate);
  // Split so that neither product can overflow.
  const std::uint64_t whole = ticks / clock_rate;
  const std::uint64_t rest = ticks % clock_rate;
  return static_cast<std::int64_t>(whole * kNsPerSecond + rest * kNsPerSecond / clock_rate);
}

std::uint64_t ns_to_ticks(std::int64_t ns, std::uint32_t clock_rate) {
  if (ns <= 0) return 0;
  const auto u = static_cast<std::uint64_t>(ns);
  const std::uint64_t whole = u / kNsPerSecond;
  const std::uint64_t rest = u % kNsPerSecond;
  return whole * clock_rate + (rest * clock_rate + kNsPerSecond / 2) / kNsPerSecond;
}

bool Timeline::is_gap(std::int64_t pts, std::uint64_t queued_ticks) const {
  if (!started_ || pts == kNoTime || anchor_pts_ == kNoTime) return false;
  const std::int64_t expected = anchor_pts_ + ticks_to_ns(ticks_ + queued_ticks, rate_);
  return pts - expected > tolerance_;
}

void Timeline::start(std::int64_t pts, std::uint32_t rtp_time) {
  started_ = true;
  anchor_pts_ = pts;
  anchor_rtp_ = rtp_time;
  ticks_ = 0;
}

void Timeline::resync(std::int64_t pts) {
  const Stamp now = end();
  std::uint64_t gap = 0;
  if (pts != kNoTime && now.pts != kNoTime && pts > now.pts)
    gap = ns_to_ticks(pts - now.pts, rate_);
  anchor_rtp_ = now.rtp_time + static_cast<std::uint32_t>(gap);
  anchor_pts_ = pts != kNoTime ? pts : now.pts;
  ticks_ = 0;
}

Timeline::Stamp Timeline::take(std::uint32_t ticks) {
  const Stamp s = end();
  ticks_ += ticks;
  return s;
}

Timeline::Stamp Timeline::end() const {
  const std::int64_t pts =
      anchor_pts_ == kNoTime ? kNoTime : anchor_pts_ + ticks_to_ns(ticks_, rate_);
  // RTP time is modulo 2^32 (RFC 3550 5.1): the wrap is intended.
  return {pts, anchor_rtp_ + static_cast<std::uint32_t>(ticks_)};
}

}  // namespace srtcore::rtp::audio
