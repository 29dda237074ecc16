// Control bodies (ACK, ACKACK, NAK, drop request, keepalive, shutdown, peer
// error, KM carriers) against byte layouts written out by hand.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "srt/control.hpp"

namespace srtcore::srt {
namespace {

using Bytes = std::vector<std::uint8_t>;

ControlPacketView view_of(const Bytes &d) {
  auto p = parse_control_packet(d);
  EXPECT_TRUE(p);
  return p ? *p : ControlPacketView{};
}

// ---- ACK ----------------------------------------------------------------

TEST(Ack, FullLayout) {
  Ack a;
  a.ack_number = 1;
  a.kind = AckKind::kFull;
  a.last_ack_seq = 100;
  a.rtt_us = 100000;
  a.rtt_var_us = 50000;
  a.avail_buffer = 8192;
  a.packet_recv_rate = 1000;
  a.link_capacity = 5000;
  a.recv_rate_bytes = 1316000;
  const Bytes expected = {
      0x80, 0x02, 0x00, 0x00,  // control, type 2 ACK
      0x00, 0x00, 0x00, 0x01,  // ACK number 1
      0x00, 0x00, 0x00, 0x0A,  // timestamp 10
      0x00, 0x00, 0x00, 0x63,  // destination 99
      0x00, 0x00, 0x00, 0x64,  // last acknowledged sequence + 1 = 100
      0x00, 0x01, 0x86, 0xA0,  // RTT 100000 us
      0x00, 0x00, 0xC3, 0x50,  // RTT variance 50000 us
      0x00, 0x00, 0x20, 0x00,  // available buffer 8192 packets
      0x00, 0x00, 0x03, 0xE8,  // packet receive rate 1000 pkt/s
      0x00, 0x00, 0x13, 0x88,  // estimated link capacity 5000 pkt/s
      0x00, 0x14, 0x14, 0xA0,  // receive rate 1316000 B/s
  };
  Bytes out(64);
  const std::size_t n = write_ack(a, 10, 99, out);
  ASSERT_EQ(n, 44u);
  out.resize(n);
  EXPECT_EQ(out, expected);

  auto back = parse_ack(view_of(expected));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, a);
}

TEST(Ack, LightLayout) {
  Ack a;
  a.ack_number = 0;
  a.kind = AckKind::kLight;
  a.last_ack_seq = 0x7FFFFFFF;
  const Bytes expected = {
      0x80, 0x02, 0x00, 0x00,  // ACK
      0x00, 0x00, 0x00, 0x00,  // ACK number 0 (light)
      0x00, 0x00, 0x00, 0x05,  // timestamp
      0x00, 0x00, 0x00, 0x06,  // destination
      0x7F, 0xFF, 0xFF, 0xFF,  // last acknowledged sequence + 1
  };
  Bytes out(64);
  const std::size_t n = write_ack(a, 5, 6, out);
  ASSERT_EQ(n, 20u);
  out.resize(n);
  EXPECT_EQ(out, expected);
  auto back = parse_ack(view_of(expected));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, AckKind::kLight);
  EXPECT_EQ(back->last_ack_seq, 0x7FFFFFFFu);
  EXPECT_FALSE(back->has_recv_rate_bytes);
}

TEST(Ack, SmallLayout) {
  Ack a;
  a.ack_number = 0x12;
  a.kind = AckKind::kSmall;
  a.last_ack_seq = 0x01020304;
  a.rtt_us = 0x0A;
  a.rtt_var_us = 0x0B;
  a.avail_buffer = 0x0C;
  const Bytes expected = {
      0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12,  // ACK, ACK number 0x12
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // timestamp 0, destination 0
      0x01, 0x02, 0x03, 0x04,                          // last ack seq + 1
      0x00, 0x00, 0x00, 0x0A,                          // RTT
      0x00, 0x00, 0x00, 0x0B,                          // RTT variance
      0x00, 0x00, 0x00, 0x0C,                          // available buffer
  };
  Bytes out(64);
  const std::size_t n = write_ack(a, 0, 0, out);
  ASSERT_EQ(n, 32u);
  out.resize(n);
  EXPECT_EQ(out, expected);
  auto back = parse_ack(view_of(expected));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, AckKind::kSmall);
  EXPECT_EQ(back->rtt_us, 0x0Au);
  EXPECT_EQ(back->rtt_var_us, 0x0Bu);
  EXPECT_EQ(back->avail_buffer, 0x0Cu);
}

