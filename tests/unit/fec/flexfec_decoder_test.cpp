// FlexFecDecoder on repair packets the test builds itself from RFC 8627's
// layout (flexfec_bits.hpp): flexible and fixed forms, several protected
// SSRCs in one repair packet, retransmissions (also from FlexFecEncoder),
// and hostile repair packets, each dropped and counted.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fec/flexfec_decoder.hpp"
#include "fec/flexfec_encoder.hpp"
#include "flexfec_bits.hpp"

namespace srtcore::fec {
namespace {

using flexfec_test::Bits;
using flexfec_test::Bytes;

Bytes source(std::uint32_t ssrc, std::uint16_t seq, std::size_t len, std::uint8_t fill) {
  Bits b = flexfec_test::rtp_header(false, false, {}, seq % 3 == 0, 96 + seq % 2, seq, 1000u * seq,
                                    ssrc);
  Bytes out = b.bytes();
  for (std::size_t i = 0; i < len; ++i) out.push_back(static_cast<std::uint8_t>(fill + 7 * i));
  return out;
}

struct Part {
  std::uint32_t ssrc;
  std::uint16_t sn_base;
  std::set<int> mask;  // flexible
  int l = 0, d = -1;   // fixed when d >= 0
};

struct RepairRtp {
  int pt = 110;
  std::uint16_t seq = 1;
  std::uint32_t ts = 0;
  std::uint32_t ssrc = 0xFEC00001;
};

// A parity repair packet over `protected_` as section 6.2 builds it.
Bytes repair_rtp(const std::vector<Part> &parts, const std::vector<const Bytes *> &protected_,
                 const RepairRtp &rtp, int length_delta = 0) {
  const auto par = flexfec_test::parity_of(protected_);
  std::vector<std::uint32_t> csrcs;
  for (const Part &p : parts) csrcs.push_back(p.ssrc);
  const bool fixed = parts.front().d >= 0;
  Bits b = flexfec_test::rtp_header(false, false, csrcs, false, rtp.pt, rtp.seq, rtp.ts, rtp.ssrc);
  b.put(0, 1).put(fixed, 1).put(par.pxcc, 6).put(par.mpt, 8);
  b.put(static_cast<std::uint16_t>(par.length + length_delta), 16).put(par.ts, 32);
  for (const Part &p : parts) {
    b.put(p.sn_base, 16);
    if (fixed) {
      b.put(p.l, 8).put(p.d, 8);
      continue;
    }
    const int top = *p.mask.rbegin();
    b.put(top >= 15, 1).mask(p.mask, 0, 15);
    if (top >= 15) b.put(top >= 46, 1).mask(p.mask, 15, 31);
    if (top >= 46) b.mask(p.mask, 46, 64);
  }
  Bytes out = b.bytes();
  out.insert(out.end(), par.payload.begin(), par.payload.end());
  return out;
}

Bytes repair(const std::vector<Part> &parts, const std::vector<const Bytes *> &protected_,
             std::uint16_t seq = 1, int length_delta = 0) {
  RepairRtp rtp;
  rtp.seq = seq;
  return repair_rtp(parts, protected_, rtp, length_delta);
}

std::vector<Bytes> drain(FlexFecDecoder &dec) {
  std::vector<Bytes> out;
  while (auto r = dec.poll_recovered()) out.emplace_back(r->begin(), r->end());
  return out;
}

// The encoder's repair packets, byte for byte, against the test's own
// construction from the RFC (repair stream header with the source SSRC as
// CSRC, FEC header, XOR payload), for 2-D L=3, D=2 in both forms.
TEST(FlexFecEncoder, WritesWhatTheRfcLayoutGives) {
  for (const FlexFecMode mode : {FlexFecMode::fixed, FlexFecMode::flexible}) {
    FlexFecEncoderConfig cfg;
    cfg.mode = mode;
    cfg.columns = 3;
    cfg.rows = 2;
    cfg.payload_type = 110;
    cfg.ssrc = 0xFEC00001;
    cfg.first_sequence = 65535;
    FlexFecEncoder enc(cfg);
    std::vector<Bytes> s;
    std::vector<Bytes> got;
    for (std::uint16_t q = 0; q < 6; ++q) {
      s.push_back(source(0x5151, 40000 + q, 5 + 11 * q, q));
      ASSERT_EQ(enc.add(s.back()), FlexFecEncodeResult::ok);
      while (auto r = enc.poll()) got.emplace_back(r->begin(), r->end());
    }
    const bool fixed = mode == FlexFecMode::fixed;
    // Rows (D=1: column FEC follows), then after the last packet the second
    // row and the three columns (D=2, every 3rd).
    auto row = [&](std::uint16_t base) {
      return fixed ? Part{0x5151, base, {}, 3, 1} : Part{0x5151, base, {0, 1, 2}};
    };
    auto col = [&](std::uint16_t base) {
      return fixed ? Part{0x5151, base, {}, 3, 2} : Part{0x5151, base, {0, 3}};
    };
    const std::uint32_t ts2 = 1000u * 40002, ts3 = 1000u * 40003, ts4 = 1000u * 40004,
                        ts5 = 1000u * 40005;
    const std::vector<Bytes> want = {
        repair_rtp({row(40000)}, {&s[0], &s[1], &s[2]}, {110, 65535, ts2}),
        repair_rtp({col(40000)}, {&s[0], &s[3]}, {110, 0, ts3}),
        repair_rtp({col(40001)}, {&s[1], &s[4]}, {110, 1, ts4}),
        repair_rtp({row(40003)}, {&s[3], &s[4], &s[5]}, {110, 2, ts5}),
        repair_rtp({col(40002)}, {&s[2], &s[5]}, {110, 3, ts5}),
    };
    EXPECT_EQ(got, want) << (fixed ? "fixed" : "flexible");
  }
}

TEST(FlexFecDecoder, RebuildsFromAFlexibleMaskWithGaps) {
  FlexFecDecoder dec;
  std::vector<Bytes> s;
  for (std::uint16_t q = 0; q < 6; ++q) s.push_back(source(0xAAAA, 100 + q, 20 + 13 * q, q));
  // Protects 100, 102, 105 (mask bits 0, 2, 5); 102 is lost.
  const Bytes r = repair({{0xAAAA, 100, {0, 2, 5}}}, {&s[0], &s[2], &s[5]});
  for (int i : {0, 1, 3, 4, 5}) dec.on_media(s[static_cast<std::size_t>(i)], 0);
  EXPECT_EQ(dec.on_fec(r, 0), FlexFecResult::used);
  const auto out = drain(dec);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], s[2]);
}

