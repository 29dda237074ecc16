#include <gtest/gtest.h>

#include <optional>

#include "h265_test_util.hpp"
#include "rtp/h265_depacketizer.hpp"

namespace srtcore::rtp::h265 {
namespace {

using test::bytes;
using test::Bytes;
using test::cat;

struct Got {
  Bytes data;
  std::uint32_t ts;
  std::optional<std::uint16_t> don;
  bool last;
};

struct Harness {
  explicit Harness(bool donl = false, std::size_t max_fu = 1 << 20) : d(donl, max_fu) {}
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
  std::vector<std::uint16_t> dons() const {
    std::vector<std::uint16_t> v;
    for (const Got &g : got) v.push_back(g.don.value_or(0xffff));
    return v;
  }
  Depacketizer d;
  std::vector<Got> got;
};

Bytes be16(unsigned v) {
  return bytes({static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)});
}

// AP; with `don`, DONL before the first unit and DOND (`dond`) before the others.
Bytes ap(const std::vector<Bytes> &units, std::optional<std::uint16_t> don = std::nullopt,
         std::vector<int> dond = {}) {
  Bytes out = test::header(48);
  if (don) out = cat({out, be16(*don)});
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (don && i > 0) out.push_back(static_cast<std::uint8_t>(dond.at(i - 1)));
    out = cat({out, be16(static_cast<unsigned>(units[i].size())), units[i]});
  }
  return out;
}

// One FU fragment of `nal` covering body bytes [from, from + len).
Bytes fu(const Bytes &nal, std::size_t from, std::size_t len, bool start, bool end,
         std::optional<std::uint16_t> donl = std::nullopt) {
  Bytes out = {
      static_cast<std::uint8_t>((nal[0] & 0x81) | (49 << 1)), nal[1],
      static_cast<std::uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | test::type_of(nal))};
  if (donl) out = cat({out, be16(*donl)});
  const auto b = nal.begin() + 2 + static_cast<std::ptrdiff_t>(from);
  out.insert(out.end(), b, b + static_cast<std::ptrdiff_t>(len));
  return out;
}

// PACI around a single/AP/FU payload: its PayloadHdr is replaced by the PACI
// header, its F bit and type move into A and cType.
Bytes paci(const Bytes &inner, const Bytes &phes) {
  const unsigned phs = static_cast<unsigned>(phes.size());
  Bytes out = {
      static_cast<std::uint8_t>((50 << 1) | (inner[0] & 0x01)), inner[1],
      static_cast<std::uint8_t>((inner[0] & 0x80) | (test::type_of(inner) << 1) | (phs >> 4)),
      static_cast<std::uint8_t>((phs & 0x0f) << 4)};
  out = cat({out, phes});
  out.insert(out.end(), inner.begin() + 2, inner.end());
  return out;
}

// Single NAL unit packet with DONL between the header and the body.
Bytes single_donl(const Bytes &nal, std::uint16_t don) {
  Bytes out(nal.begin(), nal.begin() + 2);
  out = cat({out, be16(don)});
  out.insert(out.end(), nal.begin() + 2, nal.end());
  return out;
}

