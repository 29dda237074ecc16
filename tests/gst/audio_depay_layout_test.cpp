// rtpg722depay2 and rtpg729depay2 give the same buffers whatever the layout
// of their input packets (depay_layouts.hpp) and never write into packets
// they share: they output the payload in place of the packet only when
// they alone hold it.
#include <gtest/gtest.h>

#include "audio_fixtures.hpp"
#include "depay_layouts.hpp"

namespace {

// 20 ms packets of `bytes_per_packet`; a talkspurt start (marker), a lost
// packet, RTP padding, an empty packet (dropped) and a bad length.
std::vector<layouts::Packet> stream(std::size_t bytes_per_packet, std::uint8_t pt,
                                    std::size_t bad_length) {
  using layouts::rtp;
  std::vector<layouts::Packet> p;
  std::uint32_t ts = 0;
  for (std::uint16_t seq = 1; seq <= 9; ++seq, ts += 160) {
    if (seq == 4) continue;  // lost
    const auto seed = static_cast<std::uint8_t>(seq);
    layouts::Bytes b = rtp(audiofx::pattern(bytes_per_packet, seed), seq, ts, seq == 1, pt);
    if (seq == 5) {
      b[0] |= 0x20;
      b.insert(b.end(), {0, 2});
    }
    if (seq == 7) b = rtp({}, seq, ts, false, pt);
    if (seq == 8) b = rtp(audiofx::pattern(bad_length, seed), seq, ts, false, pt);
    p.push_back({b, seq == 1 ? GST_SECOND : GST_CLOCK_TIME_NONE, seq == 1});
  }
  return p;
}

}  // namespace

TEST(AudioDepayLayouts, G722BuffersAreTheSameInEveryLayout) {
  layouts::expect_same_output_in_every_layout(
      "rtpg722depay2", "",
      "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9", "",
      stream(160, 9, 0), 6);
}

TEST(AudioDepayLayouts, G729BuffersAreTheSameInEveryLayout) {
  layouts::expect_same_output_in_every_layout(
      "rtpg729depay2", "",
      "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G729,payload=18", "",
      stream(20, 18, 13), 6);
}
