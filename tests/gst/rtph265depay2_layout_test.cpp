// rtph265depay2 gives the same access units whatever the layout of its input
// packets (depay_layouts.hpp), and never writes into packets it shares.
#include <gtest/gtest.h>

#include "depay_layouts.hpp"
#include "h265_fixtures.hpp"

namespace {

constexpr const char *kRtpCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265";
constexpr std::uint8_t kPt = 96;

// Three access units: an AP of VPS, SPS and PPS (in codec_data for hvc1) then
// an IDR in FU fragments; a single NAL packet with RTP padding; after a lost
// packet, a trailing picture in two FU fragments.
std::vector<layouts::Packet> stream() {
  namespace fx = fixtures::h265;
  using layouts::rtp;
  std::vector<layouts::Packet> p;
  const fx::Bytes idr = fx::idr(3000);
  const std::size_t body = idr.size() - 2;
  p.push_back({rtp(fx::ap({fx::vps(), fx::sps(), fx::pps()}), 10, 0, false, kPt), 0});
  p.push_back({rtp(fx::fu(idr, 0, 1200, true, false, std::nullopt), 11, 0, false, kPt), 0});
  p.push_back({rtp(fx::fu(idr, 1200, 1200, false, false, std::nullopt), 12, 0, false, kPt), 0});
  p.push_back(
      {rtp(fx::fu(idr, 2400, body - 2400, false, true, std::nullopt), 13, 0, true, kPt), 0});
  layouts::Bytes padded = rtp(fx::trail(500), 14, 3000, true, kPt);
  padded[0] |= 0x20;
  padded.insert(padded.end(), {0, 0, 3});
  p.push_back({padded, 33 * GST_MSECOND});
  const fx::Bytes pic = fx::trail(2000, true, 7);
  const std::size_t pic_body = pic.size() - 2;
  p.push_back({rtp(fx::fu(pic, 0, 1000, true, false, std::nullopt), 16, 6000, false, kPt),
               66 * GST_MSECOND});
  p.push_back(
      {rtp(fx::fu(pic, 1000, pic_body - 1000, false, true, std::nullopt), 17, 6000, true, kPt),
       66 * GST_MSECOND});
  return p;
}

}  // namespace

TEST(RtpH265Depay2Layouts, ByteStreamAccessUnitsAreTheSameInEveryLayout) {
  layouts::expect_same_output_in_every_layout("rtph265depay2", "", kRtpCaps,
                                              "video/x-h265,stream-format=byte-stream,alignment=au",
                                              stream(), 3);
}

TEST(RtpH265Depay2Layouts, HvcNalUnitsAreTheSameInEveryLayout) {
  layouts::expect_same_output_in_every_layout(
      "rtph265depay2", "", kRtpCaps, "video/x-h265,stream-format=hvc1,alignment=nal", stream(), 3);
}
