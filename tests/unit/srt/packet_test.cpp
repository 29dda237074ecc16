// 16-byte header codec against byte layouts written out from the SRT draft.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "srt/packet.hpp"

namespace srtcore::srt {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(DataHeader, LayoutAllFlagsSet) {
  DataHeader h;
  h.seq = 0x12345678;
  h.position = PacketPosition::kFirst;  // PP = 10
  h.in_order = true;                    // O = 1
  h.key = KeyFlags::kOdd;               // KK = 10
  h.retransmitted = true;               // R = 1
  h.msgno = 0x000ABCDE;
  h.timestamp = 0xDEADBEEF;
  h.dest_socket = 0x01020304;
  const Bytes expected = {
      0x12, 0x34, 0x56, 0x78,  // F=0, sequence number
      0xB4, 0x0A, 0xBC, 0xDE,  // PP=10 O=1 KK=10 R=1 (1011 01..), msgno 0x0ABCDE
      0xDE, 0xAD, 0xBE, 0xEF,  // timestamp
      0x01, 0x02, 0x03, 0x04,  // destination socket id
  };
  Bytes out(16);
  ASSERT_EQ(write_data_header(h, out), 16u);
  EXPECT_EQ(out, expected);

  auto p = parse_data_packet(expected);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header, h);
  EXPECT_TRUE(p->payload.empty());
}

struct FlagCase {
  PacketPosition pp;
  bool order;
  KeyFlags kk;
  bool rexmit;
  std::uint32_t msgno;
  std::uint32_t word1;  // expected second header word
};

class DataFlagsTest : public ::testing::TestWithParam<FlagCase> {};

TEST_P(DataFlagsTest, SecondWord) {
  const FlagCase c = GetParam();
  DataHeader h;
  h.seq = 1;
  h.position = c.pp;
  h.in_order = c.order;
  h.key = c.kk;
  h.retransmitted = c.rexmit;
  h.msgno = c.msgno;
  std::array<std::uint8_t, 16> out{};
  ASSERT_EQ(write_data_header(h, out), 16u);
  EXPECT_EQ(get_u32(out.data() + 4), c.word1);
  auto p = parse_data_packet(out);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header, h);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DataFlagsTest,
    ::testing::Values(
        FlagCase{PacketPosition::kSolo, false, KeyFlags::kClear, false, 1, 0xC0000001},
        FlagCase{PacketPosition::kMiddle, false, KeyFlags::kEven, false, 7, 0x08000007},
        FlagCase{PacketPosition::kLast, false, KeyFlags::kClear, false, 0x03FFFFFF, 0x43FFFFFF},
        FlagCase{PacketPosition::kFirst, true, KeyFlags::kClear, false, 0, 0xA0000000},
        FlagCase{PacketPosition::kMiddle, false, KeyFlags::kClear, true, 2, 0x04000002},
        FlagCase{PacketPosition::kSolo, true, KeyFlags::kBoth, true, 0x155, 0xFC000155}));

TEST(DataPacket, PayloadIsTheRestOfTheDatagram) {
  const Bytes d = {0x00, 0x00, 0x00, 0x2A, 0xC0, 0x00, 0x00, 0x01, 0x00, 0x00,
                   0x00, 0x10, 0x00, 0x00, 0x00, 0x05, 0xAA, 0xBB, 0xCC};
  auto p = parse_data_packet(d);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.seq, 42u);
  EXPECT_EQ(p->header.position, PacketPosition::kSolo);
  EXPECT_EQ(p->header.msgno, 1u);
  EXPECT_EQ(p->header.timestamp, 16u);
  EXPECT_EQ(p->header.dest_socket, 5u);
  ASSERT_EQ(p->payload.size(), 3u);
  EXPECT_EQ(p->payload.data(), d.data() + 16);  // a view, not a copy
}

TEST(DataHeader, WriterRejectsOutOfRangeFieldsAndSmallBuffers) {
  std::array<std::uint8_t, 16> out{};
  DataHeader h;
  h.seq = 0x80000000;  // 32 bits: would set F
  EXPECT_EQ(write_data_header(h, out), 0u);
  h.seq = 0;
  h.msgno = 0x04000000;  // 27 bits: would clobber R
  EXPECT_EQ(write_data_header(h, out), 0u);
  h.msgno = 0;
  EXPECT_EQ(write_data_header(h, std::span(out).first(15)), 0u);
  EXPECT_EQ(write_data_header(h, out), 16u);
}

TEST(ControlHeader, LayoutAck) {
  const ControlHeader h{ControlType::kAck, 0, 7, 1000, 0x2A};
  const Bytes expected = {
      0x80, 0x02, 0x00, 0x00,  // F=1, type 2 (ACK), subtype 0
      0x00, 0x00, 0x00, 0x07,  // type-specific: ACK number 7
      0x00, 0x00, 0x03, 0xE8,  // timestamp 1000
      0x00, 0x00, 0x00, 0x2A,  // destination socket id
  };
  Bytes out(16);
  ASSERT_EQ(write_control_header(h, out), 16u);
  EXPECT_EQ(out, expected);
  auto p = parse_control_packet(expected);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header, h);
  EXPECT_TRUE(p->body.empty());
}