TEST(FlexFecDecoder, RebuildsAcrossTwoProtectedSsrcs) {
  FlexFecDecoder dec;
  const Bytes a0 = source(0xA, 10, 30, 1), a1 = source(0xA, 11, 90, 2);
  const Bytes b0 = source(0xB, 500, 60, 3), b1 = source(0xB, 501, 5, 4);
  const Bytes r = repair({{0xA, 10, {0, 1}}, {0xB, 500, {0, 1}}}, {&a0, &a1, &b0, &b1});
  dec.on_media(a0, 0);
  dec.on_media(a1, 0);
  dec.on_media(b0, 0);
  EXPECT_EQ(dec.on_fec(r, 0), FlexFecResult::used);  // b1 is missing
  const auto out = drain(dec);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], b1);
  EXPECT_EQ(dec.stats().recovered, 1u);
}

TEST(FlexFecDecoder, FixedColumnThenRowChain) {
  // L=3, D=2: column {0,3} and rows {0,1,2}, {3,4,5}. 0 and 1 lost: the
  // row {0,1,2} waits, the column gives 0 back, then the row gives 1.
  FlexFecDecoder dec;
  std::vector<Bytes> s;
  for (std::uint16_t q = 0; q < 6; ++q) s.push_back(source(0xC, 65533 + q, 10 + q, q));
  const Bytes row = repair({{0xC, 65533, {}, 3, 1}}, {&s[0], &s[1], &s[2]}, 1);
  const Bytes col = repair({{0xC, 65533, {}, 3, 2}}, {&s[0], &s[3]}, 2);
  for (int i : {2, 3, 4, 5}) dec.on_media(s[static_cast<std::size_t>(i)], 0);
  EXPECT_EQ(dec.on_fec(row, 0), FlexFecResult::held);
  EXPECT_EQ(dec.on_fec(col, 0), FlexFecResult::used);
  const auto out = drain(dec);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], s[0]);
  EXPECT_EQ(out[1], s[1]);
}

