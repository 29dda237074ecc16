// rtph264depay2 gives the same access units whatever the layout of its input
// packets (depay_layouts.hpp), and never writes into packets it shares.
#include <gtest/gtest.h>

#include "depay_layouts.hpp"
#include "h264_fixtures.hpp"

namespace {

constexpr const char *kRtpCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,packetization-mode=1";
constexpr std::uint8_t kPt = 96;

// Three access units: STAP-A of SPS and PPS then an IDR in FU-A fragments; a
// single NAL packet with RTP padding; after a lost packet, a P slice in two
// FU-A fragments.
std::vector<layouts::Packet> stream() {
  namespace fx = fixtures;
  using layouts::rtp;
  std::vector<layouts::Packet> p;
  const fx::Bytes idr = fx::idr_slice(3000);
  p.push_back({rtp(fx::stap_a({fx::sps(), fx::pps()}), 10, 0, false, kPt), 0});
  p.push_back({rtp(fx::fu_a(idr, 1, 1200, true, false), 11, 0, false, kPt), 0});
  p.push_back({rtp(fx::fu_a(idr, 1201, 1200, false, false), 12, 0, false, kPt), 0});
  p.push_back({rtp(fx::fu_a(idr, 2401, idr.size() - 2401, false, true), 13, 0, true, kPt), 0});
  layouts::Bytes padded = rtp(fx::p_slice(500), 14, 3000, true, kPt);
  padded[0] |= 0x20;
  padded.insert(padded.end(), {0, 0, 3});
  p.push_back({padded, 33 * GST_MSECOND});
  const fx::Bytes slice = fx::p_slice(2000);
  p.push_back({rtp(fx::fu_a(slice, 1, 1000, true, false), 16, 6000, false, kPt), 66 * GST_MSECOND});
  p.push_back({rtp(fx::fu_a(slice, 1001, slice.size() - 1001, false, true), 17, 6000, true, kPt),
               66 * GST_MSECOND});
  return p;
}

}  // namespace

TEST(RtpH264Depay2Layouts, AvcAccessUnitsAreTheSameInEveryLayout) {
  layouts::expect_same_output_in_every_layout(
      "rtph264depay2", "", kRtpCaps, "video/x-h264,stream-format=avc,alignment=au", stream(), 3);
}

TEST(RtpH264Depay2Layouts, ByteStreamNalUnitsAreTheSameInEveryLayout) {
  layouts::expect_same_output_in_every_layout(
      "rtph264depay2", "", kRtpCaps, "video/x-h264,stream-format=byte-stream,alignment=nal",
      stream(), 5);
}
