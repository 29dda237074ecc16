#include <gtest/gtest.h>

#include "h265_test_util.hpp"
#include "rtp/h265_nal.hpp"

namespace srtcore::rtp::h265 {
namespace {

using test::bytes;
using test::Bytes;

// Writes RBSP bits and adds emulation prevention bytes, to build SPS units
// with fields x265 never produces (sub-layers).
class BitWriter {
 public:
  void bits(std::uint32_t v, unsigned n) {
    for (unsigned i = n; i-- > 0;) bit((v >> i) & 1);
  }
  void ue(std::uint32_t v) {
    const std::uint64_t x = std::uint64_t{v} + 1;
    unsigned len = 0;
    while ((x >> len) > 1) ++len;
    bits(0, len);
    bits(static_cast<std::uint32_t>(x), len + 1);
  }
  Bytes nal(Bytes header) {
    bit(1);  // rbsp_stop_one_bit
    while (n_ % 8) bit(0);
    unsigned zeros = 0;
    for (std::uint8_t b : rbsp_) {
      if (zeros >= 2 && b <= 3) {
        header.push_back(3);
        zeros = 0;
      }
      header.push_back(b);
      zeros = b == 0 ? zeros + 1 : 0;
    }
    return header;
  }

 private:
  void bit(unsigned b) {
    if (n_ % 8 == 0) rbsp_.push_back(0);
    if (b) rbsp_.back() |= static_cast<std::uint8_t>(0x80 >> (n_ % 8));
    ++n_;
  }
  Bytes rbsp_;
  std::size_t n_ = 0;
};

TEST(H265Nal, HeaderFields) {
  const Bytes h = test::header(33, 45, 6, true);
  EXPECT_TRUE(forbidden_bit(h[0]));
  EXPECT_EQ(nal_type(h[0]), 33);
  EXPECT_EQ(layer_id(h[0], h[1]), 45);
  EXPECT_EQ(tid(h[1]), 6);
  const Bytes g = test::header(1, 0, 1);
  EXPECT_FALSE(forbidden_bit(g[0]));
  EXPECT_EQ(layer_id(g[0], g[1]), 0);
}

TEST(H265Nal, TypeClasses) {
  for (unsigned t = 0; t < 64; ++t) {
    EXPECT_EQ(is_vcl(static_cast<std::uint8_t>(t)), t < 32) << t;
    EXPECT_EQ(is_irap(static_cast<std::uint8_t>(t)), t >= 16 && t <= 23) << t;
  }
  for (unsigned t : {32u, 33u, 34u, 35u, 39u, 41u, 44u, 48u, 55u})
    EXPECT_TRUE(starts_au_after_vcl(static_cast<std::uint8_t>(t))) << t;
  for (unsigned t : {0u, 1u, 19u, 36u, 37u, 38u, 40u, 45u, 47u, 56u, 63u})
    EXPECT_FALSE(starts_au_after_vcl(static_cast<std::uint8_t>(t))) << t;
}

TEST(H265Nal, FirstSliceSegmentInPic) {
  EXPECT_TRUE(first_slice_segment_in_pic(test::idr(10, true)));
  EXPECT_FALSE(first_slice_segment_in_pic(test::idr(10, false)));
  EXPECT_FALSE(first_slice_segment_in_pic(test::header(1)));  // no body
  EXPECT_FALSE(first_slice_segment_in_pic(test::prefix_sei()));
}

TEST(H265Nal, ParameterSetIds) {
  EXPECT_EQ(vps_id(test::vps()), 0u);
  EXPECT_EQ(sps_id(test::sps()), 0u);
  EXPECT_EQ(pps_id(test::pps()), 0u);
  Bytes v = test::vps();
  v[2] = static_cast<std::uint8_t>((7 << 4) | (v[2] & 0x0f));
  EXPECT_EQ(vps_id(v), 7u);
  EXPECT_FALSE(vps_id(test::sps()));
  EXPECT_FALSE(sps_id(test::pps()));
  EXPECT_FALSE(pps_id(test::header(34)));  // truncated
  const Bytes full = test::sps();
  EXPECT_FALSE(sps_id(Bytes(full.begin(), full.begin() + 10)));
}

TEST(H265Nal, ParseSpsOfX265Stream) {
  // The profile_tier_level of this SPS contains emulation prevention bytes.
  auto info = parse_sps(test::sps());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sps_id, 0u);
  EXPECT_EQ(info->profile_space(), 0u);
  EXPECT_EQ(info->tier_flag(), 0u);
  EXPECT_EQ(info->profile_idc(), 1u);  // Main
  EXPECT_EQ(info->level_idc(), 60u);   // level 2
  EXPECT_EQ(info->max_sub_layers_minus1, 0);
  EXPECT_TRUE(info->temporal_id_nesting);
  EXPECT_EQ(info->chroma_format_idc, 1u);
  EXPECT_EQ(info->bit_depth_luma_minus8, 0u);
  EXPECT_EQ(info->general_ptl,
            (std::array<std::uint8_t, 12>{1, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x3c}));
}

TEST(H265Nal, ParseSpsWithSubLayers) {
  BitWriter w;
  w.bits(3, 4);  // sps_video_parameter_set_id
  w.bits(2, 3);  // max_sub_layers_minus1
  w.bits(0, 1);
  w.bits(0x62, 8);                            // profile_space 1, tier 1, profile_idc 2
  for (int i = 0; i < 10; ++i) w.bits(0, 8);  // compatibility + constraint flags: zeros
  w.bits(153, 8);                             // general_level_idc
  w.bits(0b11, 2);                            // sub-layer 0: profile and level present
  w.bits(0b01, 2);                            // sub-layer 1: level only
  for (int i = 2; i < 8; ++i) w.bits(0, 2);   // reserved_zero_2bits
  for (int i = 0; i < 11; ++i) w.bits(0, 8);  // sub-layer 0 profile (88 bits)
  w.bits(90, 8);                              // sub-layer 0 level
  w.bits(60, 8);                              // sub-layer 1 level
  w.ue(5);                                    // sps_seq_parameter_set_id
  w.ue(2);                                    // chroma_format_idc 4:2:2
  w.ue(1920);
  w.ue(1080);
  w.bits(1, 1);  // conformance window
  for (int i = 0; i < 4; ++i) w.ue(static_cast<std::uint32_t>(i));
  w.ue(2);  // bit_depth_luma_minus8
  w.ue(2);
  const Bytes nal = w.nal(test::header(33));
  auto info = parse_sps(nal);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sps_id, 5u);
  EXPECT_EQ(sps_id(nal), 5u);
  EXPECT_EQ(info->profile_space(), 1u);
  EXPECT_EQ(info->tier_flag(), 1u);
  EXPECT_EQ(info->profile_idc(), 2u);
  EXPECT_EQ(info->level_idc(), 153u);
  EXPECT_EQ(info->max_sub_layers_minus1, 2);
  EXPECT_EQ(info->chroma_format_idc, 2u);
  EXPECT_EQ(info->bit_depth_luma_minus8, 2u);
  EXPECT_EQ(info->bit_depth_chroma_minus8, 2u);
}

