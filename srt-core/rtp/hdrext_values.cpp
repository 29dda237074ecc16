#include "rtp/hdrext_values.hpp"

#include <algorithm>

namespace srtcore::rtp::hdrext {

std::size_t write_csrc_levels(std::span<const std::uint8_t> levels, MutableByteSpan out) {
  const std::size_t n = std::min(levels.size(), kMaxCsrcLevels);
  if (n == 0 || out.size() < n) return 0;
  for (std::size_t i = 0; i < n; ++i) out[i] = std::min(levels[i], kSilence);
  return n;
}

std::optional<std::size_t> read_csrc_levels(ByteSpan data,
                                            std::span<std::uint8_t, kMaxCsrcLevels> out) {
  if (data.empty() || data.size() > kMaxCsrcLevels) return std::nullopt;
  for (std::size_t i = 0; i < data.size(); ++i) out[i] = data[i] & 0x7f;
  return data.size();
}

std::uint8_t encode_orientation(const VideoOrientation &o) {
  return static_cast<std::uint8_t>((o.back_camera ? 0x08 : 0) | (o.flip ? 0x04 : 0) |
                                   (o.quarter_turns & 0x03));
}

std::optional<VideoOrientation> decode_orientation(ByteSpan data) {
  if (data.size() != 1) return std::nullopt;
  const std::uint8_t b = data[0];
  return VideoOrientation{(b & 0x08) != 0, (b & 0x04) != 0, static_cast<std::uint8_t>(b & 0x03)};
}

}  // namespace srtcore::rtp::hdrext
