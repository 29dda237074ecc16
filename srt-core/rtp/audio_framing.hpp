// Packet sizes of frame-based RTP audio (G.722, G.729): how many whole frames
// go in one packet, from the packet-time settings GstRTPBasePayload users know
// (min-ptime, max-ptime, ptime-multiple, ptime/maxptime from downstream caps)
// and the MTU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace srtcore::rtp::audio {

inline constexpr std::int64_t kNsPerSecond = 1'000'000'000;

// A codec's unit of packetization: `frame_bytes` bytes lasting `frame_ticks`
// ticks of the RTP clock.
struct FrameFormat {
  std::size_t frame_bytes = 0;
  std::uint32_t frame_ticks = 0;
  std::uint32_t clock_rate = 0;
  // Sample-based codecs (G.722) may end the stream with part of a frame.
  bool partial_frames = false;

  constexpr std::int64_t frame_ns() const {
    return static_cast<std::int64_t>(frame_ticks) * kNsPerSecond / clock_rate;
  }
};

// Packet-time settings, in nanoseconds, as GstRTPBasePayload has them.
struct PtimeSettings {
  std::int64_t min_ptime = 0;
  std::int64_t max_ptime = -1;      // -1: only the MTU limits packets
  std::int64_t ptime_multiple = 0;  // 0: any whole number of frames
  std::int64_t ptime = 0;           // downstream caps "ptime"; 0: none
  std::size_t max_payload = 0;      // payload bytes the MTU leaves

  bool operator==(const PtimeSettings &) const = default;
};

// Packet sizes in whole frames: min <= max, and when no ptime is fixed both
// are multiples of align.
struct PacketLimits {
  std::size_t min_frames = 1;
  std::size_t max_frames = 1;
  std::size_t align_frames = 1;

  bool operator==(const PacketLimits &) const = default;
};

// nullopt when not even one frame fits in max_payload. Durations round down
// to whole frames; a max-ptime below one frame still allows one frame (as
// rtpg729pay does); a ptime-multiple that no packet under the maximum can
// meet is ignored; a fixed ptime wins over min/max-ptime inside the MTU.
std::optional<PacketLimits> packet_limits(const FrameFormat &format, const PtimeSettings &s);

// Frames the next packet takes out of `available` queued frames; 0 means wait
// for more input.
std::size_t frames_for_next_packet(std::size_t available, const PacketLimits &limits);

}  // namespace srtcore::rtp::audio
