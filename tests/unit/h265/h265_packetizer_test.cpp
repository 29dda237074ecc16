#include <gtest/gtest.h>

#include "h265_test_util.hpp"
#include "rtp/h265_nal.hpp"
#include "rtp/h265_packetizer.hpp"

namespace srtcore::rtp::h265 {
namespace {

using test::Bytes;
using test::VectorSink;

TEST(H265Packetizer, UnitOfExactlyMaxPayloadIsOneSinglePacket) {
  Packetizer p(100, AggregateMode::kNone);
  VectorSink sink;
  const Bytes n = test::idr(100);
  p.push(n, true, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(sink.packets[0].payload, n);
  EXPECT_TRUE(sink.packets[0].marker);
}

TEST(H265Packetizer, OneByteMoreIsFragmented) {
  Packetizer p(100, AggregateMode::kNone);
  VectorSink sink;
  const Bytes n = test::idr(101);
  p.push(n, true, sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  // 99 body bytes: 97 in the first FU (100 - 3 header bytes), 2 in the second.
  EXPECT_EQ(sink.packets[0].payload.size(), 100u);
  EXPECT_EQ(sink.packets[1].payload.size(), 5u);
  EXPECT_EQ(test::type_of(sink.packets[0].payload), 49u);
  EXPECT_EQ(sink.packets[0].payload[2], 0x80 | 19);  // S, type IDR_W_RADL
  EXPECT_EQ(sink.packets[1].payload[2], 0x40 | 19);  // E
  EXPECT_FALSE(sink.packets[0].marker);
  EXPECT_TRUE(sink.packets[1].marker);
  EXPECT_TRUE(test::SameUnits(test::unit_data(test::unpack(sink.packets)), {n}));
}

TEST(H265Packetizer, FuPayloadHeaderCopiesFLayerIdAndTid) {
  Packetizer p(20, AggregateMode::kNone);
  VectorSink sink;
  Bytes n = test::nal(1, 50, 3, /*layer=*/37, /*tid=*/5);
  n[0] |= 0x80;  // F
  p.push(n, false, sink);
  ASSERT_EQ(sink.packets.size(), 3u);  // 48 body bytes in chunks of 17
  for (std::size_t i = 0; i < sink.packets.size(); ++i) {
    const Bytes &pl = sink.packets[i].payload;
    EXPECT_EQ(pl[0], 0x80 | (49 << 1) | 1) << i;    // F, type 49, LayerId MSB
    EXPECT_EQ(pl[1], ((37 & 0x1f) << 3) | 5) << i;  // LayerId low bits, TID
    EXPECT_EQ(pl[2] & 0x3f, 1) << i;
    EXPECT_EQ((pl[2] & 0x80) != 0, i == 0) << i;
    EXPECT_EQ((pl[2] & 0x40) != 0, i == 2) << i;
    EXPECT_FALSE(sink.packets[i].marker);
  }
  EXPECT_TRUE(test::SameUnits(test::unit_data(test::unpack(sink.packets)), {n}));
}

TEST(H265Packetizer, TinyMaxPayloadStillMakesProgress) {
  Packetizer p(1, AggregateMode::kMax);  // raised to the 4-byte minimum
  EXPECT_EQ(p.max_payload(), 4u);
  VectorSink sink;
  const Bytes n = test::idr(9);
  p.push(n, true, sink);
  EXPECT_EQ(sink.packets.size(), 7u);  // one body byte per FU
  for (const auto &pk : sink.packets) EXPECT_LE(pk.payload.size(), 4u);
  EXPECT_TRUE(test::SameUnits(test::unit_data(test::unpack(sink.packets)), {n}));
}

TEST(H265Packetizer, HeaderOnlyUnitsTravelAsSinglePackets) {
  Packetizer p(100, AggregateMode::kNone);
  VectorSink sink;
  const Bytes eos = test::header(36);
  p.push(eos, true, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(sink.packets[0].payload, eos);
}

TEST(H265Packetizer, EmptyAndOneByteUnitsAreIgnoredButEndTheAccessUnit) {
  Packetizer p(100, AggregateMode::kMax);
  VectorSink sink;
  p.push(test::vps(), false, sink);
  p.push(test::sps(), false, sink);
  p.push(Bytes{}, false, sink);
  p.push(Bytes{0x02}, false, sink);
  EXPECT_TRUE(sink.packets.empty());
  p.push(Bytes{}, true, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_TRUE(sink.packets[0].marker);
  EXPECT_TRUE(
      test::SameUnits(test::unit_data(test::unpack(sink.packets)), {test::vps(), test::sps()}));
}

TEST(H265Packetizer, NoneNeverAggregates) {
  Packetizer p(1000, AggregateMode::kNone);
  VectorSink sink;
  for (const Bytes &n : {test::vps(), test::sps(), test::pps()}) p.push(n, false, sink);
  p.push(test::idr(), true, sink);
  ASSERT_EQ(sink.packets.size(), 4u);
  for (const auto &pk : sink.packets) EXPECT_NE(test::type_of(pk.payload), 48u);
}

TEST(H265Packetizer, ApHeaderTakesLowestLayerIdAndTidAndOrOfF) {
  Packetizer p(1000, AggregateMode::kMax);
  VectorSink sink;
  const Bytes a = test::nal(39, 10, 1, /*layer=*/9, /*tid=*/4);
  Bytes b = test::nal(39, 12, 2, /*layer=*/3, /*tid=*/6);
  b[0] |= 0x80;  // neither the first nor the last unit carries F
  const Bytes c = test::nal(39, 14, 3, /*layer=*/40, /*tid=*/2);
  p.push(a, false, sink);
  p.push(b, false, sink);
  p.push(c, true, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  const Bytes &pl = sink.packets[0].payload;
  EXPECT_EQ(test::type_of(pl), 48u);
  EXPECT_EQ(layer_id(pl[0], pl[1]), 3);
  EXPECT_EQ(tid(pl[1]), 2);
  EXPECT_TRUE(forbidden_bit(pl[0]));
  EXPECT_EQ(pl.size(), 2u + 3 * 2 + 10 + 12 + 14);
  EXPECT_TRUE(sink.packets[0].marker);
  EXPECT_TRUE(test::SameUnits(test::unit_data(test::unpack(sink.packets)), {a, b, c}));
}

TEST(H265Packetizer, ApOfHighLayerUnitsKeepsTheLayerMsb) {
  Packetizer p(1000, AggregateMode::kMax);
  VectorSink sink;
  p.push(test::nal(39, 8, 1, 33, 3), false, sink);
  p.push(test::nal(39, 8, 2, 34, 3), true, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  const Bytes &pl = sink.packets[0].payload;
  EXPECT_EQ(layer_id(pl[0], pl[1]), 33);
  EXPECT_EQ(tid(pl[1]), 3);
  EXPECT_FALSE(forbidden_bit(pl[0]));
}

TEST(H265Packetizer, MaxFillsPacketsUpToTheLimit) {
  // Two units of 20 fit in 2 + 2*(2+20) = 46 bytes; a third does not.
  Packetizer p(46, AggregateMode::kMax);
  VectorSink sink;
  const Bytes a = test::nal(39, 20, 1), b = test::nal(39, 20, 2), c = test::nal(39, 20, 3);
  p.push(a, false, sink);
  p.push(b, false, sink);
  EXPECT_TRUE(sink.packets.empty());
  p.push(c, false, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(sink.packets[0].payload.size(), 46u);
  EXPECT_FALSE(sink.packets[0].marker);
  p.flush(true, sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_EQ(sink.packets[1].payload, c);  // one held unit goes as a single packet
  EXPECT_TRUE(sink.packets[1].marker);
  EXPECT_TRUE(test::SameUnits(test::unit_data(test::unpack(sink.packets)), {a, b, c}));
}

TEST(H265Packetizer, UnitTooBigForAnApGoesAloneAfterWhatIsHeld) {
  Packetizer p(100, AggregateMode::kMax);
  VectorSink sink;
  const Bytes small = test::nal(39, 10, 1), big = test::idr(97);  // 2+2+97 > 100
  p.push(small, false, sink);
  p.push(big, true, sink);
  const auto units = test::unpack(sink.packets);
  EXPECT_TRUE(test::SameUnits(test::unit_data(units), {small, big}));
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[1].packet_type, 19u);  // 97 <= 100: single packet
  EXPECT_TRUE(sink.packets.back().marker);
}

TEST(H265Packetizer, ZeroLatencySendsOnceASliceIsIncluded) {
  Packetizer p(1000, AggregateMode::kZeroLatency);
  VectorSink sink;
  p.push(test::vps(), false, sink);
  p.push(test::sps(), false, sink);
  p.push(test::pps(), false, sink);
  EXPECT_TRUE(sink.packets.empty());
  p.push(test::idr(), false, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(test::type_of(sink.packets[0].payload), 48u);
  EXPECT_FALSE(sink.packets[0].marker);
  p.push(test::suffix_sei(), true, sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_EQ(sink.packets[1].payload, test::suffix_sei());
  EXPECT_TRUE(sink.packets[1].marker);
}

TEST(H265Packetizer, ZeroLatencyAlsoSendsAtSuffixUnits) {
  Packetizer p(1000, AggregateMode::kZeroLatency);
  VectorSink sink;
  p.push(test::prefix_sei(), false, sink);
  EXPECT_TRUE(sink.packets.empty());
  p.push(test::suffix_sei(), false, sink);
  EXPECT_EQ(sink.packets.size(), 1u);
}

TEST(H265Packetizer, ResetDropsHeldUnits) {
  Packetizer p(1000, AggregateMode::kMax);
  VectorSink sink;
  p.push(test::vps(), false, sink);
  EXPECT_TRUE(p.has_pending());
  p.reset();
  EXPECT_FALSE(p.has_pending());
  p.flush(true, sink);
  EXPECT_TRUE(sink.packets.empty());
}

}  // namespace
}  // namespace srtcore::rtp::h265