TEST(H265Nal, BuildHvccMatchesH265parse) {
  const Bytes built = build_hvcc({test::vps()}, {test::sps()}, {test::pps()}, false);
  EXPECT_EQ(built, test::h265parse_hvcc());
  const Bytes complete = build_hvcc({test::vps()}, {test::sps()}, {test::pps()}, true);
  ASSERT_EQ(complete.size(), built.size());
  EXPECT_EQ(complete[23], 0x80 | 32);  // array_completeness on the VPS array
}

TEST(H265Nal, BuildHvccNeedsAnSps) {
  EXPECT_TRUE(build_hvcc({test::vps()}, {}, {test::pps()}, true).empty());
}

TEST(H265Nal, ParseHvccRoundTrip) {
  auto cfg = parse_hvcc(test::h265parse_hvcc());
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->nal_length_size, 4u);
  EXPECT_EQ(cfg->vps, (NalList{test::vps()}));
  EXPECT_EQ(cfg->sps, (NalList{test::sps()}));
  EXPECT_EQ(cfg->pps, (NalList{test::pps()}));
}

TEST(H265Nal, ParseHvccLengthSize) {
  Bytes cd = test::h265parse_hvcc();
  cd[21] = static_cast<std::uint8_t>((cd[21] & 0xfc) | 1);
  EXPECT_EQ(parse_hvcc(cd)->nal_length_size, 2u);
  cd[21] = static_cast<std::uint8_t>((cd[21] & 0xfc) | 2);  // 3-byte lengths: not allowed
  EXPECT_FALSE(parse_hvcc(cd));
}

TEST(H265Nal, ParseHvccRejectsMalformed) {
  const Bytes good = test::h265parse_hvcc();
  EXPECT_FALSE(parse_hvcc(Bytes(good.begin(), good.begin() + 22)));  // short header
  Bytes v = good;
  v[0] = 2;  // version
  EXPECT_FALSE(parse_hvcc(v));
  for (std::size_t cut = 23; cut < good.size(); ++cut)
    EXPECT_FALSE(parse_hvcc(Bytes(good.begin(), good.begin() + static_cast<long>(cut))))
        << "truncated at " << cut;
  Bytes overrun = good;
  overrun[26] = 0xff;  // VPS length
  EXPECT_FALSE(parse_hvcc(overrun));
  Bytes arrays = good;
  arrays[22] = 9;  // more arrays than present
  EXPECT_FALSE(parse_hvcc(arrays));
}

TEST(H265Nal, ParseHvccSkipsUnitsWhoseTypeDisagrees) {
  Bytes cd = test::h265parse_hvcc();
  cd[23] = 33;  // the VPS array claims to hold SPS units
  auto cfg = parse_hvcc(cd);
  ASSERT_TRUE(cfg);
  EXPECT_TRUE(cfg->vps.empty());
  EXPECT_EQ(cfg->sps.size(), 1u);
}

}  // namespace
}  // namespace srtcore::rtp::h265
