// FlexFEC (RFC 8627) header codec: the figures of section 4.2.2 laid out bit
// by bit in the test (flexible masks of 15, 46 and 110 bits with their k
// bits, the fixed L/D form, several protected SSRCs, the retransmission
// form) must be what write_flexfec_header writes and parse_flexfec reads;
// malformed headers are refused with their reason.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fec/flexfec_header.hpp"
#include "flexfec_bits.hpp"

namespace srtcore::fec {
namespace {

using flexfec_test::Bits;
using flexfec_test::Bytes;

// The FEC header's first 8 bytes (figure 10/11): R F P X CC M PT length TS.
Bits base(bool r, bool f, bool p, bool x, int cc, bool m, int pt, std::uint16_t len,
          std::uint32_t ts) {
  Bits b;
  b.put(r, 1).put(f, 1).put(p, 1).put(x, 1).put(cc, 4).put(m, 1).put(pt, 7).put(len, 16);
  b.put(ts, 32);
  return b;
}

FlexFecHeader header_of(FlexFecKind kind, std::uint8_t pxcc, bool m, std::uint8_t pt,
                        std::uint16_t len, std::uint32_t ts) {
  FlexFecHeader h;
  h.kind = kind;
  h.pxcc_recovery = pxcc;
  h.m = m;
  h.pt_recovery = pt;
  h.length_recovery = len;
  h.ts_recovery = ts;
  return h;
}

void expect_round_trip(const FlexFecHeader &h, const Bytes &expected) {
  Bytes out(flexfec_header_size(h) + 8, 0xEE);
  EXPECT_EQ(flexfec_header_size(h), expected.size());
  const std::size_t n = write_flexfec_header(out.data(), h);
  ASSERT_EQ(n, expected.size());
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)), expected);
  std::vector<std::uint32_t> ssrcs;
  for (std::size_t i = 0; i < h.stream_count; ++i) ssrcs.push_back(h.streams[i].ssrc);
  FlexFecHeader back;
  std::size_t size = 0;
  ASSERT_EQ(parse_flexfec_header(expected, ssrcs, back, size), FlexFecParseError::none);
  EXPECT_EQ(size, expected.size());
  EXPECT_EQ(back, h);
}

TEST(FlexFecHeader, FlexibleMaskOf15Bits) {
  const std::set<int> bits{0, 3, 14};
  Bits b = base(false, false, true, false, 2, true, 0x55, 0x1234, 0xDEADBEEF);
  b.put(0x4321, 16).put(0, 1).mask(bits, 0, 15);  // k=0: the last block
  FlexFecHeader h = header_of(FlexFecKind::flexible, 0x22, true, 0x55, 0x1234, 0xDEADBEEF);
  h.stream_count = 1;
  h.streams[0].ssrc = 0xA1A2A3A4;
  h.streams[0].sn_base = 0x4321;
  for (int i : bits) h.streams[0].set(static_cast<std::size_t>(i));
  expect_round_trip(h, b.bytes());
  EXPECT_EQ(b.bytes().size(), 12u);
  EXPECT_EQ(b.bytes()[10], 0x48);  // k=0, bits 0 and 3
  EXPECT_EQ(b.bytes()[11], 0x01);  // bit 14
}

TEST(FlexFecHeader, FlexibleMaskOf46Bits) {
  const std::set<int> bits{0, 15, 45};
  Bits b = base(false, false, false, true, 0, false, 96, 7, 1);
  b.put(65535, 16).put(1, 1).mask(bits, 0, 15).put(0, 1).mask(bits, 15, 31);
  FlexFecHeader h = header_of(FlexFecKind::flexible, 0x10, false, 96, 7, 1);
  h.stream_count = 1;
  h.streams[0].ssrc = 1;
  h.streams[0].sn_base = 65535;
  for (int i : bits) h.streams[0].set(static_cast<std::size_t>(i));
  expect_round_trip(h, b.bytes());
  EXPECT_EQ(b.bytes().size(), 16u);
}

TEST(FlexFecHeader, FlexibleMaskOf110Bits) {
  const std::set<int> bits{1, 46, 100, 109};
  Bits b = base(false, false, false, false, 15, true, 127, 0xFFFF, 0);
  b.put(0, 16).put(1, 1).mask(bits, 0, 15).put(1, 1).mask(bits, 15, 31).mask(bits, 46, 64);
  FlexFecHeader h = header_of(FlexFecKind::flexible, 0x0F, true, 127, 0xFFFF, 0);
  h.stream_count = 1;
  h.streams[0].ssrc = 7;
  for (int i : bits) h.streams[0].set(static_cast<std::size_t>(i));
  expect_round_trip(h, b.bytes());
  EXPECT_EQ(b.bytes().size(), 8u + 2 + 14);
}

TEST(FlexFecHeader, FlexibleMasksForSeveralSsrcs) {
  // One SN base and mask per CSRC, in the CSRC list's order.
  const std::set<int> a{0, 1, 2}, c{20};
  Bits b = base(false, false, false, false, 0, false, 100, 3, 4);
  b.put(10, 16).put(0, 1).mask(a, 0, 15);
  b.put(20000, 16).put(1, 1).mask(c, 0, 15).put(0, 1).mask(c, 15, 31);
  FlexFecHeader h = header_of(FlexFecKind::flexible, 0, false, 100, 3, 4);
  h.stream_count = 2;
  h.streams[0].ssrc = 0x11111111;
  h.streams[0].sn_base = 10;
  for (int i : a) h.streams[0].set(static_cast<std::size_t>(i));
  h.streams[1].ssrc = 0x22222222;
  h.streams[1].sn_base = 20000;
  for (int i : c) h.streams[1].set(static_cast<std::size_t>(i));
  expect_round_trip(h, b.bytes());
}

