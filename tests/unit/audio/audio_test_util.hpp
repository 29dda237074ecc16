// Helpers for the audio payload-format tests: collected packets and inputs.
#pragma once

#include <cstdint>
#include <vector>

#include "rtp/audio_payloader.hpp"

namespace srtcore::rtp::audio::test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::int64_t kMs = 1'000'000;

// An AudioPacket copied out of the payloader.
struct Packet {
  Bytes frames;
  Bytes tail;
  std::int64_t pts;
  std::uint32_t rtp_time;
  std::int64_t input_pts;
  std::uint32_t ticks;
  bool marker;
  bool discont;
  std::size_t size() const { return frames.size() + tail.size(); }
};

class Collector {
 public:
  void operator()(const AudioPacket &p) {
    packets.push_back(Packet{Bytes(p.frames.begin(), p.frames.end()),
                             Bytes(p.tail.begin(), p.tail.end()), p.pts, p.rtp_time, p.input_pts,
                             p.ticks, p.marker, p.discont});
  }
  // Takes what was collected so far.
  std::vector<Packet> take() {
    std::vector<Packet> out;
    out.swap(packets);
    return out;
  }
  std::vector<Packet> packets;
};

// `n` bytes counting up from `seed`, so that order and loss show.
inline Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i);
  return b;
}

inline PtimeSettings mtu_settings(std::size_t max_payload = 1400 - 12) {
  PtimeSettings s;
  s.max_payload = max_payload;
  return s;
}

}  // namespace srtcore::rtp::audio::test
