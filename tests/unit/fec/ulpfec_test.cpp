// ULPFEC (RFC 5109) codec, encoder budget and hostile input: header layout
// from the RFC's figures, the encoder's split and renumbering as
// gst-plugins-good's rtpulpfecenc documents them, and malformed FEC packets
// dropped and counted with memory fixed at construction.
#include <gtest/gtest.h>

#include <vector>

#include "fec/ulpfec_encoder.hpp"
#include "fec/ulpfec_header.hpp"
#include "fec/ulpfec_recovery.hpp"
#include "rtp/rtp_header.hpp"
#include "ulpfec_model.hpp"

namespace srtcore::fec {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes rtp_packet(std::uint8_t pt, std::uint16_t seq, bool marker, std::size_t payload,
                 std::uint8_t fill) {
  Bytes b(rtp::kRtpHeaderSize + payload, fill);
  rtp::RtpHeader h;
  h.marker = marker;
  h.payload_type = pt;
  h.sequence = seq;
  h.timestamp = 90000;
  h.ssrc = 0xCAFE;
  rtp::write_rtp_header(b.data(), h);
  return b;
}

TEST(UlpfecHeader, RfcLayoutBothMaskSizes) {
  for (bool l : {false, true}) {
    UlpfecHeader h;
    h.l = l;
    h.byte0 = 0x2B;  // P, CC=11
    h.byte1 = 0xE1;
    h.sn_base = 0xFFFE;
    h.ts_recovery = 0x01020304;
    h.length_recovery = 0x0506;
    h.protection_length = 3;
    h.mask = l ? 0x800000000001ull : 0xC00100000000ull;
    Bytes b(ulpfec_headers_size(l) + 3, 0);
    write_ulpfec_header(b.data(), h);
    EXPECT_EQ(b[0], (l ? 0x40 : 0) | 0x2B);
    EXPECT_EQ(b[2], 0xFF);
    EXPECT_EQ(b[3], 0xFE);
    EXPECT_EQ(b[10], 0);  // protection length
    EXPECT_EQ(b[11], 3);
    EXPECT_EQ(b[12], l ? 0x80 : 0xC0);
    UlpfecHeader back;
    ASSERT_EQ(parse_ulpfec(b, back), UlpfecParse::ok);
    EXPECT_EQ(back.mask, h.mask);
    EXPECT_EQ(back.sn_base, h.sn_base);
    EXPECT_EQ(back.length_recovery, h.length_recovery);
    EXPECT_EQ(back.l, l);
    b.push_back(0);
    EXPECT_EQ(parse_ulpfec(b, back), UlpfecParse::length_mismatch);
  }
  UlpfecHeader h;
  EXPECT_EQ(parse_ulpfec(Bytes(9, 0), h), UlpfecParse::too_short);
  EXPECT_EQ(parse_ulpfec(Bytes(13, 0), h), UlpfecParse::too_short);
  Bytes l_short(17, 0);
  l_short[0] = 0x40;
  EXPECT_EQ(parse_ulpfec(l_short, h), UlpfecParse::too_short);
  Bytes e(14, 0);
  e[0] = 0x80;
  EXPECT_EQ(parse_ulpfec(e, h), UlpfecParse::extension_set);
}

TEST(UlpfecEncoder, FullProtectionSplitsTheFrameAndRenumbers) {
  UlpfecEncoderConfig cfg;
  cfg.payload_type = 100;
  cfg.percentage = 100;
  UlpfecEncoder enc(cfg);
  // Frame of three: three FEC packets, one per media packet, after the marker.
  EXPECT_EQ(enc.add(rtp_packet(96, 10, false, 20, 1), false), 10);
  EXPECT_FALSE(enc.poll());
  EXPECT_EQ(enc.add(rtp_packet(96, 11, false, 30, 2), false), 11);
  EXPECT_EQ(enc.add(rtp_packet(96, 12, true, 40, 3), false), 12);
  std::vector<Bytes> fec;
  while (auto f = enc.poll()) fec.emplace_back(f->begin(), f->end());
  ASSERT_EQ(fec.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(fec[k][1] & 0x7F, 100);
    EXPECT_EQ(fec[k][1] & 0x80, 0);  // M = 0
    EXPECT_EQ((fec[k][2] << 8 | fec[k][3]), 13 + static_cast<int>(k));
    EXPECT_EQ(ulpfec_test::protected_seqs(fec[k]),
              std::vector<std::uint16_t>{static_cast<std::uint16_t>(10 + k)});
  }
  // The next media packet is renumbered past the three FEC packets.
  EXPECT_EQ(enc.add(rtp_packet(96, 13, true, 10, 4), false), 16);
  EXPECT_EQ(enc.stats().protected_packets, 4u);
}

TEST(UlpfecEncoder, BudgetAccumulatesAcrossFrames) {
  UlpfecEncoderConfig cfg;
  cfg.percentage = 25;
  UlpfecEncoder enc(cfg);
  std::size_t fec = 0;
  for (std::uint16_t i = 0; i < 8; ++i) {
    enc.add(rtp_packet(96, i, true, 10, 1), false);  // one-packet frames
    while (enc.poll()) ++fec;
  }
  EXPECT_EQ(fec, 2u);  // 8 x 0.25
}

TEST(UlpfecEncoder, LongFrameUsesTheLongMask) {
  UlpfecEncoderConfig cfg;
  cfg.percentage = 10;
  UlpfecEncoder enc(cfg);
  for (std::uint16_t i = 0; i < 30; ++i) enc.add(rtp_packet(96, i, i == 29, 10, 1), false);
  std::vector<Bytes> fec;
  while (auto f = enc.poll()) fec.emplace_back(f->begin(), f->end());
  ASSERT_EQ(fec.size(), 3u);
  EXPECT_EQ(fec[0][12] & 0x40, 0);  // packets 0..9: short mask
  EXPECT_EQ(ulpfec_test::protected_seqs(fec[2]).size(), 10u);
}

TEST(UlpfecRecovery, MalformedFecIsDroppedAndCounted) {
  UlpfecRecoveryConfig cfg;
  cfg.max_packet = 200;
  UlpfecRecovery rec(cfg);
  UlpfecEncoderConfig ecfg;
  ecfg.payload_type = 100;
  ecfg.percentage = 100;
  UlpfecEncoder enc(ecfg);
  enc.add(rtp_packet(96, 1000, true, 100, 7), false);
  const auto f = enc.poll();
  ASSERT_TRUE(f);
  const Bytes good(f->begin(), f->end());

  rec.begin(1000, 100, 0xCAFE, 96);
  Bytes bad = good;
  bad.pop_back();  // length mismatch
  rec.add(bad);
  bad = good;
  bad[12] |= 0x80;  // E
  rec.add(bad);
  bad = good;
  bad[12 + 12] = 0;  // empty mask
  bad[12 + 13] = 0;
  rec.add(bad);
  rec.add(Bytes(good.begin(), good.begin() + 20));  // too short
  EXPECT_EQ(rec.stats().fec_malformed, 4u);
  bad = good;
  bad[12 + 2] = static_cast<std::uint8_t>(bad[12 + 2] + 2);  // SN base 512 packets later
  rec.add(bad);
  EXPECT_EQ(rec.stats().fec_stale, 1u);
  bad = good;
  bad[12 + 8] ^= 0x10;  // length recovery beyond the FEC payload
  rec.add(bad);
  rec.add(good);  // the same sequence number again
  EXPECT_EQ(rec.stats().fec_duplicate, 1u);
  rec.run();
  EXPECT_EQ(rec.stats().fec_bad_rebuild, 1u);
  EXPECT_FALSE(rec.media(1000));
  rec.begin(1000, 100, 0xCAFE, 96);
  rec.add(good);
  rec.run();
  ASSERT_TRUE(rec.media(1000));
  EXPECT_EQ(Bytes(rec.media(1000)->begin(), rec.media(1000)->end()),
            rtp_packet(96, 1000, true, 100, 7));

  // A rebuilt packet above max_packet (the MTU) is refused.
  UlpfecRecovery small(UlpfecRecoveryConfig{100, 4});
  small.begin(1000, 100, 0xCAFE, 96);
  small.add(good);
  small.run();
  EXPECT_FALSE(small.media(1000));
  EXPECT_EQ(small.stats().fec_bad_rebuild + small.stats().fec_malformed, 1u);

  // A rebuilt payload type the stream never used is refused.
  UlpfecRecovery other;
  other.begin(1000, 100, 0xCAFE, 8);
  other.add(good);
  other.run();
  EXPECT_FALSE(other.media(1000));
}

TEST(UlpfecRecovery, RemembersRebuiltPacketsForLaterLosses) {
  UlpfecEncoderConfig ecfg;
  ecfg.payload_type = 100;
  ecfg.percentage = 50;  // one FEC packet over two media packets
  UlpfecEncoder enc(ecfg);
  std::vector<Bytes> media;
  Bytes fec;
  for (std::uint16_t s = 0; s < 2; ++s) {
    media.push_back(rtp_packet(96, s, s == 1, 50, static_cast<std::uint8_t>(s + 1)));
    enc.add(media.back(), false);
  }
  const auto f = enc.poll();
  ASSERT_TRUE(f);
  fec.assign(f->begin(), f->end());
  UlpfecRecovery rec;
  rec.begin(0, 100, 0xCAFE, 96);
  rec.add(media[1]);
  rec.add(fec);
  EXPECT_EQ(rec.run(), 1u);
  // A later window without packet 0 nor 1: the remembered 0 lets the FEC
  // packet rebuild 1.
  rec.begin(1, 100, 0xCAFE, 96);
  rec.add(fec);
  EXPECT_EQ(rec.run(), 1u);
  ASSERT_TRUE(rec.media(1));
  EXPECT_EQ(Bytes(rec.media(1)->begin(), rec.media(1)->end()), media[1]);
  EXPECT_EQ(Bytes(rec.media(0)->begin(), rec.media(0)->end()), media[0]);

  // Remembered packets age out (a wrap of the sequence numbers must not
  // bring an old one back).
  UlpfecRecoveryConfig cfg;
  cfg.remember_ns = 1000;
  UlpfecRecovery aging(cfg);
  aging.begin(0, 100, 0xCAFE, 96, 5000);
  aging.add(media[1]);
  aging.add(fec);
  EXPECT_EQ(aging.run(), 1u);  // 0 rebuilt and remembered at 5000
  aging.begin(1, 100, 0xCAFE, 96, 5000 + 1001);
  aging.add(fec);
  EXPECT_EQ(aging.run(), 0u);
  EXPECT_FALSE(aging.media(0));
}

}  // namespace
}  // namespace srtcore::fec
