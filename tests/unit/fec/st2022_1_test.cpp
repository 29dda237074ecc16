// SMPTE 2022-1: the FEC header codec, the encoder's packets (fields and
// send order as the standard and gst-plugins-good's rtpst2022-1-fecenc put
// them), rebuilding chains, and hostile FEC packets.
#include <gtest/gtest.h>

#include <vector>

#include "fec/st2022_1_decoder.hpp"
#include "fec/st2022_1_encoder.hpp"
#include "fec/st2022_1_header.hpp"
#include "rtp/rtp_header.hpp"

namespace srtcore::fec {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes media(std::uint16_t seq, std::size_t len, std::uint8_t fill, bool marker = false) {
  Bytes b(rtp::kRtpHeaderSize + len);
  rtp::RtpHeader h;
  h.marker = marker;
  h.payload_type = 33;
  h.sequence = seq;
  h.timestamp = 1000u * seq;
  h.ssrc = 0;
  rtp::write_rtp_header(b.data(), h);
  for (std::size_t i = 0; i < len; ++i) b[12 + i] = static_cast<std::uint8_t>(fill + i);
  return b;
}

struct Out {
  std::uint16_t after;  // media sequence number it followed
  bool row;
  Bytes bytes;
};

std::vector<Out> run_encoder(St2022Encoder &enc, const std::vector<Bytes> &in) {
  std::vector<Out> out;
  for (const Bytes &m : in) {
    const auto p = rtp::parse_rtp(m);
    EXPECT_EQ(enc.add(*p, true, true), St2022EncodeResult::ok);
    while (auto f = enc.poll())
      out.push_back({p->header.sequence, f->row, Bytes(f->bytes.begin(), f->bytes.end())});
  }
  return out;
}

TEST(St2022Header, RoundTripsEveryField) {
  St2022Header h;
  h.sn_base = 0xBEEF;
  h.length_recovery = 0x1234;
  h.e = true;
  h.pt_recovery = 0x55;
  h.mask = 0xABCDEF;
  h.ts_recovery = 0xDEADBEEF;
  h.n = true;
  h.d = true;
  h.type = 5;
  h.index = 3;
  h.offset = 7;
  h.na = 9;
  h.sn_base_ext = 0x42;
  std::uint8_t b[16];
  write_st2022_header(b, h);
  const Bytes expect = {0xBE, 0xEF, 0x12, 0x34, 0xD5, 0xAB, 0xCD, 0xEF,
                        0xDE, 0xAD, 0xBE, 0xEF, 0xEB, 7,    9,    0x42};
  EXPECT_EQ(Bytes(b, b + 16), expect);
  EXPECT_EQ(parse_st2022_header(b), h);
  EXPECT_FALSE(parse_st2022_header(std::span<const std::uint8_t>(b, 15)));
}

TEST(St2022Encoder, RowAndColumnPacketsCarryTheStandardFields) {
  // L = 3, D = 2, starting at 65533 so that the matrix wraps.
  St2022EncoderConfig cfg;
  cfg.columns = 3;
  cfg.rows = 2;
  cfg.payload_type = 100;
  St2022Encoder enc(cfg);
  std::vector<Bytes> in;
  for (int i = 0; i < 12; ++i)
    in.push_back(
        media(static_cast<std::uint16_t>(65533 + i), 10 + i, static_cast<std::uint8_t>(i), i == 1));
  const auto out = run_encoder(enc, in);

  std::vector<std::pair<bool, std::uint16_t>> order;
  for (const Out &o : out) order.push_back({o.row, o.after});
  // Rows right after their last packet; column c of the matrix whose last
  // row starts at s after s + L + D*c (gst's delay): 65536+0 -> 65539...
  const std::vector<std::pair<bool, std::uint16_t>> expect = {
      {true, 65535}, {true, 2}, {false, 3}, {true, 5}, {false, 5}, {false, 7}, {true, 8}};
  EXPECT_EQ(order, expect);

  // The first row: packets 65533..65535.
  const auto row = rtp::parse_rtp(out[0].bytes);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->header.payload_type, 100);
  EXPECT_EQ(row->header.ssrc, 0u);
  EXPECT_EQ(row->header.sequence, 0);
  EXPECT_TRUE(row->header.marker);  // one of three had it
  EXPECT_EQ(row->header.timestamp, 1000u * 65535);
  const auto rh = parse_st2022_header(row->payload);
  EXPECT_EQ(rh->sn_base, 65533);
  EXPECT_TRUE(rh->d);
  EXPECT_TRUE(rh->e);
  EXPECT_EQ(rh->offset, 1);
  EXPECT_EQ(rh->na, 3);
  EXPECT_EQ(rh->mask, 0u);
  EXPECT_EQ(rh->type, 0);
  EXPECT_EQ(rh->length_recovery, 10 ^ 11 ^ 12);
  EXPECT_EQ(rh->pt_recovery, 33 ^ 33 ^ 33);
  EXPECT_EQ(rh->ts_recovery, (1000u * 65533) ^ (1000u * 65534) ^ (1000u * 65535));
  ASSERT_EQ(row->payload.size(), 16u + 12);
  for (std::size_t k = 0; k < 12; ++k) {
    std::uint8_t x = 0;
    for (int i = 0; i < 3; ++i)
      if (k < in[i].size() - 12) x ^= in[i][12 + k];
    EXPECT_EQ(row->payload[16 + k], x) << k;
  }

