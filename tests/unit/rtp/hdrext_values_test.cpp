// Element data of our own extensions: RFC 6465 levels and the 3GPP CVO byte,
// expected bytes from the specifications' layouts.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/hdrext_values.hpp"
#include "test_util.hpp"

namespace srtcore::rtp::hdrext {
namespace {

using test::bytes;
using test::Bytes;

TEST(CsrcAudioLevel, WritesOneByteEachClampedAndReadsIgnoringTheTopBit) {
  const std::uint8_t levels[] = {0, 30, 127, 200};
  Bytes out(16, 0xee);
  ASSERT_EQ(write_csrc_levels(levels, out), 4u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 4), bytes({0, 30, 127, 127}));
  std::array<std::uint8_t, kMaxCsrcLevels> got{};
  const Bytes wire = bytes({0x80 | 12, 99});
  ASSERT_EQ(read_csrc_levels(wire, got), 2u);
  EXPECT_EQ(got[0], 12);
  EXPECT_EQ(got[1], 99);
  EXPECT_FALSE(read_csrc_levels({}, got));
  EXPECT_FALSE(read_csrc_levels(Bytes(16, 1), got));  // more than 15 CSRCs
  Bytes small(2);
  EXPECT_EQ(write_csrc_levels(levels, small), 0u);
  const std::vector<std::uint8_t> many(20, 5);
  Bytes big(20);
  EXPECT_EQ(write_csrc_levels(many, big), 15u);
}

// 3GPP TS 26.114 CVO byte: 0 0 0 0 C F R1 R0.
TEST(VideoOrientationByte, Layout) {
  EXPECT_EQ(encode_orientation({}), 0x00);
  EXPECT_EQ(encode_orientation({true, false, 0}), 0x08);
  EXPECT_EQ(encode_orientation({false, true, 0}), 0x04);
  EXPECT_EQ(encode_orientation({false, false, 3}), 0x03);
  EXPECT_EQ(encode_orientation({true, true, 1}), 0x0d);
  const Bytes b = bytes({0xf6});  // reserved bits set: ignored
  EXPECT_EQ(decode_orientation(b), (VideoOrientation{false, true, 2}));
  EXPECT_FALSE(decode_orientation(bytes({1, 2})));
  EXPECT_FALSE(decode_orientation({}));
  for (int c = 0; c < 2; ++c)
    for (int f = 0; f < 2; ++f)
      for (std::uint8_t r = 0; r < 4; ++r) {
        const VideoOrientation o{c == 1, f == 1, r};
        const std::uint8_t byte = encode_orientation(o);
        EXPECT_EQ(decode_orientation(ByteSpan(&byte, 1)), o);
      }
}

}  // namespace
}  // namespace srtcore::rtp::hdrext