Bytes ack_with_body_words(std::size_t words) {
  Bytes d = {0x80, 0x02, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < words; ++i) {
    const auto v = static_cast<std::uint8_t>(i + 1);
    d.insert(d.end(), {0, 0, 0, v});
  }
  return d;
}

TEST(Ack, UdtFullAckWithoutByteRate) {
  auto a = parse_ack(view_of(ack_with_body_words(6)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AckKind::kFull);
  EXPECT_EQ(a->link_capacity, 6u);
  EXPECT_FALSE(a->has_recv_rate_bytes);
}

TEST(Ack, ExtraWordsOfSrt102AreIgnored) {
  auto a = parse_ack(view_of(ack_with_body_words(8)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AckKind::kFull);
  EXPECT_EQ(a->recv_rate_bytes, 7u);
}

TEST(Ack, MalformedBodiesAreRejected) {
  // No body, 2 and 3 words (between light and small), and unaligned lengths.
  for (std::size_t words : {0u, 2u, 3u}) {
    EXPECT_FALSE(parse_ack(view_of(ack_with_body_words(words)))) << words;
  }
  for (std::size_t extra : {1u, 2u, 3u}) {
    Bytes d = ack_with_body_words(7);
    d.resize(d.size() + extra);
    EXPECT_EQ(parse_ack(view_of(d)).error(), WireError::kBadLength) << extra;
  }
  Bytes d = ack_with_body_words(1);
  d[16] = 0x80;  // sequence number with the top bit set
  EXPECT_EQ(parse_ack(view_of(d)).error(), WireError::kBadValue);
}

TEST(Ack, TypeIsChecked) {
  Bytes d = ack_with_body_words(7);
  d[1] = 0x03;  // NAK
  EXPECT_EQ(parse_ack(view_of(d)).error(), WireError::kWrongType);
}

TEST(Ack, WriterNeedsRoom) {
  Ack a;
  Bytes out(43);
  EXPECT_EQ(write_ack(a, 0, 0, out), 0u);
  a.last_ack_seq = 0x80000000;
  out.resize(44);
  EXPECT_EQ(write_ack(a, 0, 0, out), 0u);
}

// ---- ACKACK, keepalive, shutdown, congestion warning, peer error ------------

TEST(AckAck, Layout) {
  const Bytes expected = {
      0x80, 0x06, 0x00, 0x00,  // type 6 ACKACK
      0x00, 0x00, 0x01, 0x02,  // ACK number being acknowledged
      0x00, 0x00, 0x00, 0x09,  // timestamp
      0x00, 0x00, 0x00, 0x08,  // destination
      0x00, 0x00, 0x00, 0x00,  // libsrt's zero pad word
  };
  Bytes out(32);
  const std::size_t n = write_ackack(0x0102, 9, 8, out);
  ASSERT_EQ(n, 20u);
  out.resize(n);
  EXPECT_EQ(out, expected);
  auto back = parse_ackack(view_of(expected));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 0x0102u);
  // Without the pad word too.
  auto bare = parse_ackack(view_of(Bytes(expected.begin(), expected.begin() + 16)));
  ASSERT_TRUE(bare);
  EXPECT_EQ(*bare, 0x0102u);
}

struct EmptyCase {
  const char *name;
  std::size_t (*write)(std::uint32_t, std::uint32_t, MutableByteSpan);
  std::uint8_t type;
};

class EmptyControlTest : public ::testing::TestWithParam<EmptyCase> {};

TEST_P(EmptyControlTest, TwentyBytesWithZeroPad) {
  const EmptyCase c = GetParam();
  const Bytes expected = {
      0x80, c.type, 0x00, 0x00,  // control type
      0x00, 0x00,   0x00, 0x00,  // type-specific 0
      0x00, 0x00,   0x10, 0x00,  // timestamp 4096
      0xAB, 0xCD,   0xEF, 0x01,  // destination
      0x00, 0x00,   0x00, 0x00,  // pad
  };
  Bytes out(20);
  ASSERT_EQ(c.write(4096, 0xABCDEF01, out), 20u) << c.name;
  EXPECT_EQ(out, expected) << c.name;
  Bytes small(19);
  EXPECT_EQ(c.write(0, 0, small), 0u) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Table, EmptyControlTest,
                         ::testing::Values(EmptyCase{"keepalive", write_keepalive, 0x01},
                                           EmptyCase{"congestion", write_congestion_warning, 0x04},
                                           EmptyCase{"shutdown", write_shutdown, 0x05}),
                         [](const auto &param_info) { return std::string(param_info.param.name); });

TEST(PeerError, Layout) {
  const Bytes expected = {
      0x80, 0x08, 0x00, 0x00,  // type 8 peer error
      0x00, 0x00, 0x0F, 0xA0,  // error code 4000
      0x00, 0x00, 0x00, 0x01,  // timestamp
      0x00, 0x00, 0x00, 0x02,  // destination
      0x00, 0x00, 0x00, 0x00,  // pad
  };
  Bytes out(20);
  ASSERT_EQ(write_peer_error(kPeerErrorFileSystem, 1, 2, out), 20u);
  EXPECT_EQ(out, expected);
  auto back = parse_peer_error(view_of(expected));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 4000u);
  EXPECT_FALSE(parse_ackack(view_of(expected)));
}

