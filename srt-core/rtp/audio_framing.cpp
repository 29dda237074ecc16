#include "rtp/audio_framing.hpp"

#include <algorithm>

namespace srtcore::rtp::audio {

namespace {

std::size_t whole_frames(std::int64_t duration_ns, std::int64_t frame_ns) {
  return duration_ns <= 0 ? 0 : static_cast<std::size_t>(duration_ns / frame_ns);
}

std::size_t round_up(std::size_t v, std::size_t to) {
  return (v + to - 1) / to * to;
}
std::size_t round_down(std::size_t v, std::size_t to) {
  return v / to * to;
}

}  // namespace

std::optional<PacketLimits> packet_limits(const FrameFormat &format, const PtimeSettings &s) {
  const std::int64_t frame_ns = format.frame_ns();
  const std::size_t mtu_frames = s.max_payload / format.frame_bytes;
  if (mtu_frames == 0) return std::nullopt;

  std::size_t max = mtu_frames;
  if (s.max_ptime >= 0)
    max = std::min(max, std::max<std::size_t>(1, whole_frames(s.max_ptime, frame_ns)));

  PacketLimits l;
  l.align_frames = std::max<std::size_t>(1, whole_frames(s.ptime_multiple, frame_ns));
  if (l.align_frames > max) l.align_frames = 1;
  l.max_frames = round_down(max, l.align_frames);

  const std::size_t min = std::max<std::size_t>(1, whole_frames(s.min_ptime, frame_ns));
  l.min_frames = std::min(round_up(min, l.align_frames), l.max_frames);

  if (s.ptime > 0) {
    // Downstream asked for exactly this duration: every full packet has it.
    const std::size_t want = std::max<std::size_t>(1, whole_frames(s.ptime, frame_ns));
    l.min_frames = l.max_frames = std::clamp(want, l.min_frames, l.max_frames);
    l.align_frames = 1;
  }
  return l;
}

std::size_t frames_for_next_packet(std::size_t available, const PacketLimits &limits) {
  if (available < limits.min_frames) return 0;
  const std::size_t n = std::min(available, limits.max_frames);
  return std::max(limits.min_frames, round_down(n, limits.align_frames));
}

}  // namespace srtcore::rtp::audio
