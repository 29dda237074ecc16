// G.729 over RTP (RFC 3551 4.5.6): static payload type 18, 8000 Hz clock,
// 10-octet frames of 10 ms. A packet holds zero or more such frames followed
// by at most one 2-octet Annex B SID (comfort noise) frame, which therefore
// ends the packet: payload length mod 10 is 0 or 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/audio_framing.hpp"
#include "rtp/bytes.hpp"

namespace srtcore::rtp::g729 {

inline constexpr std::uint8_t kPayloadType = 18;
inline constexpr std::uint32_t kClockRate = 8000;
inline constexpr std::size_t kFrameBytes = 10;
inline constexpr std::size_t kSidBytes = 2;
inline constexpr std::uint32_t kFrameTicks = 80;  // a SID frame also stands for 10 ms
inline constexpr audio::FrameFormat kFormat{kFrameBytes, kFrameTicks, kClockRate, false};

// Speech frames and the optional trailing SID frame of a payload or buffer.
struct Frames {
  ByteSpan speech;  // a multiple of 10 octets
  ByteSpan sid;     // empty or 2 octets
  std::size_t speech_frames() const { return speech.size() / kFrameBytes; }
  std::uint32_t ticks() const {
    return static_cast<std::uint32_t>(speech_frames() + (sid.empty() ? 0 : 1)) * kFrameTicks;
  }
};

// nullopt unless the length is 10n or 10n+2. An empty span splits into no frames.
std::optional<Frames> split(ByteSpan data);

enum class PayloadCheck { kOk, kEmpty, kBadLength };
// RTP payload rule: like split(), and at least one frame.
PayloadCheck check_payload(std::size_t size);

}  // namespace srtcore::rtp::g729
