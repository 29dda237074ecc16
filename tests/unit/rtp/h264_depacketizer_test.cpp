#include <gtest/gtest.h>

#include "rtp/h264_depacketizer.hpp"
#include "test_util.hpp"

namespace srtcore::rtp::h264 {
namespace {

using test::bytes;
using test::Bytes;

struct Got {
  Bytes data;
  std::uint32_t ts;
  std::optional<std::uint16_t> don;
  bool last;
};

struct Harness {
  explicit Harness(PacketizationMode mode = PacketizationMode::kNonInterleaved,
                   std::size_t max_fu = 1 << 20)
      : d(mode, max_fu) {}
  DepayResult push(const Bytes &payload, std::uint32_t ts = 1000, bool lost = false) {
    return d.push(payload, ts, lost, [this](const RecoveredNal &n) {
      got.push_back(
          Got{Bytes(n.data.begin(), n.data.end()), n.rtp_timestamp, n.don, n.last_of_packet});
    });
  }
  std::vector<Bytes> datas() const {
    std::vector<Bytes> v;
    for (const Got &g : got) v.push_back(g.data);
    return v;
  }
  Depacketizer d;
  std::vector<Got> got;
};

Bytes fu(std::uint8_t indicator, std::uint8_t header, const Bytes &data) {
  return test::cat({bytes({indicator, header}), data});
}

TEST(Depacketizer, SingleNalUnit) {
  Harness h;
  const Bytes n = test::idr(30);
  EXPECT_EQ(h.push(n, 1234), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 1u);
  EXPECT_EQ(h.got[0].data, n);
  EXPECT_EQ(h.got[0].ts, 1234u);
  EXPECT_FALSE(h.got[0].don);
  EXPECT_TRUE(h.got[0].last);
  EXPECT_EQ(h.d.stats().nal_units, 1u);
}

TEST(Depacketizer, StapA) {
  Harness h;
  const Bytes pkt = test::cat(
      {bytes({0x78, 0, 9}), test::sps(), bytes({0, 4}), test::pps(), bytes({0, 2}), test::aud()});
  EXPECT_EQ(h.push(pkt), DepayResult::kOk);
  EXPECT_EQ(h.datas(), (std::vector<Bytes>{test::sps(), test::pps(), test::aud()}));
  EXPECT_FALSE(h.got[0].last);
  EXPECT_FALSE(h.got[1].last);
  EXPECT_TRUE(h.got[2].last);
}

TEST(Depacketizer, FuAReassembly) {
  Harness h;
  const Bytes n = test::idr(25);
  const Bytes body(n.begin() + 1, n.end());
  EXPECT_EQ(h.push(fu(0x7c, 0x85, Bytes(body.begin(), body.begin() + 10))),
            DepayResult::kIncomplete);
  EXPECT_TRUE(h.d.fu_pending());
  EXPECT_EQ(h.push(fu(0x7c, 0x05, Bytes(body.begin() + 10, body.begin() + 20))),
            DepayResult::kIncomplete);
  EXPECT_EQ(h.push(fu(0x7c, 0x45, Bytes(body.begin() + 20, body.end()))), DepayResult::kOk);
  EXPECT_FALSE(h.d.fu_pending());
  EXPECT_EQ(h.datas(), std::vector<Bytes>{n});
  EXPECT_TRUE(h.got[0].last);
}

TEST(Depacketizer, FuAHeaderRebuiltFromIndicatorAndFuHeader) {
  Harness h;
  h.push(fu(0xfc, 0x81, bytes({1, 2})));  // F=1 NRI=3, type 1
  h.push(fu(0xfc, 0x41, bytes({3})));
  EXPECT_EQ(h.datas(), std::vector<Bytes>{bytes({0xe1, 1, 2, 3})});
}

// Each malformed payload, in a mode where its type is otherwise allowed.
struct BadCase {
  const char *name;
  PacketizationMode mode;
  Bytes payload;
  std::uint64_t DepacketizerStats::*counter;
};

TEST(Depacketizer, MalformedPayloadsDroppedAndCounted) {
  using S = DepacketizerStats;
  const auto m1 = PacketizationMode::kNonInterleaved;
  const auto m2 = PacketizationMode::kInterleaved;
  const BadCase cases[] = {
      {"empty", m1, {}, &S::dropped_empty},
      {"type 0", m1, bytes({0x00, 1, 2}), &S::dropped_reserved_type},
      {"type 30", m1, bytes({0x1e, 1, 2}), &S::dropped_reserved_type},
      {"type 31", m1, bytes({0x1f, 1, 2}), &S::dropped_reserved_type},
      {"stap-a header only", m1, bytes({0x18}), &S::dropped_truncated},
      {"stap-a length overrun", m1, bytes({0x18, 0, 5, 0x41, 1}), &S::dropped_bad_aggregate},
      {"stap-a second length overrun", m1, bytes({0x18, 0, 1, 0x41, 0, 9, 0x41}),
       &S::dropped_bad_aggregate},
      {"stap-a zero length", m1, bytes({0x18, 0, 0, 0, 1, 0x41}), &S::dropped_bad_aggregate},
      {"stap-a half length field", m1, bytes({0x18, 0, 1, 0x41, 0}), &S::dropped_bad_aggregate},
      {"stap-a nested stap", m1, bytes({0x18, 0, 2, 0x18, 1}), &S::dropped_bad_aggregate},
      {"stap-b truncated", m2, bytes({0x19, 0, 1, 0}), &S::dropped_truncated},
      {"stap-b overrun", m2, bytes({0x19, 0, 1, 0, 7, 0x41}), &S::dropped_bad_aggregate},
      {"mtap16 truncated", m2, bytes({0x1a, 0, 1, 0, 4, 0, 0, 0}), &S::dropped_truncated},
      {"mtap16 unit without nal", m2, bytes({0x1a, 0, 1, 0, 3, 0, 0, 0, 0x41}),
       &S::dropped_bad_aggregate},
      {"mtap16 overrun", m2, bytes({0x1a, 0, 1, 0, 9, 0, 0, 0, 0x41}), &S::dropped_bad_aggregate},
      {"mtap24 overrun", m2, bytes({0x1b, 0, 1, 0, 9, 0, 0, 0, 0, 0x41}),
       &S::dropped_bad_aggregate},
      {"fu-a truncated", m1, bytes({0x7c}), &S::dropped_truncated},
      {"fu-a start and end", m1, bytes({0x7c, 0xc5, 1}), &S::dropped_fu_start_and_end},
      {"fu-a without start", m1, bytes({0x7c, 0x05, 1}), &S::dropped_fu_without_start},
      {"fu-a end without start", m1, bytes({0x7c, 0x45, 1}), &S::dropped_fu_without_start},
      {"fu-a reserved inner type", m1, bytes({0x7c, 0x9e, 1}), &S::dropped_reserved_type},
      {"fu-a inner stap", m1, bytes({0x7c, 0x98, 1}), &S::dropped_reserved_type},
      {"fu-b truncated", m2, bytes({0x1d, 0x85, 0}), &S::dropped_truncated},
      {"fu-b not first", m2, bytes({0x1d, 0x05, 0, 1, 9}), &S::dropped_fu_without_start},
      {"fu-b start and end", m2, bytes({0x1d, 0xc5, 0, 1, 9}), &S::dropped_fu_start_and_end},
      // Packetization-mode rules (modes 0 and 1 behave alike: see below).
      {"single nal in mode 2", m2, test::idr(), &S::dropped_wrong_mode},
      {"stap-a in mode 2", m2, bytes({0x18, 0, 1, 0x41}), &S::dropped_wrong_mode},
      {"fu-a start in mode 2", m2, bytes({0x7c, 0x85, 1}), &S::dropped_wrong_mode},
      {"stap-b in mode 1", m1, bytes({0x19, 0, 1, 0, 1, 0x41}), &S::dropped_wrong_mode},
      {"mtap16 in mode 1", m1, bytes({0x1a, 0, 1, 0, 4, 0, 0, 0, 0x41}), &S::dropped_wrong_mode},
      {"mtap24 in mode 1", m1, bytes({0x1b, 0, 1, 0, 5, 0, 0, 0, 0, 0x41}), &S::dropped_wrong_mode},
      {"fu-b in mode 1", m1, bytes({0x1d, 0x85, 0, 1, 9}), &S::dropped_wrong_mode},
      {"stap-b in mode 0", PacketizationMode::kSingleNal, bytes({0x19, 0, 1, 0, 1, 0x41}),
       &S::dropped_wrong_mode},
  };
  for (const BadCase &c : cases) {
    Harness h(c.mode);
    EXPECT_EQ(h.push(c.payload), DepayResult::kDropped) << c.name;
    EXPECT_TRUE(h.got.empty()) << c.name;
    EXPECT_EQ(h.d.stats().*c.counter, 1u) << c.name;
    EXPECT_EQ(h.d.stats().malformed(), 1u) << c.name;
    EXPECT_EQ(h.d.stats().nal_units, 0u) << c.name;
  }
}

TEST(Depacketizer, ModeZeroAcceptsModeOneStructures) {
  // Many senders use FU-A/STAP-A without signalling packetization-mode=1.
  Harness h(PacketizationMode::kSingleNal);
  EXPECT_EQ(h.push(bytes({0x18, 0, 1, 0x09, 0, 2, 0x41, 0x9a})), DepayResult::kOk);
  h.push(fu(0x7c, 0x85, bytes({1})));
  EXPECT_EQ(h.push(fu(0x7c, 0x45, bytes({2}))), DepayResult::kOk);
  EXPECT_EQ(h.got.size(), 3u);
}

TEST(Depacketizer, FuLostBeforeIsDroppedNeverOutput) {
  Harness h;
  h.push(fu(0x7c, 0x85, bytes({1, 2})));
  // Middle fragment lost: the end arrives with a gap flagged.
  EXPECT_EQ(h.push(fu(0x7c, 0x45, bytes({5, 6})), 1000, true), DepayResult::kDropped);
  EXPECT_TRUE(h.got.empty());
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 1u);
  EXPECT_EQ(h.d.stats().dropped_fu_without_start, 1u);
  // The next unit comes through.
  EXPECT_EQ(h.push(test::slice()), DepayResult::kOk);
  EXPECT_EQ(h.datas(), std::vector<Bytes>{test::slice()});
}

TEST(Depacketizer, NewFuStartWhileActiveAbandonsOld) {
  Harness h;
  h.push(fu(0x7c, 0x85, bytes({1, 2})));
  EXPECT_EQ(h.push(fu(0x7c, 0x81, bytes({7}))), DepayResult::kIncomplete);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 1u);
  EXPECT_EQ(h.push(fu(0x7c, 0x41, bytes({8}))), DepayResult::kOk);
  EXPECT_EQ(h.datas(), std::vector<Bytes>{bytes({0x61, 7, 8})});
}