TEST(ControlHeader, LayoutUserDefinedKmReq) {
  const ControlHeader h{ControlType::kUserDefined, 3, 0, 0x01020304, 0x0A0B0C0D};
  const Bytes expected = {
      0xFF, 0xFF, 0x00, 0x03,  // F=1, type 0x7FFF, subtype 3 (KMREQ)
      0x00, 0x00, 0x00, 0x00,  // type-specific
      0x01, 0x02, 0x03, 0x04,  // timestamp
      0x0A, 0x0B, 0x0C, 0x0D,  // destination socket id
  };
  Bytes out(16);
  ASSERT_EQ(write_control_header(h, out), 16u);
  EXPECT_EQ(out, expected);
  auto p = parse_control_packet(expected);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header, h);
}

TEST(ControlHeader, UnknownTypeIsRepresentable) {
  const Bytes d = {0x81, 0x23, 0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 9, 9, 9};
  auto p = parse_control_packet(d);
  ASSERT_TRUE(p);
  EXPECT_EQ(static_cast<std::uint16_t>(p->header.type), 0x0123);
  EXPECT_EQ(p->header.subtype, 0xBEEF);
  EXPECT_EQ(p->body.size(), 4u);
  Bytes out(20);
  ASSERT_EQ(write_control_packet(p->header, p->body, out), 20u);
  EXPECT_EQ(out, d);
}

TEST(ControlHeader, TypeNames) {
  EXPECT_STREQ(control_type_name(ControlType::kAck), "ack");
  EXPECT_STREQ(control_type_name(ControlType::kDropRequest), "drop-request");
  EXPECT_STREQ(control_type_name(ControlType::kUserDefined), "user-defined");
  EXPECT_STREQ(control_type_name(static_cast<ControlType>(0x123)), "unknown");
}

TEST(ControlHeader, WriterRejectsTypeWiderThan15Bits) {
  std::array<std::uint8_t, 16> out{};
  const ControlHeader h{static_cast<ControlType>(0x8000), 0, 0, 0, 0};
  EXPECT_EQ(write_control_header(h, out), 0u);
}

TEST(Packet, EveryShortLengthIsRejected) {
  const std::array<std::uint8_t, 16> full = {0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (std::size_t n = 0; n < 16; ++n) {
    const ByteSpan s = std::span(full).first(n);
    EXPECT_FALSE(parse_packet(s)) << n;
    EXPECT_EQ(parse_packet(s).error(), WireError::kTruncated);
    EXPECT_FALSE(parse_control_packet(s)) << n;
    EXPECT_FALSE(parse_data_packet(s)) << n;
    EXPECT_FALSE(is_control_packet(s));
  }
  EXPECT_TRUE(parse_packet(full));
}

TEST(Packet, DispatchOnFBit) {
  const std::array<std::uint8_t, 16> data = {0x7F, 0xFF, 0xFF, 0xFF, 0xC0, 0, 0, 1,
                                             0,    0,    0,    0,    0,    0, 0, 1};
  std::array<std::uint8_t, 16> ctrl = data;
  ctrl[0] = 0x80;
  ctrl[1] = 0x01;  // keepalive
  auto pd = parse_packet(data);
  ASSERT_TRUE(pd);
  ASSERT_TRUE(std::holds_alternative<DataPacketView>(*pd));
  EXPECT_EQ(std::get<DataPacketView>(*pd).header.seq, 0x7FFFFFFFu);
  auto pc = parse_packet(ctrl);
  ASSERT_TRUE(pc);
  ASSERT_TRUE(std::holds_alternative<ControlPacketView>(*pc));
  EXPECT_EQ(std::get<ControlPacketView>(*pc).header.type, ControlType::kKeepalive);

  EXPECT_EQ(parse_data_packet(ctrl).error(), WireError::kWrongType);
  EXPECT_EQ(parse_control_packet(data).error(), WireError::kWrongType);
}

TEST(ControlPacket, WriterChecksRoomForTheBody) {
  const std::array<std::uint8_t, 8> body = {1, 2, 3, 4, 5, 6, 7, 8};
  std::array<std::uint8_t, 23> small{};
  EXPECT_EQ(write_control_packet(ControlHeader{}, body, small), 0u);
  std::array<std::uint8_t, 24> exact{};
  EXPECT_EQ(write_control_packet(ControlHeader{}, body, exact), 24u);
  EXPECT_EQ(exact[16], 1);
  EXPECT_EQ(exact[23], 8);
}

TEST(PeekDestSocket, ReadsWordThreeOfDataAndControlHeaders) {
  std::uint8_t data[kHeaderSize] = {0x00, 0, 0, 1, 0xC0, 0,    0,    1,
                                    0,    0, 0, 0, 0x12, 0x34, 0x56, 0x78};
  EXPECT_EQ(peek_dest_socket(data), 0x12345678u);
  data[0] = 0x80;  // control
  EXPECT_EQ(peek_dest_socket(data), 0x12345678u);
  EXPECT_EQ(peek_dest_socket(ByteSpan(data, kHeaderSize - 1)), std::nullopt);
}

}  // namespace
}  // namespace srtcore::srt
