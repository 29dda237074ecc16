// G.722 over RTP (RFC 3551 4.5.2): static payload type 9, and an RTP clock of
// 8000 Hz although the audio is sampled at 16 kHz (an error in RFC 1890 kept
// for compatibility): one octet per clock tick at 64 kbit/s, so 10 ms is 80
// octets and 80 ticks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtp/audio_framing.hpp"

namespace srtcore::rtp::g722 {

inline constexpr std::uint8_t kPayloadType = 9;
inline constexpr std::uint32_t kClockRate = 8000;
inline constexpr std::uint32_t kSampleRate = 16000;
// Packets are cut in 10 ms steps; G.722 itself is sample-based, so the end of
// a stream may be part of a step.
inline constexpr audio::FrameFormat kFormat{80, 80, kClockRate, true};

enum class PayloadCheck { kOk, kEmpty, kBadLength };

// A payload carries whole sample pairs of every channel: one octet each
// (RFC 3551 4.5.2 and 4.1 interleaving).
PayloadCheck check_payload(std::size_t size, unsigned channels);
// Duration in RTP clock ticks of a valid payload.
std::uint32_t payload_ticks(std::size_t size, unsigned channels);
// Audio sample rate for an RTP clock rate: 16 kHz for the standard 8000.
std::uint32_t sample_rate_for_clock(std::uint32_t clock_rate);

}  // namespace srtcore::rtp::g722
