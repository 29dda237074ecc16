// The FEC packet of SRT's packet filter, byte by byte as libsrt lays it
// out (docs/features/packet-filtering-and-fec.md, fec.cpp PackControl):
// message number 0, position solo, index byte (-1: row), flag clip, length
// clip big-endian, the timestamp clip in the header's timestamp field.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "srt/fec_packet.hpp"
#include "srt/fec_sender.hpp"

namespace srtcore::srt {
namespace {

TEST(FecPacket, WireLayout) {
  const std::array<std::uint8_t, 3> clip{0xAA, 0xBB, 0xCC};
  FecPacket p;
  p.seq = 0x12345;
  p.index = kFecRowIndex;
  p.clip = fec::Clip{0x0102, 0x01, 0xDEADBEEF};
  p.payload_clip = clip;
  std::array<std::uint8_t, 64> out{};
  const std::size_t n = write_fec_packet(p, KeyFlags::kClear, 0x0A0B0C0D, out);
  ASSERT_EQ(n, kHeaderSize + 4 + 3);
  const std::vector<std::uint8_t> expect{
      0x00, 0x01, 0x23, 0x45,  // data packet, sequence
      0xC0, 0x00, 0x00, 0x00,  // PP 11 (solo), O 0, KK 00, R 0, message number 0
      0xDE, 0xAD, 0xBE, 0xEF,  // timestamp clip
      0x0A, 0x0B, 0x0C, 0x0D,  // destination socket
      0xFF, 0x01, 0x01, 0x02,  // index -1, flag clip, length clip
      0xAA, 0xBB, 0xCC};
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + static_cast<long>(n)), expect);

  const auto view = parse_data_packet(std::span<const std::uint8_t>(out.data(), n));
  ASSERT_TRUE(view);
  ASSERT_TRUE(is_fec_packet(view->header));
  const auto back = parse_fec_packet(view->header, view->payload);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, p.seq);
  EXPECT_EQ(back->index, kFecRowIndex);
  EXPECT_EQ(back->clip, p.clip);
  EXPECT_EQ(back->payload_clip.size(), 3u);
}

TEST(FecPacket, ParserRefusesWhatCannotBeFec) {
  DataHeader h;
  h.msgno = 0;
  const std::array<std::uint8_t, 3> short_payload{};
  EXPECT_FALSE(parse_fec_packet(h, short_payload));
  std::vector<std::uint8_t> too_long(kFecHeaderSize + kMaxFecClip + 1);
  EXPECT_FALSE(parse_fec_packet(h, too_long));
  h.msgno = 1;  // a data packet
  const std::array<std::uint8_t, 8> fine{};
  EXPECT_FALSE(parse_fec_packet(h, fine));
}

// Row FEC after each row, column FEC after each column's last packet, with
// the group's last sequence number and padded to the payload size: the XOR
// of two packets, checked by hand.
TEST(FecSender, RowPacketIsTheXorOfTheRowPaddedToPayloadSize) {
  FecParams p;
  p.cols = 2;
  p.rows = 1;
  FecSender s(p, 100, 8);
  DataHeader a;
  a.seq = 100;
  a.msgno = 1;
  a.timestamp = 0x10;
  DataHeader b = a;
  b.seq = 101;
  b.msgno = 2;
  b.timestamp = 0x03;
  b.key = KeyFlags::kEven;
  const std::array<std::uint8_t, 3> pa{1, 2, 3};
  const std::array<std::uint8_t, 5> pb{0xF0, 0x0F, 0xFF, 4, 5};
  s.feed(a, pa);
  EXPECT_FALSE(s.has_ready());
  s.feed(b, pb);
  ASSERT_TRUE(s.has_ready());
  std::array<std::uint8_t, 64> out{};
  const std::size_t n = s.pop(7, out);
  ASSERT_EQ(n, kHeaderSize + 4 + 8);
  const auto view = parse_data_packet(std::span<const std::uint8_t>(out.data(), n));
  ASSERT_TRUE(view);
  const auto f = parse_fec_packet(view->header, view->payload);
  ASSERT_TRUE(f);
  EXPECT_EQ(view->header.dest_socket, 7u);
  EXPECT_EQ(f->seq, 101u);
  EXPECT_EQ(f->index, kFecRowIndex);
  EXPECT_EQ(f->clip.length, 3 ^ 5);
  EXPECT_EQ(f->clip.flags, 1);
  EXPECT_EQ(f->clip.timestamp, 0x10u ^ 0x03u);
  const std::vector<std::uint8_t> xored{1 ^ 0xF0, 2 ^ 0x0F, 3 ^ 0xFF, 4, 5, 0, 0, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(f->payload_clip.begin(), f->payload_clip.end()), xored);
  EXPECT_FALSE(s.has_ready());
  EXPECT_EQ(s.packets_sent(), 1u);
}

}  // namespace
}  // namespace srtcore::srt