TEST(FlexFecDecoder, RetransmissionFromTheEncoderRestoresThePacket) {
  FlexFecEncoderConfig cfg;
  cfg.columns = 4;
  cfg.ssrc = 0xFEC;
  FlexFecEncoder enc(cfg);
  FlexFecDecoder dec;
  const Bytes s0 = source(0xD, 7, 40, 1), s1 = source(0xD, 8, 41, 2);
  const auto rt = enc.retransmit(s1);
  ASSERT_TRUE(rt);
  const Bytes rtx(rt->begin(), rt->end());
  // The repair stream's header (its own SSRC), then R=1 F=0 and the source's.
  EXPECT_EQ(rtx[8] << 24 | rtx[9] << 16 | rtx[10] << 8 | rtx[11], 0xFEC);
  EXPECT_EQ(rtx[12] & 0xC0, 0x80);
  EXPECT_EQ(Bytes(rtx.begin() + 20, rtx.begin() + 24), Bytes(s1.begin() + 8, s1.begin() + 12));
  dec.on_media(s0, 0);
  EXPECT_EQ(dec.on_fec(rtx, 0), FlexFecResult::used);
  auto out = drain(dec);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], s1);
  EXPECT_EQ(dec.stats().retransmitted, 1u);
  EXPECT_EQ(dec.on_fec(rtx, 0), FlexFecResult::complete);  // held already
  EXPECT_EQ(dec.on_media(s1, 0), FlexFecMediaResult::duplicate);
}

TEST(FlexFecDecoder, DropsAndCountsHostileRepairPackets) {
  FlexFecDecoderConfig cfg;
  cfg.window = 256;
  cfg.max_payload = 200;
  FlexFecDecoder dec(cfg);
  std::vector<Bytes> s;
  for (std::uint16_t q = 0; q < 4; ++q) s.push_back(source(0xE, 1000 + q, 50, q));
  for (int i : {0, 1, 3}) dec.on_media(s[static_cast<std::size_t>(i)], 0);
  const auto invalid = [&](const Bytes &b) {
    const auto before = dec.stats().fec_invalid;
    EXPECT_EQ(dec.on_fec(b, 0), FlexFecResult::invalid);
    EXPECT_EQ(dec.stats().fec_invalid, before + 1);
    EXPECT_TRUE(drain(dec).empty());
  };
  const Bytes good = repair({{0xE, 1000, {0, 1, 2}}}, {&s[0], &s[1], &s[2]});
  invalid(Bytes(good.begin(), good.begin() + 20));  // the mask cut off
  // A column reaching half the window (L=130, D=2: span 131 >= 128).
  invalid(repair({{0xE, 1000, {}, 130, 2}}, {&s[0]}));
  // An SN base far ahead of the stream.
  invalid(repair({{0xE, 30000, {0}}}, {&s[0]}));
  // The same SSRC listed twice.
  invalid(repair({{0xE, 1000, {0}}, {0xE, 1001, {0}}}, {&s[0], &s[1]}));
  // A length recovery that rebuilds more than the repair payload holds.
  invalid(repair({{0xE, 1000, {0, 1, 2}}}, {&s[0], &s[1], &s[2]}, 1, 0x4000));
  // A repair payload above max_payload.
  const Bytes big = source(0xE, 1002, 300, 9);
  invalid(repair({{0xE, 1002, {0}}}, {&big}));
  // Nothing above made the decoder rebuild anything; the good one still works.
  EXPECT_EQ(dec.on_fec(good, 0), FlexFecResult::used);
  const auto out = drain(dec);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], s[2]);

  // Unknown SSRCs and packets long gone are counted apart.
  EXPECT_EQ(dec.on_fec(repair({{0x99, 1, {0}}}, {&s[0]}), 0), FlexFecResult::unknown_stream);
  for (std::uint16_t q = 4; q < 600; ++q) dec.on_media(source(0xE, 1000 + q, 10, 0), 0);
  EXPECT_EQ(dec.on_fec(good, 0), FlexFecResult::stale);
  EXPECT_EQ(dec.stats().fec_stale, 1u);
  EXPECT_EQ(dec.stats().fec_unknown_stream, 1u);
}