TEST(H265Depacketizer, SingleNalUnit) {
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

TEST(H265Depacketizer, HeaderOnlyUnitIsValid) {
  Harness h;
  EXPECT_EQ(h.push(test::header(36)), DepayResult::kOk);  // end of sequence
  EXPECT_EQ(h.datas(), std::vector<Bytes>{test::header(36)});
}

TEST(H265Depacketizer, AggregationPacket) {
  Harness h;
  EXPECT_EQ(h.push(ap({test::vps(), test::sps(), test::pps()})), DepayResult::kOk);
  EXPECT_EQ(h.datas(), (std::vector<Bytes>{test::vps(), test::sps(), test::pps()}));
  EXPECT_FALSE(h.got[0].last);
  EXPECT_TRUE(h.got[2].last);
}

TEST(H265Depacketizer, FragmentationUnitReassembly) {
  Harness h;
  const Bytes n = test::nal(1, 100, 5, /*layer=*/6, /*tid=*/3);
  EXPECT_EQ(h.push(fu(n, 0, 40, true, false)), DepayResult::kIncomplete);
  EXPECT_TRUE(h.d.fu_pending());
  EXPECT_EQ(h.push(fu(n, 40, 40, false, false)), DepayResult::kIncomplete);
  EXPECT_EQ(h.push(fu(n, 80, 18, false, true)), DepayResult::kOk);
  EXPECT_FALSE(h.d.fu_pending());
  EXPECT_EQ(h.datas(), std::vector<Bytes>{n});  // header rebuilt with LayerId and TID
}

TEST(H265Depacketizer, LossAbandonsTheFragmentationUnit) {
  Harness h;
  const Bytes n = test::idr(100);
  h.push(fu(n, 0, 40, true, false));
  EXPECT_EQ(h.push(fu(n, 80, 18, false, true), 1000, /*lost=*/true), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 1u);
  EXPECT_EQ(h.d.stats().dropped_fu_without_start, 1u);
  EXPECT_TRUE(h.got.empty());
}

TEST(H265Depacketizer, OtherPacketTypeAbandonsTheFragmentationUnit) {
  Harness h;
  const Bytes n = test::idr(100);
  h.push(fu(n, 0, 40, true, false));
  EXPECT_EQ(h.push(test::trail()), DepayResult::kOk);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 1u);
  EXPECT_EQ(h.datas(), std::vector<Bytes>{test::trail()});
}

TEST(H265Depacketizer, FragmentOfAnotherTimestampIsNotAContinuation) {
  Harness h;
  const Bytes n = test::idr(100);
  h.push(fu(n, 0, 40, true, false), 1000);
  EXPECT_EQ(h.push(fu(n, 40, 58, false, true), 4000), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 1u);
  EXPECT_TRUE(h.got.empty());
}

TEST(H265Depacketizer, OversizedFragmentationUnitIsDroppedOnce) {
  Harness h(false, 60);
  const Bytes n = test::idr(100);
  EXPECT_EQ(h.push(fu(n, 0, 40, true, false)), DepayResult::kIncomplete);
  EXPECT_EQ(h.push(fu(n, 40, 40, false, false)), DepayResult::kDropped);
  EXPECT_EQ(h.push(fu(n, 80, 18, false, true)), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_fu_too_large, 1u);
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 0u);
  EXPECT_FALSE(h.d.fu_pending());
  EXPECT_EQ(h.push(test::trail()), DepayResult::kOk);  // and the next unit is fine
}

// ------------------------------------------------------------------ DONL
TEST(H265Depacketizer, DonlInSingleNalUnitPacket) {
  Harness h(true);
  const Bytes n = test::idr(30);
  EXPECT_EQ(h.push(single_donl(n, 0xfffe)), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 1u);
  EXPECT_EQ(h.got[0].data, n);
  EXPECT_EQ(h.got[0].don, 0xfffe);
}

TEST(H265Depacketizer, DonlAndDondInAggregationPacket) {
  Harness h(true);
  EXPECT_EQ(h.push(ap({test::vps(), test::sps(), test::pps()}, 65534, {0, 2})), DepayResult::kOk);
  EXPECT_EQ(h.datas(), (std::vector<Bytes>{test::vps(), test::sps(), test::pps()}));
  // DON = previous + DOND + 1, modulo 2^16.
  EXPECT_EQ(h.dons(), (std::vector<std::uint16_t>{65534, 65535, 2}));
}

TEST(H265Depacketizer, DonlOnlyInTheFirstFragment) {
  Harness h(true);
  const Bytes n = test::idr(60);
  h.push(fu(n, 0, 20, true, false, 77));
  h.push(fu(n, 20, 20, false, false));
  EXPECT_EQ(h.push(fu(n, 40, 18, false, true)), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 1u);
  EXPECT_EQ(h.got[0].data, n);
  EXPECT_EQ(h.got[0].don, 77);
}