// ---- NAK ----------------------------------------------------------------

TEST(Nak, EncodeSinglesAndRangesIncludingWrap) {
  const std::vector<SeqRange> ranges = {
      {5, 5},                    // single
      {10, 20},                  // range
      {0x7FFFFFFE, 0x7FFFFFFF},  // two-packet range at the top
      {0x7FFFFFFF, 2},           // range across the 2^31 wrap
  };
  const Bytes expected = {
      0x80, 0x03, 0x00, 0x00,  // type 3 NAK
      0x00, 0x00, 0x00, 0x00,  // type-specific 0
      0x00, 0x00, 0x00, 0x07,  // timestamp
      0x00, 0x00, 0x00, 0x0B,  // destination
      0x00, 0x00, 0x00, 0x05,  // single 5 (top bit 0)
      0x80, 0x00, 0x00, 0x0A,  // range start 10 (top bit 1)
      0x00, 0x00, 0x00, 0x14,  // range end 20
      0xFF, 0xFF, 0xFF, 0xFE,  // range start 0x7FFFFFFE
      0x7F, 0xFF, 0xFF, 0xFF,  // range end 0x7FFFFFFF
      0xFF, 0xFF, 0xFF, 0xFF,  // range start 0x7FFFFFFF
      0x00, 0x00, 0x00, 0x02,  // range end 2
  };
  EXPECT_EQ(loss_list_size(ranges), 28u);
  Bytes out(100);
  std::size_t written = 0;
  const std::size_t n = write_nak(ranges, 7, 11, out, &written);
  ASSERT_EQ(n, expected.size());
  EXPECT_EQ(written, 4u);
  out.resize(n);
  EXPECT_EQ(out, expected);

  auto list = parse_nak(view_of(expected));
  ASSERT_TRUE(list);
  EXPECT_EQ(list->to_vector(), ranges);
}

TEST(Nak, DecodeDegenerateRangeAndLongList) {
  // A range whose first equals its last is legal (libsrt's parser accepts it).
  const Bytes body = {0x80, 0, 0, 9, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 3};
  auto l = parse_loss_list(body);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->to_vector(), (std::vector<SeqRange>{{9, 9}, {1, 1}, {3, 3}}));
}

TEST(Nak, MalformedListsAreRejected) {
  struct Case {
    const char *what;
    Bytes body;
    WireError err;
  };
  const std::vector<Case> cases = {
      {"empty", {}, WireError::kTruncated},
      {"unaligned", {0, 0, 0, 5, 0}, WireError::kBadLength},
      {"three bytes", {0, 0, 5}, WireError::kBadLength},
      {"range start at the end", {0, 0, 0, 1, 0x80, 0, 0, 5}, WireError::kTruncated},
      {"two range starts", {0x80, 0, 0, 1, 0x80, 0, 0, 5}, WireError::kBadValue},
      {"first > last", {0x80, 0, 0, 0x0A, 0, 0, 0, 0x05}, WireError::kBadRange},
      // 1..0x7FFFFFFF is "backwards" on the circle (last is just before first).
      {"first > last across wrap", {0x80, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF}, WireError::kBadRange},
  };
  for (const Case &c : cases) {
    auto r = parse_loss_list(c.body);
    EXPECT_FALSE(r) << c.what;
    if (!r) {
      EXPECT_EQ(r.error(), c.err) << c.what;
    }
  }
}