TEST(FlexFecDecoder, CountsWhatLeavesTheWindowUnrecovered) {
  FlexFecDecoderConfig cfg;
  cfg.window = 64;
  FlexFecDecoder dec(cfg);
  for (std::uint16_t q = 0; q < 200; ++q)
    if (q % 10 != 5) dec.on_media(source(0xF, q, 10, 0), 0);
  // 5, 15, .., 195 lost; those below 200 - 64 = 136 have left the window.
  EXPECT_EQ(dec.stats().unrecovered, 14u);
}

TEST(FlexFecDecoder, TracksAtMostMaxStreamsAndReusesQuietOnes) {
  FlexFecDecoderConfig cfg;
  cfg.max_streams = 2;
  cfg.hold_ns = 1000;
  FlexFecDecoder dec(cfg);
  const Bytes a = source(0xA, 1, 10, 0), b = source(0xB, 1, 10, 0), c = source(0xC, 1, 10, 0);
  dec.on_media(a, 0);
  dec.on_media(b, 500);
  dec.on_media(c, 900);  // both streams busy within the hold time
  EXPECT_EQ(dec.stats().media_untracked, 1u);
  dec.on_media(c, 1200);  // A has been quiet for the hold time: C takes its place
  EXPECT_EQ(dec.stats().media_untracked, 1u);
  const Bytes c2 = source(0xC, 2, 30, 7);
  const Bytes r = repair({{0xC, 1, {0, 1}}}, {&c, &c2});
  EXPECT_EQ(dec.on_fec(r, 1200), FlexFecResult::used);
  const auto out = drain(dec);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], c2);
  EXPECT_EQ(dec.on_fec(repair({{0xA, 1, {0}}}, {&a}), 1200), FlexFecResult::unknown_stream);
}

TEST(FlexFecDecoder, HoldsBoundedRepairPackets) {
  FlexFecDecoderConfig cfg;
  cfg.fec_slots = 8;
  FlexFecDecoder dec(cfg);
  std::vector<Bytes> s;
  for (std::uint16_t q = 0; q < 40; ++q) s.push_back(source(0x1, q, 10, 0));
  dec.on_media(s[0], 0);
  // Repair packets each missing two packets are held, at most 8.
  for (std::uint16_t q = 0; q < 19; ++q) {
    const std::uint16_t b = static_cast<std::uint16_t>(1 + 2 * q);
    EXPECT_EQ(dec.on_fec(repair({{0x1, b, {0, 1}}}, {&s[b], &s[b + 1]}), 0), FlexFecResult::held);
  }
  EXPECT_EQ(dec.held(), 8u);
  EXPECT_EQ(dec.stats().fec_evicted, 11u);
}

}  // namespace
}  // namespace srtcore::fec