TEST(Depacketizer, NonFuPacketDuringFuAbandonsIt) {
  Harness h;
  h.push(fu(0x7c, 0x85, bytes({1, 2})));
  EXPECT_EQ(h.push(test::slice()), DepayResult::kOk);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 1u);
  EXPECT_EQ(h.push(fu(0x7c, 0x45, bytes({3}))), DepayResult::kDropped);
  EXPECT_EQ(h.datas(), std::vector<Bytes>{test::slice()});
}

TEST(Depacketizer, FuTimestampOrTypeChangeIsNotAContinuation) {
  Harness h;
  h.push(fu(0x7c, 0x85, bytes({1})), 1000);
  EXPECT_EQ(h.push(fu(0x7c, 0x45, bytes({2})), 4000), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 1u);
  h.push(fu(0x7c, 0x85, bytes({1})), 5000);
  EXPECT_EQ(h.push(fu(0x7c, 0x41, bytes({2})), 5000), DepayResult::kDropped);
  EXPECT_TRUE(h.got.empty());
}

TEST(Depacketizer, MaxFuSizeDropsAndIgnoresRest) {
  Harness h(PacketizationMode::kNonInterleaved, 10);
  EXPECT_EQ(h.push(fu(0x7c, 0x85, Bytes(5, 0x11))), DepayResult::kIncomplete);  // 6 bytes
  EXPECT_EQ(h.push(fu(0x7c, 0x05, Bytes(5, 0x22))), DepayResult::kDropped);     // 11 > 10
  EXPECT_EQ(h.d.stats().dropped_fu_too_large, 1u);
  EXPECT_EQ(h.push(fu(0x7c, 0x05, Bytes(5, 0x33))), DepayResult::kDropped);
  EXPECT_EQ(h.push(fu(0x7c, 0x45, Bytes(1, 0x44))), DepayResult::kDropped);
  EXPECT_TRUE(h.got.empty());
  EXPECT_EQ(h.d.stats().dropped_fu_too_large, 1u);  // counted once
  EXPECT_EQ(h.d.stats().dropped_fu_without_start, 0u);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 0u);
  // A unit of exactly the limit passes.
  h.push(fu(0x7c, 0x85, Bytes(5, 0x11)));
  EXPECT_EQ(h.push(fu(0x7c, 0x45, Bytes(4, 0x22))), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 1u);
  EXPECT_EQ(h.got[0].data.size(), 10u);
}

