#include <gtest/gtest.h>

#include "h265_test_util.hpp"
#include "rtp/h265_payloader.hpp"

namespace srtcore::rtp::h265 {
namespace {

using test::Bytes;
using test::VectorSink;

constexpr std::int64_t kFrame = 40'000'000;  // 25 fps
constexpr std::int64_t kSecond = 1'000'000'000;

struct Harness {
  explicit Harness(int config_interval = 0, AggregateMode mode = AggregateMode::kNone,
                   std::size_t max_payload = 1400)
      : pay(PayloaderConfig{max_payload, mode, config_interval}) {}
  bool push(const Bytes &data, std::int64_t t, bool au_end = true, bool key_hint = false) {
    return pay.push(data, au_end, t, key_hint, sink);
  }
  std::vector<test::Unit> units() const { return test::unpack(sink.packets); }
  std::vector<unsigned> types() const { return test::unit_types(units()); }
  Payloader pay;
  VectorSink sink;
};

const std::vector<unsigned> kPs = {32, 33, 34};

std::vector<unsigned> seq(std::initializer_list<std::vector<unsigned>> parts) {
  std::vector<unsigned> v;
  for (const auto &p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

TEST(H265Payloader, AccessUnitGetsOneMarkerOnItsLastPacket) {
  Harness h;
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::trail(60, true), test::trail(60, false)}), kFrame);
  const auto units = h.units();
  ASSERT_EQ(units.size(), 6u);
  for (std::size_t i = 0; i < units.size(); ++i) EXPECT_EQ(units[i].marker, i == 3 || i == 5);
  EXPECT_EQ(h.pay.stats().nal_units, 6u);
  EXPECT_EQ(h.pay.stats().packets, 6u);
}

TEST(H265Payloader, ParameterSetsFromTheStreamChangeTheCaps) {
  Harness h;
  EXPECT_FALSE(h.pay.take_caps_changed());
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  EXPECT_TRUE(h.pay.take_caps_changed());
  EXPECT_FALSE(h.pay.take_caps_changed());
  EXPECT_EQ(h.pay.parameter_sets().sprop(kPps), "RAHAc8EJ");
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), kFrame);
  EXPECT_FALSE(h.pay.take_caps_changed());  // same sets again
}

TEST(H265Payloader, ConfigIntervalZeroNeverInserts) {
  Harness h(0);
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::idr()}), kSecond);
  EXPECT_EQ(h.types(), seq({kPs, {19, 19}}));
  EXPECT_EQ(h.pay.stats().param_set_insertions, 0u);
}

TEST(H265Payloader, MinusOneInsertsBeforeEveryIrapTypeOncePerAccessUnit) {
  Harness h(-1);
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::trail()}), kFrame);
  // CRA picture of three slice segments: parameter sets once, before the first.
  h.push(test::annexb({test::cra(40, true), test::cra(40, false), test::cra(40, false)}),
         2 * kFrame);
  h.push(test::annexb({test::slice(16)}), 3 * kFrame);  // BLA_W_LP
  h.push(test::annexb({test::slice(20)}), 4 * kFrame);  // IDR_N_LP
  h.push(test::annexb({test::slice(23)}), 5 * kFrame);  // reserved IRAP
  h.push(test::annexb({test::slice(9)}), 6 * kFrame);   // RASL: not a keyframe
  EXPECT_EQ(h.types(), seq({kPs, {19, 1}, kPs, {21, 21, 21}, kPs, {16}, kPs, {20}, kPs, {23, 9}}));
  EXPECT_EQ(h.pay.stats().param_set_insertions, 4u);
}

TEST(H265Payloader, InsertionGoesAfterAnAudAndBeforePrefixSei) {
  Harness h(-1);
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::aud(), test::prefix_sei(), test::cra(), test::suffix_sei()}), kFrame);
  EXPECT_EQ(h.types(), seq({kPs, {19}, {35}, kPs, {39, 21, 40}}));
}

TEST(H265Payloader, NotDuplicatedWhenTheAccessUnitCarriesThem) {
  Harness h(-1);
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::aud(), test::vps(), test::sps(), test::pps(), test::cra()}), kFrame);
  EXPECT_EQ(h.types(), seq({kPs, {19}, {35}, kPs, {21}}));
  EXPECT_EQ(h.pay.stats().param_set_insertions, 0u);
}