TEST(H265Depacketizer, WithoutDonlTheSameBytesAreTheUnit) {
  // gst-plugins-good's mistake in reverse: a receiver that expects no DONL
  // takes DONL bytes as unit data; one that expects DONL must strip them.
  const Bytes n = test::idr(30);
  Harness with(true), without(false);
  with.push(single_donl(n, 5));
  without.push(single_donl(n, 5));
  EXPECT_EQ(with.datas(), std::vector<Bytes>{n});
  EXPECT_NE(without.datas(), std::vector<Bytes>{n});
}

TEST(H265Depacketizer, TruncatedDonlFields) {
  Harness h(true);
  EXPECT_EQ(h.push(bytes({0x02, 0x01, 0x00})), DepayResult::kDropped);            // single
  EXPECT_EQ(h.push(cat({test::header(48), bytes({0})})), DepayResult::kDropped);  // AP
  const Bytes n = test::idr(30);
  EXPECT_EQ(h.push(fu(n, 0, 1, true, false)), DepayResult::kDropped);  // FU start, DONL cut
  EXPECT_EQ(h.d.stats().dropped_truncated, 3u);
}

TEST(H265Depacketizer, MissingDondIsABadAggregate) {
  Harness h(true);
  // DONL, one unit, then a DOND byte and nothing more.
  const Bytes pkt = cat({ap({test::pps()}, 1), bytes({0})});
  EXPECT_EQ(h.push(pkt), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_bad_aggregate, 1u);
}

// ------------------------------------------------------------------ PACI
TEST(H265Depacketizer, PaciAroundASingleNalUnit) {
  Harness h;
  const Bytes n = test::nal(1, 30, 9, /*layer=*/2, /*tid=*/4);
  EXPECT_EQ(h.push(paci(n, bytes({0xaa, 0xbb, 0xcc}))), DepayResult::kOk);
  EXPECT_EQ(h.datas(), std::vector<Bytes>{n});
  EXPECT_EQ(h.d.stats().paci_unwrapped, 1u);
  EXPECT_EQ(h.d.stats().malformed(), 0u);
}

TEST(H265Depacketizer, PaciWithEmptyAndLongestPhes) {
  const Bytes n = test::trail();
  for (std::size_t phs : {0u, 31u}) {
    Harness h;
    EXPECT_EQ(h.push(paci(n, Bytes(phs, 0x5c))), DepayResult::kOk) << phs;
    EXPECT_EQ(h.datas(), std::vector<Bytes>{n}) << phs;
  }
}

TEST(H265Depacketizer, PaciAroundAnAggregationPacket) {
  Harness h;
  EXPECT_EQ(h.push(paci(ap({test::vps(), test::sps(), test::pps()}), bytes({1, 2, 3, 4}))),
            DepayResult::kOk);
  EXPECT_EQ(h.datas(), (std::vector<Bytes>{test::vps(), test::sps(), test::pps()}));
}

TEST(H265Depacketizer, PaciAroundFragmentationUnits) {
  Harness h;
  const Bytes n = test::idr(100);
  EXPECT_EQ(h.push(paci(fu(n, 0, 40, true, false), bytes({7}))), DepayResult::kIncomplete);
  EXPECT_EQ(h.push(fu(n, 40, 40, false, false)), DepayResult::kIncomplete);  // mixed freely
  EXPECT_EQ(h.push(paci(fu(n, 80, 18, false, true), {})), DepayResult::kOk);
  EXPECT_EQ(h.datas(), std::vector<Bytes>{n});
  EXPECT_EQ(h.d.stats().dropped_fu_incomplete, 0u);
}

TEST(H265Depacketizer, PaciWithDonl) {
  Harness h(true);
  const Bytes n = test::idr(30);
  EXPECT_EQ(h.push(paci(single_donl(n, 300), bytes({9, 9}))), DepayResult::kOk);
  ASSERT_EQ(h.got.size(), 1u);
  EXPECT_EQ(h.got[0].data, n);
  EXPECT_EQ(h.got[0].don, 300);
}

TEST(H265Depacketizer, PaciCarriesTheForbiddenBitInA) {
  Harness h;
  Bytes n = test::trail();
  n[0] |= 0x80;
  EXPECT_EQ(h.push(paci(n, {})), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_forbidden_bit, 1u);
}