TEST(FlexFecHeader, FixedRowsAndColumnsForTwoSsrcs) {
  Bits b = base(false, true, false, false, 1, false, 33, 0xABCD, 0x01020304);
  b.put(1000, 16).put(5, 8).put(0, 8);  // 1-D row of 5
  b.put(2000, 16).put(4, 8).put(3, 8);  // column of 3, every 4th
  FlexFecHeader h = header_of(FlexFecKind::fixed, 1, false, 33, 0xABCD, 0x01020304);
  h.stream_count = 2;
  h.streams[0] = FlexFecStream{0xAAAA0001, 1000, {}, 5, 0};
  h.streams[1] = FlexFecStream{0xAAAA0002, 2000, {}, 4, 3};
  expect_round_trip(h, b.bytes());
  EXPECT_EQ(h.streams[0].span_end(FlexFecKind::fixed), 4);  // SN .. SN+L-1
  EXPECT_EQ(h.streams[1].span_end(FlexFecKind::fixed), 8);  // SN + (D-1)L
}

TEST(FlexFecHeader, Retransmission) {
  // R=1, F=0: the source packet's header, its SSRC included.
  Bits b;
  b.put(1, 1).put(0, 1).put(1, 1).put(1, 1).put(3, 4).put(1, 1).put(96, 7).put(4242, 16);
  b.put(0xCAFEBABE, 32).put(0x0BADF00D, 32);
  FlexFecHeader h = header_of(FlexFecKind::retransmission, 0x33, true, 96, 4242, 0xCAFEBABE);
  h.retransmitted_ssrc = 0x0BADF00D;
  expect_round_trip(h, b.bytes());
}

TEST(FlexFecHeader, WholeRepairPacketTakesTheSsrcsFromTheCsrcList) {
  const std::set<int> a{0, 2};
  Bits b = flexfec_test::rtp_header(false, false, {0x01010101, 0x02020202}, false, 110, 77, 9000,
                                    0xFECFECFE);
  b.put(0, 2).put(0, 1).put(0, 1).put(0, 4).put(0, 1).put(96, 7).put(20, 16).put(5, 32);
  b.put(300, 16).put(0, 1).mask(a, 0, 15);
  b.put(400, 16).put(0, 1).mask(a, 0, 15);
  Bytes packet = b.bytes();
  for (int i = 0; i < 20; ++i) packet.push_back(static_cast<std::uint8_t>(i));
  const FlexFecParse p = parse_flexfec(packet);
  ASSERT_EQ(p.error, FlexFecParseError::none);
  EXPECT_EQ(p.packet.payload_type, 110);
  EXPECT_EQ(p.packet.sequence, 77);
  EXPECT_EQ(p.packet.ssrc, 0xFECFECFEu);
  EXPECT_EQ(p.packet.header.stream_count, 2);
  EXPECT_EQ(p.packet.header.streams[0].ssrc, 0x01010101u);
  EXPECT_EQ(p.packet.header.streams[1].ssrc, 0x02020202u);
  EXPECT_EQ(p.packet.header.streams[1].sn_base, 400);
  EXPECT_TRUE(p.packet.header.streams[1].protects(2));
  EXPECT_EQ(p.packet.header_size, 16u);
  EXPECT_EQ(p.packet.repair.size(), 20u);
}

TEST(FlexFecHeader, RefusesMalformedHeaders) {
  const std::uint32_t one[] = {1};
  FlexFecHeader h;
  std::size_t size = 0;
  auto parse_with = [&](const Bytes &b, std::span<const std::uint32_t> ssrcs) {
    return parse_flexfec_header(b, ssrcs, h, size);
  };
  auto parse = [&](const Bytes &b) { return parse_with(b, one); };
  EXPECT_EQ(parse(base(0, 0, 0, 0, 0, 0, 0, 0, 0).bytes()), FlexFecParseError::truncated);
  EXPECT_EQ(parse(Bytes(7, 0)), FlexFecParseError::short_header);
  EXPECT_EQ(parse(base(1, 1, 0, 0, 0, 0, 0, 0, 0).put(0, 32).bytes()),
            FlexFecParseError::reserved_rf);
  EXPECT_EQ(parse_with(base(0, 0, 0, 0, 0, 0, 0, 0, 0).put(1, 16).put(1, 16).bytes(), {}),
            FlexFecParseError::no_stream);
  // k=1 announces a second block that is not there; k=1 twice, no third block.
  EXPECT_EQ(parse(base(0, 0, 0, 0, 0, 0, 0, 0, 0).put(1, 16).put(0xC000, 16).bytes()),
            FlexFecParseError::truncated);
  EXPECT_EQ(parse(base(0, 0, 0, 0, 0, 0, 0, 0, 0)
                      .put(1, 16)
                      .put(0x8000, 16)
                      .put(0x80000001, 32)
                      .put(0, 32)
                      .bytes()),
            FlexFecParseError::truncated);
  EXPECT_EQ(parse(base(0, 1, 0, 0, 0, 0, 0, 0, 0).put(1, 16).put(0, 8).put(4, 8).bytes()),
            FlexFecParseError::reserved_l);
  EXPECT_EQ(parse(base(0, 0, 0, 0, 0, 0, 0, 0, 0).put(1, 16).put(0, 16).bytes()),
            FlexFecParseError::empty_mask);
  const std::uint32_t two[] = {1, 2};
  EXPECT_EQ(parse_with(base(0, 1, 0, 0, 0, 0, 0, 0, 0).put(1, 16).put(0x0300, 16).bytes(), two),
            FlexFecParseError::truncated);
  EXPECT_EQ(parse_flexfec(Bytes{0x40, 0}).error, FlexFecParseError::not_rtp);
}

}  // namespace
}  // namespace srtcore::fec
