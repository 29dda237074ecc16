#include <gtest/gtest.h>

#include "rtp/rtp_header.hpp"
#include "test_util.hpp"

namespace srtcore::rtp {
namespace {

using test::bytes;
using test::Bytes;

TEST(RtpHeader, WriteThenParseRoundTrips) {
  RtpHeader h;
  h.marker = true;
  h.payload_type = 96;
  h.sequence = 0xfffe;
  h.timestamp = 0x89abcdef;
  h.ssrc = 0x01020304;
  Bytes pkt(kRtpHeaderSize + 3);
  write_rtp_header(pkt.data(), h);
  pkt[12] = 0x41;
  pkt[13] = 0x42;
  pkt[14] = 0x43;
  EXPECT_EQ(Bytes(pkt.begin(), pkt.begin() + 12),
            bytes({0x80, 0xe0, 0xff, 0xfe, 0x89, 0xab, 0xcd, 0xef, 1, 2, 3, 4}));
  auto p = parse_rtp(pkt);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->header.marker);
  EXPECT_EQ(p->header.payload_type, 96);
  EXPECT_EQ(p->header.sequence, 0xfffe);
  EXPECT_EQ(p->header.timestamp, 0x89abcdefu);
  EXPECT_EQ(p->header.ssrc, 0x01020304u);
  EXPECT_EQ(p->header.csrc_count, 0);
  EXPECT_FALSE(p->header.has_extension);
  EXPECT_FALSE(p->header.has_padding);
  EXPECT_EQ(Bytes(p->payload.begin(), p->payload.end()), bytes({0x41, 0x42, 0x43}));
}

TEST(RtpHeader, ParsesCsrcExtensionAndPadding) {
  // V=2 P=1 X=1 CC=2, M=0 PT=97
  Bytes pkt = bytes({0xb2, 0x61, 0x00, 0x07, 0, 0, 0, 9, 0, 0, 0, 5});
  pkt.insert(pkt.end(), {0xa, 0xa, 0xa, 0xa, 0xb, 0xb, 0xb, 0xb});    // CSRCs
  pkt.insert(pkt.end(), {0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0, 0});  // 1-word extension
  pkt.insert(pkt.end(), {0x65, 0x66});                                // payload
  pkt.insert(pkt.end(), {0, 0, 3});                                   // padding of 3
  auto p = parse_rtp(pkt);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.csrc_count, 2);
  EXPECT_TRUE(p->header.has_extension);
  EXPECT_TRUE(p->header.has_padding);
  EXPECT_FALSE(p->header.marker);
  EXPECT_EQ(p->header.payload_type, 97);
  EXPECT_EQ(p->extension_profile, 0xbede);
  EXPECT_EQ(Bytes(p->extension.begin(), p->extension.end()), bytes({0x10, 0xff, 0, 0}));
  EXPECT_EQ(Bytes(p->payload.begin(), p->payload.end()), bytes({0x65, 0x66}));
}

TEST(RtpHeader, EmptyPayloadIsWellFormed) {
  Bytes pkt = bytes({0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
  auto p = parse_rtp(pkt);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload.empty());
}

struct BadCase {
  const char *name;
  Bytes packet;
};

TEST(RtpHeader, RejectsMalformedPackets) {
  const Bytes base = bytes({0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
  auto with = [&](int b0, std::initializer_list<int> tail) {
    Bytes p = base;
    p[0] = static_cast<std::uint8_t>(b0);
    for (int x : tail) p.push_back(static_cast<std::uint8_t>(x));
    return p;
  };
  const BadCase cases[] = {
      {"empty", {}},
      {"short", Bytes(base.begin(), base.begin() + 11)},
      {"version 1", with(0x40, {1, 2})},
      {"version 0", with(0x00, {1, 2})},
      {"csrc overrun", with(0x82, {1, 2, 3, 4})},
      {"extension header cut", with(0x90, {0xbe, 0xde})},
      {"extension data overrun", with(0x90, {0xbe, 0xde, 0, 2, 1, 2, 3, 4})},
      {"padding zero", with(0xa0, {1, 2, 0})},
      {"padding overrun", with(0xa0, {1, 2, 4})},
      {"padding with no room", with(0xa0, {})},
  };
  for (const BadCase &c : cases) EXPECT_FALSE(parse_rtp(c.packet)) << c.name;
}

TEST(RtpHeader, PaddingMayTakeWholePayload) {
  const Bytes pkt = bytes({0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3});
  auto p = parse_rtp(pkt);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload.empty());
}

// Packets whose header and payload lie in different memories are parsed in
// two parts: the results must be those of the joined packet.
TEST(RtpHeader, HeaderAndRestApartParseAsTheWholePacket) {
  Bytes full = bytes({0xb2, 0xe1, 0x00, 0x07, 0, 0, 0, 9, 0, 0, 0, 5});
  full.insert(full.end(), {0xa, 0xa, 0xa, 0xa, 0xb, 0xb, 0xb, 0xb});
  full.insert(full.end(), {0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0, 0});
  full.insert(full.end(), {0x65, 0x66, 0, 0, 3});
  const Bytes plain = bytes({0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
  const Bytes bad_padding = bytes({0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 9});
  const Bytes only_padding = bytes({0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  for (const Bytes &pkt : {full, plain, bad_padding, only_padding}) {
    const auto size = rtp_header_size(pkt);
    ASSERT_TRUE(size);
    const ByteSpan whole(pkt);
    const auto want = parse_rtp(whole);
    const auto got = parse_rtp(whole.first(*size), whole.subspan(*size));
    ASSERT_EQ(got.has_value(), want.has_value()) << pkt.size();
    if (!want) continue;
    EXPECT_EQ(got->header.sequence, want->header.sequence);
    EXPECT_EQ(got->header.timestamp, want->header.timestamp);
    EXPECT_EQ(got->header.marker, want->header.marker);
    EXPECT_EQ(got->header.csrc_count, want->header.csrc_count);
    EXPECT_EQ(got->extension_profile, want->extension_profile);
    EXPECT_EQ(Bytes(got->extension.begin(), got->extension.end()),
              Bytes(want->extension.begin(), want->extension.end()));
    EXPECT_EQ(Bytes(got->payload.begin(), got->payload.end()),
              Bytes(want->payload.begin(), want->payload.end()));
    EXPECT_EQ(got->payload.data(), want->payload.data());
  }
  EXPECT_EQ(rtp_header_size(full), 12u + 8u + 8u);
  // A header part of the wrong size is refused, not misread.
  EXPECT_FALSE(parse_rtp(ByteSpan(full).first(12), ByteSpan(full).subspan(12)));
}

TEST(RtpHeaderSize, NeedsOnlyTheHeadAndRefusesWhatItCannotTell) {
  EXPECT_EQ(rtp_header_size(bytes({0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})), 12u);
  EXPECT_EQ(rtp_header_size(bytes({0x83, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})), 24u);
  EXPECT_EQ(rtp_header_size(bytes({0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 3})),
            12u + 4u + 12u);
  EXPECT_FALSE(rtp_header_size(bytes({0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe})));
  EXPECT_FALSE(rtp_header_size(bytes({0x80, 0x60, 0, 1})));
  EXPECT_FALSE(rtp_header_size(bytes({0x40, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})));
}

}  // namespace
}  // namespace srtcore::rtp