  // The first column: packets 65533 and 0 (= 65533 + L).
  const auto col = rtp::parse_rtp(out[2].bytes);
  const auto ch = parse_st2022_header(col->payload);
  EXPECT_FALSE(ch->d);
  EXPECT_EQ(ch->sn_base, 65533);
  EXPECT_EQ(ch->offset, 3);
  EXPECT_EQ(ch->na, 2);
  EXPECT_EQ(col->header.sequence, 0);           // column packets count on their own
  EXPECT_EQ(col->header.timestamp, 1000u * 3);  // the media packet it follows
  EXPECT_EQ(ch->length_recovery, 10 ^ 13);
}

TEST(St2022Encoder, RefusesGapsAndOversizePayloads) {
  St2022EncoderConfig cfg;
  cfg.columns = 4;
  cfg.rows = 4;
  cfg.max_payload = 100;
  St2022Encoder enc(cfg);
  auto a = media(10, 20, 0), b = media(12, 20, 0), c = media(11, 101, 0);
  EXPECT_EQ(enc.add(*rtp::parse_rtp(a), true, true), St2022EncodeResult::ok);
  EXPECT_EQ(enc.add(*rtp::parse_rtp(b), true, true), St2022EncodeResult::not_consecutive);
  EXPECT_EQ(enc.add(*rtp::parse_rtp(c), true, true), St2022EncodeResult::payload_too_large);
}

// Loses (0,0) (0,1) (1,0) of a 2x2 matrix: only a chain gets all three
// back: row 1 gives (1,0), then column 0 gives (0,0), then row 0 gives (0,1).
TEST(St2022Decoder, RebuildsInChainsAcrossRowsAndColumns) {
  St2022EncoderConfig cfg;
  cfg.columns = 2;
  cfg.rows = 2;
  St2022Encoder enc(cfg);
  std::vector<Bytes> in;
  for (int i = 0; i < 12; ++i)
    in.push_back(media(static_cast<std::uint16_t>(i), 30 + 7 * i, static_cast<std::uint8_t>(3 * i),
                       i % 3 == 0));
  const auto out = run_encoder(enc, in);
  St2022Decoder dec;
  const std::set<int> lost = {0, 1, 2};
  std::set<int> got;
  std::size_t k = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!lost.count(static_cast<int>(i))) (void)dec.on_media(in[i], 0);
    while (auto r = dec.poll_recovered()) {
      const auto seq = rtp::parse_rtp(*r)->header.sequence;
      EXPECT_EQ(Bytes(r->begin(), r->end()), in[seq]);
      got.insert(seq);
    }
    for (; k < out.size() && out[k].after == i; ++k) {
      (void)dec.on_fec(out[k].bytes, 0);
      while (auto r = dec.poll_recovered()) {
        const auto seq = rtp::parse_rtp(*r)->header.sequence;
        EXPECT_EQ(Bytes(r->begin(), r->end()), in[seq]);
        got.insert(seq);
      }
    }
  }
  EXPECT_EQ(got, lost);
  EXPECT_EQ(dec.columns(), 2u);
  EXPECT_EQ(dec.rows(), 2u);
  EXPECT_EQ(dec.on_media(in[1], 0), St2022MediaResult::duplicate);
}

Bytes fec_packet(const St2022Header &h, std::size_t body) {
  Bytes b(12 + 16 + body, 0x5A);
  rtp::RtpHeader rh;
  rh.payload_type = 96;
  rtp::write_rtp_header(b.data(), rh);
  write_st2022_header(b.data() + 12, h);
  return b;
}

St2022Header row_header(std::uint16_t base, std::uint8_t l) {
  St2022Header h;
  h.sn_base = base;
  h.d = true;
  h.offset = 1;
  h.na = l;
  return h;
}

