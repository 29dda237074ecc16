#include <gtest/gtest.h>

#include "h265_test_util.hpp"
#include "rtp/h265_param_sets.hpp"

namespace srtcore::rtp::h265 {
namespace {

using test::Bytes;

std::vector<Bytes> units(const ParameterSets &p) {
  std::vector<Bytes> v;
  p.for_each([&v](ByteSpan n) { v.emplace_back(n.begin(), n.end()); });
  return v;
}

TEST(H265ParamSets, StoresByKindAndReportsChanges) {
  ParameterSets p;
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(p.update(test::pps()));
  EXPECT_TRUE(p.update(test::sps()));
  EXPECT_FALSE(p.complete());
  EXPECT_TRUE(p.update(test::vps()));
  EXPECT_TRUE(p.complete());
  EXPECT_FALSE(p.update(test::vps()));       // unchanged
  EXPECT_FALSE(p.update(test::idr()));       // not a parameter set
  EXPECT_FALSE(p.update(test::header(33)));  // unparsable SPS
  // VPS, SPS, PPS order whatever the arrival order.
  EXPECT_TRUE(test::SameUnits(units(p), {test::vps(), test::sps(), test::pps()}));
  Bytes pps2 = test::pps();
  pps2.back() ^= 0x10;
  EXPECT_TRUE(p.update(pps2));  // same id, new content replaces
  EXPECT_TRUE(test::SameUnits(units(p), {test::vps(), test::sps(), pps2}));
}

TEST(H265ParamSets, SpropStringsAreBase64PerKind) {
  ParameterSets p;
  p.update(test::vps());
  p.update(test::sps());
  p.update(test::pps());
  EXPECT_EQ(p.sprop(kVps), "QAEMAf//AWAAAAMAkAAAAwAAAwA8lZQJ");
  EXPECT_EQ(p.sprop(kSps), "QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZZWVKTC//AAEAAWoMDAwIAAAMAAgAAAwA8EA==");
  EXPECT_EQ(p.sprop(kPps), "RAHAc8EJ");
}

TEST(H265ParamSets, ParseSpropRoundTrip) {
  ParameterSets a;
  a.update(test::vps());
  a.update(test::sps());
  a.update(test::pps());
  ParameterSets b;
  EXPECT_TRUE(b.parse_sprop(a.sprop(kVps)));
  EXPECT_TRUE(b.parse_sprop(a.sprop(kSps)));
  EXPECT_TRUE(b.parse_sprop(a.sprop(kPps) + ","));
  EXPECT_TRUE(test::SameUnits(units(b), units(a)));
}

TEST(H265ParamSets, ParseSpropKeepsValidItemsOfABadList) {
  ParameterSets p;
  EXPECT_FALSE(p.parse_sprop("RAHAc8EJ,!!notbase64,AAAA"));  // PPS, junk, type-0 unit
  EXPECT_TRUE(p.has_pps());
  EXPECT_FALSE(p.has_sps());
}

TEST(H265ParamSets, ProfileTierLevelFromTheSps) {
  ParameterSets p;
  EXPECT_FALSE(p.profile_tier_level());
  p.update(test::sps());
  auto ptl = p.profile_tier_level();
  ASSERT_TRUE(ptl);
  EXPECT_EQ(ptl->profile_id, 1u);
  EXPECT_EQ(ptl->tier_flag, 0u);
  EXPECT_EQ(ptl->level_id, 60u);
  EXPECT_EQ(ptl->profile_space, 0u);
}

TEST(H265ParamSets, HvccFromStoredSets) {
  ParameterSets p;
  EXPECT_TRUE(p.hvcc(false).empty());
  p.update(test::vps());
  p.update(test::sps());
  p.update(test::pps());
  EXPECT_EQ(p.hvcc(false), test::h265parse_hvcc());
}

TEST(H265ParamSets, OversizedUnitIsIgnored) {
  ParameterSets p;
  Bytes big = test::pps();
  big.resize(0x10000, 0x11);
  EXPECT_FALSE(p.update(big));
  EXPECT_TRUE(p.empty());
}

}  // namespace
}  // namespace srtcore::rtp::h265
