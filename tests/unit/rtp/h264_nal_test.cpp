#include <gtest/gtest.h>

#include "rtp/bit_reader.hpp"
#include "rtp/h264_nal.hpp"
#include "rtp/h264_param_sets.hpp"
#include "test_util.hpp"

namespace srtcore::rtp::h264 {
namespace {

using test::bytes;
using test::Bytes;

TEST(H264Nal, HeaderFields) {
  EXPECT_EQ(nal_type(0x65), kIdr);
  EXPECT_EQ(nal_ref_idc(0x65), 3);
  EXPECT_EQ(nal_type(0x41), kSlice);
  EXPECT_EQ(nal_ref_idc(0x41), 2);
  EXPECT_EQ(nal_type(0x7c), kFuA);
  EXPECT_TRUE(is_vcl(1));
  EXPECT_TRUE(is_vcl(5));
  EXPECT_FALSE(is_vcl(0));
  EXPECT_FALSE(is_vcl(6));
  EXPECT_FALSE(is_vcl(20));
}

TEST(H264Nal, BitReaderExpGolombAndEmulationPrevention) {
  // 1 | 010 | 011 | 00100 | 00101 -> 0, 1, 2, 3, 4
  {
    const Bytes d = bytes({0xa6, 0x42, 0x80});
    RbspBitReader r(d);
    EXPECT_EQ(r.ue(), 0u);
    EXPECT_EQ(r.ue(), 1u);
    EXPECT_EQ(r.ue(), 2u);
    EXPECT_EQ(r.ue(), 3u);
    EXPECT_EQ(r.ue(), 4u);
    EXPECT_TRUE(r.ok());
  }
  {
    // 00 00 03 01: the 03 is dropped, so the bits read are 00 00 01.
    const Bytes d = bytes({0x00, 0x00, 0x03, 0x01});
    RbspBitReader r(d);
    EXPECT_EQ(r.bits(24), 1u);
    EXPECT_TRUE(r.ok());
    r.bit();
    EXPECT_FALSE(r.ok());
  }
  {
    // 23 leading zero bits then a 1 and 23 more bits: spans the 03 byte.
    const Bytes d = bytes({0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x02});
    RbspBitReader r(d);
    auto v = r.ue();
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, (1u << 23) - 1 + 1);  // suffix bits 0000...0001 (last 0x02 ends with 10)
  }
  {
    const Bytes d = bytes({0x00, 0x00});  // prefix runs off the end
    RbspBitReader r(d);
    EXPECT_FALSE(r.ue());
    EXPECT_FALSE(r.ok());
  }
}

TEST(H264Nal, SliceFirstInPicture) {
  EXPECT_TRUE(slice_is_first_in_picture(test::idr()));
  EXPECT_TRUE(slice_is_first_in_picture(test::slice()));
  EXPECT_FALSE(slice_is_first_in_picture(test::slice_cont()));
  EXPECT_FALSE(slice_is_first_in_picture(test::slice_cont(0x65)));
  EXPECT_TRUE(slice_is_first_in_picture(bytes({0x22, 0x80})));   // partition A
  EXPECT_FALSE(slice_is_first_in_picture(bytes({0x23, 0x80})));  // partition B: slice_id
  EXPECT_FALSE(slice_is_first_in_picture(bytes({0x67, 0x80})));  // not a slice
  EXPECT_FALSE(slice_is_first_in_picture(bytes({0x65})));        // truncated
  EXPECT_FALSE(slice_is_first_in_picture({}));
}

TEST(H264Nal, SeiRecoveryPoint) {
  EXPECT_TRUE(sei_has_recovery_point(test::sei_recovery()));
  EXPECT_FALSE(sei_has_recovery_point(test::sei_user()));
  // user data first, then recovery point in the same SEI NAL unit
  Bytes both = test::sei_user();
  both.pop_back();  // drop trailing bits
  both.insert(both.end(), {0x06, 0x01, 0xc4, 0x80});
  EXPECT_TRUE(sei_has_recovery_point(both));
  // payloadType coded with 0xff extension: 255 + 6 = 261 is not 6
  EXPECT_FALSE(sei_has_recovery_point(bytes({0x06, 0xff, 0x06, 0x01, 0x00, 0x80})));
  // size running past the end
  EXPECT_FALSE(sei_has_recovery_point(bytes({0x06, 0x05, 0x40, 0x01})));
  // payload containing an emulation prevention byte is skipped correctly
  EXPECT_TRUE(sei_has_recovery_point(
      bytes({0x06, 0x05, 0x03, 0x00, 0x00, 0x03, 0x01, 0x06, 0x01, 0xc4, 0x80})));
  EXPECT_FALSE(sei_has_recovery_point(test::sps()));
  EXPECT_FALSE(sei_has_recovery_point(bytes({0x06})));
}

TEST(H264Nal, ParameterSetIds) {
  EXPECT_EQ(sps_id(test::sps()), 0u);
  // ue(3) = 00100 after the three fixed bytes
  EXPECT_EQ(sps_id(bytes({0x67, 0x42, 0xc0, 0x1f, 0x20, 0x80})), 3u);
  EXPECT_EQ(pps_id(test::pps()), 0u);
  EXPECT_EQ(pps_id(bytes({0x68, 0x30})), 5u);  // 00110 = 5
  EXPECT_FALSE(sps_id(bytes({0x67, 0x42, 0xc0})));
  EXPECT_FALSE(sps_id(test::pps()));
  EXPECT_FALSE(pps_id(test::sps()));
  // sps id 32 (ue 00000100001) is out of range
  EXPECT_FALSE(sps_id(bytes({0x67, 0x42, 0xc0, 0x1f, 0x04, 0x20})));
}

TEST(H264Nal, ProfileLevelId) {
  EXPECT_EQ(profile_level_id(test::sps()), "42c01f");
  EXPECT_EQ(profile_level_id(bytes({0x67, 0x64, 0x00, 0x28})), "640028");
  EXPECT_FALSE(profile_level_id(bytes({0x67, 0x64, 0x00})));
  EXPECT_FALSE(profile_level_id(test::pps()));
}

TEST(H264Nal, AvccRoundTrip) {
  const Bytes s = test::sps();
  const Bytes p = test::pps();
  const Bytes avcc = build_avcc({s}, {p});
  const Bytes expected =
      test::cat({bytes({1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 9}), s, bytes({1, 0, 4}), p});
  EXPECT_EQ(avcc, expected);
  auto cfg = parse_avcc(avcc);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->nal_length_size, 4u);
  EXPECT_EQ(cfg->sps, std::vector<Bytes>{s});
  EXPECT_EQ(cfg->pps, std::vector<Bytes>{p});
  EXPECT_TRUE(build_avcc({}, {p}).empty());
  EXPECT_TRUE(build_avcc({bytes({0x67, 1, 2})}, {p}).empty());
}