TEST(St2022Decoder, DropsAndCountsMalformedFecPackets) {
  St2022DecoderConfig cfg;
  cfg.max_window = 1024;
  St2022Decoder dec(cfg);
  for (int i = 100; i < 110; ++i)
    (void)dec.on_media(media(static_cast<std::uint16_t>(i), 50, 1), 0);
  ASSERT_EQ(dec.on_fec(fec_packet(row_header(100, 4), 50), 0), St2022FecResult::complete);
  const std::size_t window = dec.window();

  std::vector<Bytes> bad;
  bad.push_back(Bytes(5, 0));  // not RTP
  Bytes cut = fec_packet(row_header(104, 4), 0);
  cut.resize(27);  // the 2022-1 header cut short
  bad.push_back(cut);
  auto h = row_header(104, 4);
  h.type = 1;  // not XOR
  bad.push_back(fec_packet(h, 50));
  h = row_header(104, 4);
  h.n = true;
  bad.push_back(fec_packet(h, 50));
  h = row_header(104, 4);
  h.offset = 2;  // rows have offset 1
  bad.push_back(fec_packet(h, 50));
  bad.push_back(fec_packet(row_header(104, 5), 50));  // L changed from 4
  h = row_header(104, 4);
  h.na = 0;
  bad.push_back(fec_packet(h, 50));
  bad.push_back(fec_packet(row_header(104, 4), 2000));  // payload above the limit
  bad.push_back(fec_packet(row_header(2000, 4), 50));   // SNBase far ahead
  St2022Header col;
  col.sn_base = 100;
  col.offset = 4;
  col.na = 255;  // a column of 255: wider than max_window allows
  bad.push_back(fec_packet(col, 50));
  for (const Bytes &b : bad) EXPECT_EQ(dec.on_fec(b, 0), St2022FecResult::malformed);
  EXPECT_EQ(dec.stats().fec_malformed, bad.size());

  EXPECT_EQ(dec.window(), window);  // memory fixed whatever arrives
}

TEST(St2022Decoder, RefusesRebuiltLengthBeyondTheFecPayload) {
  St2022Decoder dec;
  for (int i : {0, 1, 2}) (void)dec.on_media(media(static_cast<std::uint16_t>(i), 50, 1), 0);
  auto h = row_header(0, 4);
  h.length_recovery = 50 ^ 50 ^ 50 ^ 200;  // packet 3 would be 200 bytes long
  EXPECT_EQ(dec.on_fec(fec_packet(h, 50), 0), St2022FecResult::malformed);
  EXPECT_EQ(dec.stats().recovered, 0u);
  EXPECT_FALSE(dec.poll_recovered());
}

TEST(St2022Decoder, FecForAGroupLongGoneIsStale) {
  St2022Decoder dec;
  for (int i = 0; i < 3000; ++i) (void)dec.on_media(media(static_cast<std::uint16_t>(i), 20, 1), 0);
  EXPECT_EQ(dec.on_fec(fec_packet(row_header(4, 4), 20), 0), St2022FecResult::stale);
  EXPECT_EQ(dec.stats().fec_stale, 1u);
}

TEST(St2022Decoder, SizeTimeAgesPacketsOut) {
  St2022DecoderConfig cfg;
  cfg.hold_ns = 1000;
  St2022Decoder dec(cfg);
  St2022EncoderConfig ecfg;
  ecfg.columns = 4;
  St2022Encoder enc(ecfg);
  std::vector<Bytes> fecs;
  for (int i = 0; i < 4; ++i) {
    const auto m = media(static_cast<std::uint16_t>(i), 20, static_cast<std::uint8_t>(i));
    (void)enc.add(*rtp::parse_rtp(m), true, false);
    if (i != 3) (void)dec.on_media(m, 0);
    while (auto f = enc.poll()) fecs.emplace_back(f->bytes.begin(), f->bytes.end());
  }
  ASSERT_EQ(fecs.size(), 1u);
  // The row's packets arrived at 0; at 1000 ns they are gone, so the FEC
  // packet now misses four of them. Just before, it gives packet 3 back.
  St2022Decoder fresh(cfg);
  for (int i = 0; i < 3; ++i)
    (void)fresh.on_media(media(static_cast<std::uint16_t>(i), 20, static_cast<std::uint8_t>(i)), 0);
  EXPECT_EQ(fresh.on_fec(fecs[0], 999), St2022FecResult::used);
  EXPECT_EQ(dec.on_fec(fecs[0], 1000), St2022FecResult::held);
  EXPECT_FALSE(dec.poll_recovered());
  EXPECT_EQ(dec.stats().recovered, 0u);
}

}  // namespace
}  // namespace srtcore::fec
