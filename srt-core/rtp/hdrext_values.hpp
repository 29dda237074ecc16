// Element data of two header extensions GStreamer 1.22 has no element for:
// mixer-to-client audio levels (RFC 6465) and coordination of video
// orientation (3GPP TS 26.114, urn:3gpp:video-orientation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::hdrext {

inline constexpr const char *kCsrcAudioLevelUri = "urn:ietf:params:rtp-hdrext:csrc-audio-level";
inline constexpr const char *kVideoOrientationUri = "urn:3gpp:video-orientation";

// RFC 6465: one byte per CSRC of the packet, in CSRC order, each 0 and a
// 7-bit level in -dBov (0 loudest, 127 silence). At most 15 (the CSRC count).
inline constexpr std::size_t kMaxCsrcLevels = 15;
inline constexpr std::uint8_t kSilence = 127;
// Writes min(levels, 15) levels (clamped to 127) into `out`; bytes written
// (0 when `out` is too small or there are no levels).
std::size_t write_csrc_levels(std::span<const std::uint8_t> levels, MutableByteSpan out);
// The levels of an element: nullopt for an empty or over-long element. The
// reserved top bit is ignored, as RFC 6465 asks of receivers.
std::optional<std::size_t> read_csrc_levels(ByteSpan data,
                                            std::span<std::uint8_t, kMaxCsrcLevels> out);

// 3GPP CVO: one byte 0000 C F R1 R0. Rotation is what the receiver must
// apply clockwise, in quarter turns, after the horizontal flip.
struct VideoOrientation {
  bool back_camera = false;
  bool flip = false;
  std::uint8_t quarter_turns = 0;  // 0..3: 0, 90, 180, 270 degrees clockwise
  bool operator==(const VideoOrientation &) const = default;
};
std::uint8_t encode_orientation(const VideoOrientation &o);
// nullopt for an element that is not exactly one byte.
std::optional<VideoOrientation> decode_orientation(ByteSpan data);

}  // namespace srtcore::rtp::hdrext
