#include <gtest/gtest.h>

#include "rtp/h264_packetizer.hpp"
#include "test_util.hpp"

namespace srtcore::rtp::h264 {
namespace {

using test::bytes;
using test::Bytes;
using test::VectorSink;

// Rebuilds the NAL unit from a run of FU-A packets.
Bytes reassemble_fu(const std::vector<test::Packet> &pkts) {
  Bytes out;
  for (const auto &p : pkts) {
    if (out.empty())
      out.push_back(static_cast<std::uint8_t>((p.payload[0] & 0xe0) | (p.payload[1] & 0x1f)));
    out.insert(out.end(), p.payload.begin() + 2, p.payload.end());
  }
  return out;
}

struct SizeCase {
  std::size_t max_payload;
  std::size_t nal_size;
  std::size_t packets;
};

TEST(Packetizer, SingleOrFuBySize) {
  const SizeCase cases[] = {
      {100, 1, 1},   {100, 99, 1}, {100, 100, 1},  // exactly max_payload: single
      {100, 101, 2},                               // one byte more: FU-A
      {100, 197, 2},  // 196 bytes after the header = two full 98-byte fragments
      {100, 198, 3}, {3, 4, 3},    {1400, 5000, 4},
  };
  for (const SizeCase &c : cases) {
    Packetizer p(c.max_payload, AggregateMode::kNone);
    VectorSink sink;
    const Bytes n = test::nal(0x65, c.nal_size);
    p.push(n, true, sink);
    ASSERT_EQ(sink.packets.size(), c.packets) << c.max_payload << "/" << c.nal_size;
    for (const auto &pkt : sink.packets) EXPECT_LE(pkt.payload.size(), c.max_payload);
    if (c.packets == 1)
      EXPECT_EQ(sink.packets[0].payload, n);
    else
      EXPECT_EQ(reassemble_fu(sink.packets), n);
    EXPECT_TRUE(sink.packets.back().marker);
  }
}

TEST(Packetizer, FuAHeaderBits) {
  Packetizer p(10, AggregateMode::kNone);
  VectorSink sink;
  const Bytes n = test::nal(0x45, 25);  // F=0 NRI=2 type=5
  p.push(n, true, sink);
  ASSERT_EQ(sink.packets.size(), 3u);  // 24 bytes in fragments of 8
  for (std::size_t i = 0; i < 3; ++i) {
    const auto &pl = sink.packets[i].payload;
    EXPECT_EQ(pl[0], 0x40 | 28) << i;             // NRI copied, type FU-A
    EXPECT_EQ(pl[1] & 0x1f, 5) << i;              // original type
    EXPECT_EQ((pl[1] & 0x80) != 0, i == 0) << i;  // S
    EXPECT_EQ((pl[1] & 0x40) != 0, i == 2) << i;  // E
    EXPECT_EQ(pl[1] & 0x20, 0) << i;              // R
    EXPECT_EQ(sink.packets[i].marker, i == 2) << i;
  }
  EXPECT_EQ(Bytes(sink.packets[0].payload.begin() + 2, sink.packets[0].payload.end()),
            Bytes(n.begin() + 1, n.begin() + 9));
}

TEST(Packetizer, ForbiddenBitCopiedToFuIndicator) {
  Packetizer p(10, AggregateMode::kNone);
  VectorSink sink;
  p.push(test::nal(0xe1, 20), false, sink);
  ASSERT_GE(sink.packets.size(), 2u);
  EXPECT_EQ(sink.packets[0].payload[0], 0xe0 | 28);
  EXPECT_FALSE(sink.packets.back().marker);
}

TEST(Packetizer, NoMarkerWithoutAuEndAndEmptyInputIgnored) {
  Packetizer p(100, AggregateMode::kNone);
  VectorSink sink;
  p.push(test::nal(0x41, 5), false, sink);
  p.push(Bytes{}, false, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_FALSE(sink.packets[0].marker);
}

TEST(Packetizer, OneByteUnits) {
  for (AggregateMode mode : {AggregateMode::kNone, AggregateMode::kMaxStap}) {
    Packetizer p(100, mode);
    VectorSink sink;
    p.push(bytes({0x09}), false, sink);
    p.push(bytes({0x0c}), true, sink);
    if (mode == AggregateMode::kNone) {
      ASSERT_EQ(sink.packets.size(), 2u);
      EXPECT_EQ(sink.packets[0].payload, bytes({0x09}));
      EXPECT_EQ(sink.packets[1].payload, bytes({0x0c}));
    } else {
      ASSERT_EQ(sink.packets.size(), 1u);
      EXPECT_EQ(sink.packets[0].payload, bytes({24, 0, 1, 0x09, 0, 1, 0x0c}));
    }
    EXPECT_TRUE(sink.packets.back().marker);
  }
}

TEST(Packetizer, ZeroLatencySendsOnceVclIncluded) {
  Packetizer p(1400, AggregateMode::kZeroLatency);
  VectorSink sink;
  const Bytes s = test::sps(), pp = test::pps(), i = test::idr(30), c = test::slice_cont(0x65, 30);
  p.push(s, false, sink);
  p.push(pp, false, sink);
  EXPECT_TRUE(sink.packets.empty());
  EXPECT_TRUE(p.has_pending());
  p.push(i, false, sink);  // VCL: the bundle goes now, without waiting for more
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_FALSE(p.has_pending());
  const Bytes stap = test::cat({bytes({0x78, 0, static_cast<int>(s.size())}), s,
                                bytes({0, static_cast<int>(pp.size())}), pp,
                                bytes({0, static_cast<int>(i.size())}), i});
  EXPECT_EQ(sink.packets[0].payload, stap);  // NRI = max of the units (3)
  EXPECT_FALSE(sink.packets[0].marker);
  p.push(c, true, sink);  // a lone VCL: single NAL packet, not a STAP of one
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_EQ(sink.packets[1].payload, c);
  EXPECT_TRUE(sink.packets[1].marker);
}

TEST(Packetizer, MaxStapAggregatesWholeAccessUnit) {
  Packetizer p(1400, AggregateMode::kMaxStap);
  VectorSink sink;
  const Bytes a = test::idr(30), b = test::slice_cont(0x65, 30), d = test::slice_cont(0x65, 20, 9);
  p.push(test::aud(), false, sink);
  p.push(a, false, sink);
  p.push(b, false, sink);
  EXPECT_TRUE(sink.packets.empty());
  p.push(d, true, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_TRUE(sink.packets[0].marker);
  const Bytes stap = test::cat(
      {bytes({0x78, 0, 2}), test::aud(), bytes({0, 30}), a, bytes({0, 30}), b, bytes({0, 20}), d});
  EXPECT_EQ(sink.packets[0].payload, stap);
}

TEST(Packetizer, MaxStapSplitsWhenFull) {
  // 1 + (2+40)*2 = 85 fits in 90; a third unit does not.
  Packetizer p(90, AggregateMode::kMaxStap);
  VectorSink sink;
  const Bytes u1 = test::slice_cont(0x41, 40, 1), u2 = test::slice_cont(0x41, 40, 2),
              u3 = test::slice_cont(0x41, 40, 3);
  p.push(u1, false, sink);
  p.push(u2, false, sink);
  p.push(u3, false, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(sink.packets[0].payload.size(), 85u);
  EXPECT_EQ(sink.packets[0].payload[0] & 0x1f, 24);
  EXPECT_FALSE(sink.packets[0].marker);
  p.flush(true, sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_EQ(sink.packets[1].payload, u3);  // one left: single NAL packet
  EXPECT_TRUE(sink.packets[1].marker);
}

// Units held under one max_payload and sent after it shrank (a later
// input's CSRCs take room): as many packets as the new one needs.
TEST(Packetizer, HeldUnitsFitAMaxPayloadThatShrank) {
  Packetizer p(200, AggregateMode::kMaxStap);
  VectorSink sink;
  const Bytes u1 = test::slice_cont(0x41, 40, 1), u2 = test::slice_cont(0x41, 40, 2),
              u3 = test::slice_cont(0x41, 100, 3);
  p.push(u1, false, sink);
  p.push(u2, false, sink);
  p.push(u3, false, sink);
  EXPECT_TRUE(sink.packets.empty());  // 1 + 42 + 42 + 102 = 187 fits in 200
  p.configure(90, AggregateMode::kMaxStap);
  p.flush(true, sink);
  // u1 and u2 in a STAP-A of 85 bytes, u3 (100 bytes) in two FU-A packets.
  ASSERT_EQ(sink.packets.size(), 3u);
  for (const auto &pkt : sink.packets) EXPECT_LE(pkt.payload.size(), 90u);
  EXPECT_EQ(sink.packets[0].payload,
            test::cat({bytes({0x58, 0, 40}), u1, bytes({0, 40}), u2}));  // NRI 2
  EXPECT_EQ(reassemble_fu({sink.packets[1], sink.packets[2]}), u3);
  EXPECT_FALSE(sink.packets[0].marker);
  EXPECT_FALSE(sink.packets[1].marker);
  EXPECT_TRUE(sink.packets[2].marker);
  EXPECT_FALSE(p.has_pending());
}

TEST(Packetizer, AggregationUnitTooBigGoesAlone) {
  Packetizer p(100, AggregateMode::kMaxStap);
  VectorSink sink;
  const Bytes small = test::sps();
  const Bytes exact = test::idr(100);  // fits as single, not in a STAP
  const Bytes big = test::idr(250);
  p.push(small, false, sink);
  p.push(exact, false, sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_EQ(sink.packets[0].payload, small);
  EXPECT_EQ(sink.packets[1].payload, exact);
  p.push(big, true, sink);
  ASSERT_EQ(sink.packets.size(), 5u);
  EXPECT_EQ(sink.packets[2].payload[0] & 0x1f, 28);
  EXPECT_TRUE(sink.packets[4].marker);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_FALSE(sink.packets[i].marker);
}

TEST(Packetizer, NoneModeNeverAggregates) {
  Packetizer p(1400, AggregateMode::kNone);
  VectorSink sink;
  p.push(test::sps(), false, sink);
  p.push(test::pps(), false, sink);
  p.push(test::idr(), true, sink);
  ASSERT_EQ(sink.packets.size(), 3u);
  EXPECT_FALSE(p.has_pending());
  EXPECT_EQ(sink.packets[0].payload, test::sps());
  EXPECT_TRUE(sink.packets[2].marker);
}

TEST(Packetizer, ResetDropsHeldUnits) {
  Packetizer p(1400, AggregateMode::kMaxStap);
  VectorSink sink;
  p.push(test::sps(), false, sink);
  EXPECT_TRUE(p.has_pending());
  p.reset();
  EXPECT_FALSE(p.has_pending());
  p.flush(true, sink);
  EXPECT_TRUE(sink.packets.empty());
}

TEST(Packetizer, TinyMaxPayloadIsClampedForFuA) {
  Packetizer p(1, AggregateMode::kNone);
  EXPECT_EQ(p.max_payload(), 3u);
  VectorSink sink;
  const Bytes n = test::nal(0x65, 6);
  p.push(n, true, sink);
  EXPECT_EQ(sink.packets.size(), 5u);
  EXPECT_EQ(reassemble_fu(sink.packets), n);
}

}  // namespace
}  // namespace srtcore::rtp::h264