TEST(H265Depacketizer, NestedPaciIsDropped) {
  Harness h;
  const Bytes inner = paci(test::trail(), bytes({1}));
  EXPECT_EQ(h.push(paci(inner, bytes({2}))), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_bad_paci, 1u);
}

TEST(H265Depacketizer, PaciWithPhesPastTheEndIsTruncated) {
  Harness h;
  Bytes p = paci(test::trail(), bytes({1, 2}));
  p.resize(5);  // PHSsize 2, one byte present
  EXPECT_EQ(h.push(p), DepayResult::kDropped);
  EXPECT_EQ(h.push(Bytes(p.begin(), p.begin() + 3)), DepayResult::kDropped);
  EXPECT_EQ(h.d.stats().dropped_truncated, 2u);
}

// ------------------------------------------------------------------ bad input
struct BadCase {
  const char *name;
  Bytes payload;
  std::uint64_t DepacketizerStats::*counter;
  bool donl = false;
};

class H265DepacketizerBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(H265DepacketizerBad, IsDroppedAndCounted) {
  const BadCase &c = GetParam();
  Harness h(c.donl);
  EXPECT_EQ(h.push(c.payload), DepayResult::kDropped) << c.name;
  EXPECT_TRUE(h.got.empty());
  EXPECT_EQ(h.d.stats().*c.counter, 1u) << c.name;
  EXPECT_EQ(h.d.stats().malformed(), 1u) << c.name;
  // The next good packet is unaffected.
  EXPECT_EQ(h.push(test::trail()), DepayResult::kOk);
}

const Bytes kIdr = test::idr(40);

INSTANTIATE_TEST_SUITE_P(
    Malformed, H265DepacketizerBad,
    ::testing::Values(
        BadCase{"empty", {}, &DepacketizerStats::dropped_empty},
        BadCase{"one_byte", {0x02}, &DepacketizerStats::dropped_truncated},
        BadCase{"forbidden_bit", {0x82, 0x01, 0x55}, &DepacketizerStats::dropped_forbidden_bit},
        BadCase{"tid_zero", {0x02, 0x00, 0x55}, &DepacketizerStats::dropped_tid_zero},
        BadCase{"type_51", test::nal(51, 10), &DepacketizerStats::dropped_reserved_type},
        BadCase{"type_63", test::nal(63, 10), &DepacketizerStats::dropped_reserved_type},
        BadCase{"ap_empty", test::header(48), &DepacketizerStats::dropped_truncated},
        BadCase{"ap_length_overruns", cat({test::header(48), bytes({0, 40}), test::pps()}),
                &DepacketizerStats::dropped_bad_aggregate},
        BadCase{"ap_trailing_byte", cat({ap({test::pps()}), bytes({0})}),
                &DepacketizerStats::dropped_bad_aggregate},
        BadCase{"ap_zero_length_unit", cat({test::header(48), bytes({0, 0})}),
                &DepacketizerStats::dropped_bad_aggregate},
        BadCase{"ap_inner_tid_zero", ap({test::nal(34, 6, 0, 0, 0)}),
                &DepacketizerStats::dropped_bad_aggregate},
        BadCase{"ap_inner_fu", ap({test::nal(49, 6)}), &DepacketizerStats::dropped_bad_aggregate},
        BadCase{"fu_header_missing", test::header(49), &DepacketizerStats::dropped_truncated},
        BadCase{"fu_without_start", fu(kIdr, 10, 10, false, false),
                &DepacketizerStats::dropped_fu_without_start},
        BadCase{"fu_start_and_end", fu(kIdr, 0, 10, true, true),
                &DepacketizerStats::dropped_fu_start_and_end},
        BadCase{"fu_of_type_ap", bytes({0x62, 0x01, 0x80 | 48, 1, 2}),
                &DepacketizerStats::dropped_reserved_type},
        BadCase{"paci_short", bytes({0x64, 0x01, 0x02}), &DepacketizerStats::dropped_truncated},
        BadCase{"donl_single_short", bytes({0x02, 0x01, 0x07}),
                &DepacketizerStats::dropped_truncated, true}),
    [](const ::testing::TestParamInfo<BadCase> &param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace srtcore::rtp::h265