TEST(H265Payloader, NeverBeforeASecondSliceOfTheSamePictureWithNalAlignment) {
  Harness h(-1);
  h.push(test::annexb({test::vps()}), 0, false);
  h.push(test::annexb({test::sps()}), 0, false);
  h.push(test::annexb({test::pps()}), 0, false);
  h.push(test::annexb({test::idr(40, true)}), 0, true);
  // One keyframe in three nal-aligned buffers with the same time.
  h.push(test::annexb({test::cra(40, true)}), kFrame, false);
  h.push(test::annexb({test::cra(40, false)}), kFrame, false);
  h.push(test::annexb({test::cra(40, false)}), kFrame, true);
  EXPECT_EQ(h.types(), seq({kPs, {19}, kPs, {21, 21, 21}}));
  const auto units = h.units();
  for (std::size_t i = 0; i < units.size(); ++i) EXPECT_EQ(units[i].marker, i == 3 || i == 9);
}

TEST(H265Payloader, FirstSliceSegmentFlagSplitsAccessUnitsWithoutTimestamps) {
  Harness h;
  h.push(test::annexb({test::trail(40, true), test::trail(40, false)}), kNoTime, false);
  h.push(test::annexb({test::trail(40, true)}), kNoTime, false);
  h.pay.flush(h.sink);
  const auto units = h.units();
  ASSERT_EQ(units.size(), 3u);
  EXPECT_FALSE(units[0].marker);
  EXPECT_TRUE(units[1].marker);
  EXPECT_TRUE(units[2].marker);
}

TEST(H265Payloader, IntervalInSecondsWaitsForTheInterval) {
  Harness h(1);
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::cra()}), kSecond / 2);       // too soon
  h.push(test::annexb({test::cra()}), kSecond + 10);      // due
  h.push(test::annexb({test::cra()}), 3 * kSecond / 2);   // too soon
  h.push(test::annexb({test::trail()}), 5 * kSecond);     // due, but not a keyframe
  h.push(test::annexb({test::cra()}), 5 * kSecond + 10);  // due
  EXPECT_EQ(h.types(), seq({kPs, {19, 21}, kPs, {21, 21, 1}, kPs, {21}}));
}

TEST(H265Payloader, KeyframeHintFromUpstreamCounts) {
  Harness h(-1);
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::trail()}), kFrame, true, /*key_hint=*/true);
  EXPECT_EQ(h.types(), seq({kPs, {19}, kPs, {1}}));
}

TEST(H265Payloader, RequestHeadersResendsBeforeTheNextAccessUnit) {
  Harness h(0);
  h.push(test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}), 0);
  h.push(test::annexb({test::trail()}), kFrame);
  h.pay.request_headers();
  h.push(test::annexb({test::trail()}), 2 * kFrame);
  h.push(test::annexb({test::trail()}), 3 * kFrame);
  EXPECT_EQ(h.types(), seq({kPs, {19, 1}, kPs, {1, 1}}));
  EXPECT_EQ(h.pay.stats().param_set_insertions, 1u);
}

TEST(H265Payloader, HvcInputUsesCodecDataForLengthsAndParameterSets) {
  Harness h(-1);
  h.pay.set_input_format(InputFormat::kHvc);
  ASSERT_TRUE(h.pay.set_hvcc_codec_data(test::h265parse_hvcc()));
  EXPECT_TRUE(h.pay.take_caps_changed());
  const Bytes slice = test::idr(300);
  EXPECT_TRUE(h.push(test::hvc({slice}), 0));
  EXPECT_TRUE(
      test::SameUnits(test::unit_data(h.units()), {test::vps(), test::sps(), test::pps(), slice}));
}

TEST(H265Payloader, TwoByteLengthsFromCodecData) {
  Harness h;
  h.pay.set_input_format(InputFormat::kHvc);
  Bytes cd = test::h265parse_hvcc();
  cd[21] = static_cast<std::uint8_t>((cd[21] & 0xfc) | 1);
  ASSERT_TRUE(h.pay.set_hvcc_codec_data(cd));
  const Bytes slice = test::idr(30);
  EXPECT_TRUE(h.push(test::cat({test::bytes({0, 30}), slice}), 0));
  EXPECT_TRUE(test::SameUnits(test::unit_data(h.units()), {slice}));
}