TEST(H264Nal, AvccLengthSizeAndMalformed) {
  auto cfg = parse_avcc(bytes({1, 0x42, 0xc0, 0x1f, 0xfd, 0xe0, 0}));
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->nal_length_size, 2u);
  EXPECT_TRUE(cfg->sps.empty());
  const Bytes bad[] = {
      {},
      bytes({1, 0x42, 0xc0, 0x1f, 0xff, 0xe1}),                 // cut before SPS length
      bytes({0, 0x42, 0xc0, 0x1f, 0xff, 0xe0, 0}),              // version 0
      bytes({1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 9, 0x67}),     // SPS overruns
      bytes({1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 1, 0x67}),     // no PPS count
      bytes({1, 0x42, 0xc0, 0x1f, 0xff, 0xe0, 1, 0, 0}),        // empty PPS
      bytes({1, 0x42, 0xc0, 0x1f, 0xff, 0xe0, 2, 0, 1, 0x68}),  // second PPS missing
  };
  for (const Bytes &b : bad) EXPECT_FALSE(parse_avcc(b)) << b.size();
}

TEST(H264ParamSets, UpdateTracksChangesById) {
  ParameterSets ps;
  EXPECT_TRUE(ps.empty());
  EXPECT_TRUE(ps.update(test::sps()));
  EXPECT_FALSE(ps.update(test::sps()));  // same again: no change
  EXPECT_TRUE(ps.update(test::pps()));
  EXPECT_TRUE(ps.has_sps());
  EXPECT_TRUE(ps.has_pps());
  EXPECT_TRUE(ps.update(test::sps(0x28)));  // same id, new level replaces
  EXPECT_EQ(ps.sps_list().size(), 1u);
  EXPECT_EQ(ps.profile_level_id(), "42c028");
  EXPECT_FALSE(ps.update(test::slice()));
  EXPECT_FALSE(ps.update(bytes({0x67, 0x42})));  // unparsable
  EXPECT_TRUE(ps.update(bytes({0x68, 0x30})));   // pps id 5
  EXPECT_EQ(ps.pps_list().size(), 2u);
  std::vector<Bytes> order;
  ps.for_each([&](ByteSpan n) { order.emplace_back(n.begin(), n.end()); });
  EXPECT_EQ(order, (std::vector<Bytes>{test::sps(0x28), test::pps(), bytes({0x68, 0x30})}));
  ps.clear();
  EXPECT_TRUE(ps.empty());
}

TEST(H264ParamSets, SpropRoundTrip) {
  ParameterSets ps;
  ps.update(test::sps());
  ps.update(test::pps());
  const std::string sprop = ps.sprop();
  EXPECT_EQ(sprop, "Z0LAH9oBQBbo,aM48gA==");
  ParameterSets back;
  EXPECT_TRUE(back.parse_sprop(sprop));
  EXPECT_EQ(back.sps_list(), ps.sps_list());
  EXPECT_EQ(back.pps_list(), ps.pps_list());
  EXPECT_EQ(back.avcc(), build_avcc({test::sps()}, {test::pps()}));
}

TEST(H264ParamSets, SpropRejectsBadItemsButKeepsGoodOnes) {
  ParameterSets ps;
  EXPECT_FALSE(ps.parse_sprop("Z0LAH9oBQBbo,!!!,aM48gA=="));
  EXPECT_TRUE(ps.has_sps());
  EXPECT_TRUE(ps.has_pps());
  ParameterSets slice_only;
  EXPECT_FALSE(slice_only.parse_sprop("QZo="));  // a slice is not a parameter set
  EXPECT_TRUE(slice_only.empty());
  ParameterSets empty_items;
  EXPECT_TRUE(empty_items.parse_sprop(",Z0LAH9oBQBbo,"));
  EXPECT_TRUE(empty_items.has_sps());
}

}  // namespace
}  // namespace srtcore::rtp::h264