TEST(Nak, EncoderRejectsInvalidRangesAndTruncatesToFit) {
  Bytes out(64);
  const std::vector<SeqRange> backwards = {{1, 2}, {20, 10}};
  EXPECT_EQ(write_loss_list(backwards, out).bytes, 0u);
  EXPECT_EQ(write_nak(backwards, 0, 0, out), 0u);
  const std::vector<SeqRange> too_wide = {{0x80000000, 0x80000001}};
  EXPECT_EQ(write_loss_list(too_wide, out).bytes, 0u);
  EXPECT_EQ(write_nak(std::span<const SeqRange>{}, 0, 0, out), 0u);

  // 12 bytes hold the single and the range, not the final single.
  const std::vector<SeqRange> three = {{1, 1}, {3, 6}, {9, 9}};
  Bytes small(12);
  const LossListWrite w = write_loss_list(three, small);
  EXPECT_EQ(w.bytes, 12u);
  EXPECT_EQ(w.ranges, 2u);
  EXPECT_EQ(small, (Bytes{0, 0, 0, 1, 0x80, 0, 0, 3, 0, 0, 0, 6}));
  // A range does not get split when only its first word would fit.
  Bytes eight(8);
  const std::vector<SeqRange> single_then_range = {{1, 1}, {3, 6}};
  EXPECT_EQ(write_loss_list(single_then_range, eight).ranges, 1u);
  EXPECT_EQ(write_loss_list(single_then_range, eight).bytes, 4u);
  // NAK packet: header + as much list as fits.
  Bytes pkt(16 + 8);
  std::size_t written = 0;
  EXPECT_EQ(write_nak(three, 0, 0, pkt, &written), 20u);
  EXPECT_EQ(written, 1u);
}

TEST(Nak, RandomRoundTrips) {
  // Deterministic pseudo-random lists of ascending ranges with wrap.
  std::uint32_t state = 12345;
  auto rnd = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (int iter = 0; iter < 200; ++iter) {
    std::vector<SeqRange> ranges;
    std::uint32_t s = rnd() & 0x7FFFFFFF;
    const int count = 1 + static_cast<int>(rnd() % 40);
    for (int i = 0; i < count; ++i) {
      const std::uint32_t len = rnd() % 3 == 0 ? 0 : rnd() % 1000;
      ranges.push_back({s, (s + len) & 0x7FFFFFFF});
      s = (s + len + 2 + rnd() % 50) & 0x7FFFFFFF;
    }
    Bytes out(16 + loss_list_size(ranges));
    std::size_t written = 0;
    ASSERT_EQ(write_nak(ranges, 0, 0, out, &written), out.size());
    ASSERT_EQ(written, ranges.size());
    auto back = parse_nak(view_of(out));
    ASSERT_TRUE(back);
    ASSERT_EQ(back->to_vector(), ranges);
  }
}

// ---- Drop request -------------------------------------------------------

TEST(DropRequest, Layout) {
  const DropRequest d{0x123, 100, 200};
  const Bytes expected = {
      0x80, 0x07, 0x00, 0x00,  // type 7 drop request
      0x00, 0x00, 0x01, 0x23,  // message number 0x123
      0x00, 0x00, 0x00, 0x01,  // timestamp
      0x00, 0x00, 0x00, 0x02,  // destination
      0x00, 0x00, 0x00, 0x64,  // first sequence 100
      0x00, 0x00, 0x00, 0xC8,  // last sequence 200
  };
  Bytes out(24);
  ASSERT_EQ(write_drop_request(d, 1, 2, out), 24u);
  EXPECT_EQ(out, expected);
  auto back = parse_drop_request(view_of(expected));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, d);
}

