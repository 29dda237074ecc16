// The shared NAL-video core (srt-core/rtp/nal_*) on its own: rules it decides
// once for every codec, with H.264 traits, and a third codec's traits written
// here (an H.266-like two-byte header with the type in the second byte) to
// show that the core takes its header layout only from the traits.
#include <gtest/gtest.h>

#include <algorithm>

#include "rtp/h264_depayloader.hpp"
#include "rtp/h264_payloader.hpp"
#include "rtp/nal_depacketizer_impl.hpp"
#include "rtp/nal_packetizer_impl.hpp"
#include "test_util.hpp"

namespace srtcore::rtp {
namespace {

using test::Bytes;
using test::bytes;
using test::VectorSink;

// RFC 9328 layout: F(1) Z(1) LayerId(6) | Type(5) TID(3); AP 28, FU 29.
struct VvcLikeTraits {
  static constexpr std::size_t kHeaderSize = 2;
  static constexpr std::uint8_t kAggregateType = 28;
  static constexpr std::uint8_t kFuType = 29;
  static constexpr std::uint8_t kFuTypeMask = 0x1f;
  static constexpr std::uint8_t kFirstPayloadType = 28;
  static std::uint8_t type(const std::uint8_t *hdr) { return hdr[1] >> 3; }
  static void with_type(const std::uint8_t *hdr, std::uint8_t t, std::uint8_t *out) {
    out[0] = hdr[0];
    out[1] = static_cast<std::uint8_t>((t << 3) | (hdr[1] & 0x07));
  }
  static bool valid_unit_type(std::uint8_t t) { return t < kFirstPayloadType; }
  static bool valid_unit(ByteSpan nal) { return nal.size() >= 2 && valid_unit_type(nal[1] >> 3); }
  class AggregateHeader {
   public:
    void add(const std::uint8_t *hdr) {
      layer_ = std::min<std::uint8_t>(layer_, hdr[0] & 0x3f);
      tid_ = std::min<std::uint8_t>(tid_, hdr[1] & 0x07);
    }
    void write(std::uint8_t *out) const {
      out[0] = layer_;
      out[1] = static_cast<std::uint8_t>((kAggregateType << 3) | tid_);
    }

   private:
    std::uint8_t layer_ = 0x3f, tid_ = 0x07;
  };
  static bool closes_zero_latency_bundle(std::uint8_t t) { return t < 12; }
};

class VvcLikeDepacketizer : public nal::Depacketizer<VvcLikeTraits, VvcLikeDepacketizer> {
 public:
  VvcLikeDepacketizer() : nal::Depacketizer<VvcLikeTraits, VvcLikeDepacketizer>(1 << 20) {}