TEST(H265Payloader, MalformedHvcCodecDataIsRejected) {
  Harness h;
  EXPECT_FALSE(h.pay.set_hvcc_codec_data(test::bytes({1, 2, 3})));
}

TEST(H265Payloader, LengthOverrunSendsGoodUnitsAndCounts) {
  Harness h;
  h.pay.set_input_format(InputFormat::kHvc);
  const Bytes good = test::idr(30);
  const Bytes data = test::cat({test::hvc({good}), test::bytes({0, 0, 1, 0, 0x26, 0x01})});
  EXPECT_FALSE(h.push(data, 0));
  EXPECT_EQ(h.pay.stats().malformed_buffers, 1u);
  EXPECT_TRUE(test::SameUnits(test::unit_data(h.units()), {good}));
}

TEST(H265Payloader, EmptyBufferIsCountedAsMalformed) {
  Harness h;
  EXPECT_FALSE(h.push(Bytes{}, 0));
  EXPECT_EQ(h.pay.stats().malformed_buffers, 1u);
  EXPECT_TRUE(h.sink.packets.empty());
}

TEST(H265Payloader, UnitsRtpCannotCarryAreDropped) {
  Harness h;
  // Types 48..50 would read as AP/FU/PACI at the receiver; 63 is reserved;
  // a one-byte unit has no full header.
  h.push(test::annexb({test::nal(48, 10), test::nal(50, 10), test::nal(63, 10), test::bytes({0x26}),
                       test::idr()}),
         0);
  EXPECT_EQ(h.pay.stats().dropped_units, 4u);
  EXPECT_EQ(h.types(), (std::vector<unsigned>{19}));
}

TEST(H265Payloader, MaxAggregatesTheWholeAccessUnitAtItsEnd) {
  Harness h(0, AggregateMode::kMax);
  h.push(test::annexb(
             {test::vps(), test::sps(), test::pps(), test::idr(100, true), test::idr(100, false)}),
         0);
  ASSERT_EQ(h.sink.packets.size(), 1u);
  EXPECT_EQ(test::type_of(h.sink.packets[0].payload), 48u);
  EXPECT_TRUE(h.sink.packets[0].marker);
  EXPECT_EQ(h.types(), seq({kPs, {19, 19}}));
}

TEST(H265Payloader, ZeroLatencyBundlesParameterSetsWithTheSlice) {
  Harness h(0, AggregateMode::kZeroLatency);
  h.push(test::annexb(
             {test::vps(), test::sps(), test::pps(), test::idr(100, true), test::idr(50, false)}),
         0);
  ASSERT_EQ(h.sink.packets.size(), 2u);
  const auto units = h.units();
  EXPECT_EQ(units[0].packet_type, 48u);
  EXPECT_EQ(units[3].packet_type, 48u);  // the first slice shares the AP
  EXPECT_EQ(units[4].packet_type, 19u);
  EXPECT_FALSE(h.sink.packets[0].marker);
  EXPECT_TRUE(h.sink.packets[1].marker);
}

TEST(H265Payloader, NalAlignedUnitWaitsForWhatFollowsToKnowItsMarker) {
  Harness h;
  h.push(test::annexb({test::idr(40, true)}), 0, false);
  EXPECT_TRUE(h.sink.packets.empty());  // might still be the last unit of the AU
  h.push(test::annexb({test::idr(40, false)}), 0, false);
  EXPECT_EQ(h.sink.packets.size(), 1u);
  h.pay.flush(h.sink);
  ASSERT_EQ(h.sink.packets.size(), 2u);
  EXPECT_FALSE(h.sink.packets[0].marker);
  EXPECT_TRUE(h.sink.packets[1].marker);
}

TEST(H265Payloader, ResetForgetsTheHeldUnit) {
  Harness h;
  h.push(test::annexb({test::idr(40, true)}), 0, false);
  h.pay.reset();
  h.pay.flush(h.sink);
  EXPECT_TRUE(h.sink.packets.empty());
}

}  // namespace
}  // namespace srtcore::rtp::h265