TEST(DropRequest, MessageNumberIsMaskedAndRangesChecked) {
  Bytes d = {
      0x80, 0x07, 0, 0, 0xC0, 0,    0x01, 0x23, 0, 0, 0, 0,
      0,    0,    0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 3};  // 0x7FFFFFFF..3 across the wrap
  auto r = parse_drop_request(view_of(d));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->msgno, 0x123u);
  EXPECT_EQ(r->first, 0x7FFFFFFFu);
  EXPECT_EQ(r->last, 3u);

  Bytes backwards = d;
  backwards[16] = 0;
  backwards[17] = 0;
  backwards[18] = 0;
  backwards[19] = 9;  // 9..3
  EXPECT_EQ(parse_drop_request(view_of(backwards)).error(), WireError::kBadRange);

  Bytes topbit = d;
  topbit[20] = 0x80;
  EXPECT_EQ(parse_drop_request(view_of(topbit)).error(), WireError::kBadValue);

  for (std::size_t cut = 16; cut < 24; ++cut) {
    EXPECT_EQ(parse_drop_request(view_of(Bytes(d.begin(), d.begin() + cut))).error(),
              WireError::kTruncated)
        << cut;
  }

  Bytes out(24);
  EXPECT_EQ(write_drop_request(DropRequest{0, 9, 3}, 0, 0, out), 0u);
  EXPECT_EQ(write_drop_request(DropRequest{0x04000000, 1, 3}, 0, 0, out), 0u);
}

// ---- KM carriers ----------------------------------------------------------

TEST(KmMessage, RawBytesUnchanged) {
  // Start of a real KM message: 0x12 (version 1, type 2), signature 0x2029, KK=1.
  const Bytes km = {0x12, 0x20, 0x29, 0x01, 0x00, 0x00, 0x00, 0x00,
                    0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x04};
  Bytes expected = {
      0xFF, 0xFF, 0x00, 0x03,  // user-defined, subtype 3 KMREQ
      0x00, 0x00, 0x00, 0x00,  // type-specific
      0x00, 0x00, 0x00, 0x2A,  // timestamp
      0x00, 0x00, 0x00, 0x2B,  // destination
  };
  expected.insert(expected.end(), km.begin(), km.end());  // not word-swapped
  Bytes out(64);
  const std::size_t n = write_km_message(UserSubtype::kKmReq, km, 42, 43, out);
  ASSERT_EQ(n, 32u);
  out.resize(n);
  EXPECT_EQ(out, expected);
  auto back = parse_km_message(view_of(expected));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->subtype, UserSubtype::kKmReq);
  EXPECT_EQ(Bytes(back->km.begin(), back->km.end()), km);
}

TEST(KmMessage, Rejections) {
  Bytes out(64);
  const Bytes km = {1, 2, 3, 4};
  EXPECT_EQ(write_km_message(UserSubtype::kHsReq, km, 0, 0, out), 0u);
  EXPECT_EQ(write_km_message(UserSubtype::kKmRsp, Bytes{}, 0, 0, out), 0u);
  EXPECT_EQ(write_km_message(UserSubtype::kKmRsp, Bytes{1, 2, 3}, 0, 0, out), 0u);

  const Bytes hsreq = {0xFF, 0xFF, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  EXPECT_EQ(parse_km_message(view_of(hsreq)).error(), WireError::kWrongType);
  const Bytes empty = {0xFF, 0xFF, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(parse_km_message(view_of(empty)).error(), WireError::kTruncated);
  const Bytes odd = {0xFF, 0xFF, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2};
  EXPECT_EQ(parse_km_message(view_of(odd)).error(), WireError::kBadLength);
}

TEST(KmMessage, ErrorWordIsLittleEndianLikeLibsrt) {
  // libsrt 1.4/1.5 answer a KMREQ they cannot decrypt with 04 00 00 00.
  EXPECT_EQ(km_error_state(Bytes{0x04, 0x00, 0x00, 0x00}), KmState::kBadSecret);
  EXPECT_EQ(km_error_state(Bytes{0x03, 0x00, 0x00, 0x00}), KmState::kNoSecret);
  // Big-endian 4 would be a different (unknown) value.
  EXPECT_NE(km_error_state(Bytes{0x00, 0x00, 0x00, 0x04}), KmState::kBadSecret);
  // Anything other than one word is a KM message, not an error.
  EXPECT_FALSE(km_error_state(Bytes{0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_FALSE(km_error_state(Bytes{}));

  Bytes out(4);
  ASSERT_EQ(write_km_error(KmState::kNoSecret, out), 4u);
  EXPECT_EQ(out, (Bytes{0x03, 0x00, 0x00, 0x00}));
  Bytes small(3);
  EXPECT_EQ(write_km_error(KmState::kNoSecret, small), 0u);
}

}  // namespace
}  // namespace srtcore::srt