 private:
  friend class nal::Depacketizer<VvcLikeTraits, VvcLikeDepacketizer>;
  nal::DepayResult parse(ByteSpan payload, std::uint32_t ts) {
    if (payload.size() < 2) return drop(stats_.dropped_truncated);
    const std::uint8_t type = VvcLikeTraits::type(payload.data());
    if (type != VvcLikeTraits::kFuType) abandon_fu();
    if (type == VvcLikeTraits::kAggregateType)
      return parse_aggregate(payload, ts, 2, std::nullopt, false);
    if (type == VvcLikeTraits::kFuType) return parse_fu(payload, ts, 0);
    emit(payload, ts, std::nullopt);
    return nal::DepayResult::kOk;
  }
};

// Type in the second byte, layer 5, TID 2.
Bytes vvc_unit(std::uint8_t type, std::size_t size, std::uint8_t seed) {
  Bytes b = test::nal(0, size, seed);
  b[0] = 5;
  b[1] = static_cast<std::uint8_t>((type << 3) | 2);
  return b;
}

std::vector<Bytes> depacketize(VvcLikeDepacketizer &d, const std::vector<test::Packet> &pkts) {
  std::vector<Bytes> units;
  for (const auto &p : pkts)
    d.push(p.payload, 90, false,
           [&](const nal::RecoveredNal &n) { units.emplace_back(n.data.begin(), n.data.end()); });
  return units;
}

TEST(NalCore, ThirdCodecTraitsFragmentAndReassemble) {
  nal::Packetizer<VvcLikeTraits> p(100, nal::AggregateMode::kNone);
  VectorSink sink;
  const Bytes unit = vvc_unit(7, 250, 3);
  p.push(unit, true, sink);
  ASSERT_EQ(sink.packets.size(), 3u);
  // FU payload header: the unit's header with type 29 in the second byte;
  // FU header: S and the unit's type.
  EXPECT_EQ(sink.packets[0].payload[0], 5);
  EXPECT_EQ(sink.packets[0].payload[1], (29 << 3) | 2);
  EXPECT_EQ(sink.packets[0].payload[2], 0x80 | 7);
  EXPECT_EQ(sink.packets[2].payload[2], 0x40 | 7);
  EXPECT_TRUE(sink.packets[2].marker);
  VvcLikeDepacketizer d;
  EXPECT_EQ(depacketize(d, sink.packets), std::vector<Bytes>{unit});
}

TEST(NalCore, ThirdCodecTraitsAggregate) {
  nal::Packetizer<VvcLikeTraits> p(1000, nal::AggregateMode::kMax);
  VectorSink sink;
  const Bytes a = vvc_unit(15, 20, 1), b = vvc_unit(16, 30, 2), c = vvc_unit(7, 40, 3);
  p.push(a, false, sink);
  p.push(b, false, sink);
  p.push(c, true, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(sink.packets[0].payload[1], (28 << 3) | 2);  // AP, the units' lowest TID
  EXPECT_EQ(sink.packets[0].payload.size(), 2 + 3 * 2 + 20 + 30 + 40u);
  VvcLikeDepacketizer d;
  EXPECT_EQ(depacketize(d, sink.packets), (std::vector<Bytes>{a, b, c}));
}

TEST(NalCore, HeldUnitsGoBeforeAUnitTooLongForAnAggregate) {
  // A unit over the 16-bit aggregate length still fits a (jumbo) packet: it
  // goes alone, after what was held, so that the order of units is kept.
  h264::Packetizer p(100000, h264::AggregateMode::kMaxStap);
  VectorSink sink;
  const Bytes big = test::idr(70000);
  p.push(test::sps(), false, sink);
  p.push(big, true, sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_EQ(sink.packets[0].payload, test::sps());
  EXPECT_FALSE(sink.packets[0].marker);
  EXPECT_EQ(sink.packets[1].payload, big);
  EXPECT_TRUE(sink.packets[1].marker);
}

TEST(NalCore, PayloaderDropsUnitsOfThePayloadFormatsOwnTypes) {
  // An input unit of type 24 would be read as a STAP-A by every receiver.
  h264::Payloader pay(h264::PayloaderConfig{});
  VectorSink sink;
  const Bytes stap_like = test::nal(0x78, 20);
  EXPECT_TRUE(pay.push(test::annexb({stap_like, test::idr()}), true, 0, true, sink));
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(sink.packets[0].payload, test::idr());
  EXPECT_EQ(pay.stats().dropped_units, 1u);
  EXPECT_EQ(pay.stats().nal_units, 1u);
}

TEST(NalCore, ParameterSetKindsAndOrder) {
  h264::ParameterSets ps;
  EXPECT_EQ(ps.kinds(), 0u);
  EXPECT_TRUE(ps.update(test::pps()));
  EXPECT_EQ(ps.kinds(), 2u);
  EXPECT_TRUE(ps.update(test::sps()));
  EXPECT_FALSE(ps.update(test::sps()));  // the same set again changes nothing
  EXPECT_EQ(ps.kinds(), 3u);
  std::vector<Bytes> order;
  ps.for_each([&](ByteSpan n) { order.emplace_back(n.begin(), n.end()); });
  EXPECT_EQ(order, (std::vector<Bytes>{test::sps(), test::pps()}));
}

TEST(NalCore, ParameterSetsOutputAloneAreNotDeltaUnits) {
  // alignment=nal: in-band SPS and PPS before an IDR are buffers a decoder
  // can start from, for H.264 as for H.265.
  h264::DepayloaderConfig cfg;
  cfg.alignment = h264::Alignment::kNal;
  h264::Depayloader d(cfg);
  std::vector<bool> keyframes;
  auto collect = [&](const h264::DepayOutput &o) { keyframes.push_back(o.keyframe); };
  d.push(test::sps(), 1000, false, false, collect);
  d.push(test::pps(), 1000, false, false, collect);
  d.push(test::idr(), 1000, true, false, collect);
  EXPECT_EQ(keyframes, (std::vector<bool>{true, true, true}));
}

}  // namespace
}  // namespace srtcore::rtp