TEST(Depacketizer, StapBCarriesDonPerUnit) {
  Harness h(PacketizationMode::kInterleaved);
  const Bytes pkt =
      test::cat({bytes({0x19, 0xff, 0xff, 0, 2}), test::aud(), bytes({0, 4}), test::pps()});
  EXPECT_EQ(h.push(pkt, 500), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 2u);
  EXPECT_EQ(h.got[0].don, 0xffff);
  EXPECT_EQ(h.got[1].don, 0);  // DON wraps
  EXPECT_EQ(h.got[1].data, test::pps());
  EXPECT_EQ(h.got[1].ts, 500u);
}

TEST(Depacketizer, Mtap16And24TimestampsAndDons) {
  Harness h(PacketizationMode::kInterleaved);
  // DONB 10; unit 1: DOND 2, TS offset 3000; unit 2: DOND 0, offset 0
  const Bytes m16 = test::cat({bytes({0x1a, 0, 10, 0, 5, 2, 0x0b, 0xb8}), test::aud(),
                               bytes({0, 7, 0, 0, 0}), test::pps()});
  EXPECT_EQ(h.push(m16, 90000), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 2u);
  EXPECT_EQ(h.got[0].don, 12);
  EXPECT_EQ(h.got[0].ts, 93000u);
  EXPECT_EQ(h.got[0].data, test::aud());
  EXPECT_EQ(h.got[1].don, 10);
  EXPECT_EQ(h.got[1].ts, 90000u);
  EXPECT_TRUE(h.got[1].last);
  h.got.clear();
  // MTAP24: 24-bit offset 0x010000, DONB 0xfffe + DOND 3 wraps to 1
  const Bytes m24 = test::cat({bytes({0x1b, 0xff, 0xfe, 0, 6, 3, 1, 0, 0}), test::aud()});
  EXPECT_EQ(h.push(m24, 0xffffffff), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 1u);
  EXPECT_EQ(h.got[0].don, 1);
  EXPECT_EQ(h.got[0].ts, 0xffffu);  // timestamp arithmetic wraps too
}

TEST(Depacketizer, FuBThenFuACarriesDon) {
  Harness h(PacketizationMode::kInterleaved);
  EXPECT_EQ(h.push(bytes({0x7d, 0x85, 0x12, 0x34, 1, 2})), DepayResult::kIncomplete);
  EXPECT_EQ(h.push(bytes({0x7c, 0x45, 3})), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 1u);
  EXPECT_EQ(h.got[0].data, bytes({0x65, 1, 2, 3}));
  EXPECT_EQ(h.got[0].don, 0x1234);
}

TEST(Depacketizer, ResetForgetsFu) {
  Harness h;
  h.push(fu(0x7c, 0x85, bytes({1})));
  h.d.reset();
  EXPECT_FALSE(h.d.fu_pending());
  EXPECT_EQ(h.push(fu(0x7c, 0x45, bytes({2}))), DepayResult::kDropped);
}

}  // namespace
}  // namespace srtcore::rtp::h264
