#include "srt/packet.hpp"

#include <cstring>

#include "srt/seq.hpp"

namespace srtcore::srt {

namespace {

constexpr std::uint32_t kControlBit = 0x80000000;
constexpr std::uint32_t kTypeMask = 0x7FFF;
constexpr unsigned kPositionShift = 30;
constexpr std::uint32_t kInOrderBit = 0x20000000;
constexpr unsigned kKeyShift = 27;
constexpr std::uint32_t kRexmitBit = 0x04000000;

}  // namespace

const char *wire_error_text(WireError e) {
  switch (e) {
    case WireError::kTruncated:
      return "truncated";
    case WireError::kBadLength:
      return "bad length";
    case WireError::kBadValue:
      return "bad field value";
    case WireError::kOversized:
      return "oversized";
    case WireError::kBadRange:
      return "range first after last";
    case WireError::kWrongType:
      return "wrong packet type";
  }
  return "unknown";
}

const char *control_type_name(ControlType t) {
  switch (t) {
    case ControlType::kHandshake:
      return "handshake";
    case ControlType::kKeepalive:
      return "keepalive";
    case ControlType::kAck:
      return "ack";
    case ControlType::kNak:
      return "nak";
    case ControlType::kCongestionWarning:
      return "congestion-warning";
    case ControlType::kShutdown:
      return "shutdown";
    case ControlType::kAckAck:
      return "ackack";
    case ControlType::kDropRequest:
      return "drop-request";
    case ControlType::kPeerError:
      return "peer-error";
    case ControlType::kUserDefined:
      return "user-defined";
  }
  return "unknown";
}

bool is_control_packet(ByteSpan datagram) {
  return datagram.size() >= kHeaderSize && (datagram[0] & 0x80) != 0;
}

Parsed<DataPacketView> parse_data_packet(ByteSpan datagram) {
  if (datagram.size() < kHeaderSize) return WireError::kTruncated;
  const std::uint8_t *p = datagram.data();
  const std::uint32_t w0 = get_u32(p);
  if (w0 & kControlBit) return WireError::kWrongType;
  const std::uint32_t w1 = get_u32(p + 4);
  DataPacketView v;
  v.header.seq = w0;
  v.header.position = static_cast<PacketPosition>(w1 >> kPositionShift);
  v.header.in_order = (w1 & kInOrderBit) != 0;
  v.header.key = static_cast<KeyFlags>((w1 >> kKeyShift) & 0x3);
  v.header.retransmitted = (w1 & kRexmitBit) != 0;
  v.header.msgno = w1 & kMsgNoMask;
  v.header.timestamp = get_u32(p + 8);
  v.header.dest_socket = get_u32(p + 12);
  v.payload = datagram.subspan(kHeaderSize);
  return v;
}

Parsed<ControlPacketView> parse_control_packet(ByteSpan datagram) {
  if (datagram.size() < kHeaderSize) return WireError::kTruncated;
  const std::uint8_t *p = datagram.data();
  const std::uint32_t w0 = get_u32(p);
  if (!(w0 & kControlBit)) return WireError::kWrongType;
  ControlPacketView v;
  v.header.type = static_cast<ControlType>((w0 >> 16) & kTypeMask);
  v.header.subtype = static_cast<std::uint16_t>(w0);
  v.header.type_specific = get_u32(p + 4);
  v.header.timestamp = get_u32(p + 8);
  v.header.dest_socket = get_u32(p + 12);
  v.body = datagram.subspan(kHeaderSize);
  return v;
}

Parsed<PacketView> parse_packet(ByteSpan datagram) {
  if (datagram.size() < kHeaderSize) return WireError::kTruncated;
  if (is_control_packet(datagram)) return PacketView{*parse_control_packet(datagram)};
  return PacketView{*parse_data_packet(datagram)};
}

std::size_t write_data_header(const DataHeader &h, MutableByteSpan out) {
  if (out.size() < kHeaderSize) return 0;
  if (!seq_valid(h.seq) || !msgno_valid(h.msgno)) return 0;
  std::uint8_t *p = out.data();
  const std::uint32_t w1 = (static_cast<std::uint32_t>(h.position) << kPositionShift) |
                           (h.in_order ? kInOrderBit : 0) |
                           (static_cast<std::uint32_t>(h.key) << kKeyShift) |
                           (h.retransmitted ? kRexmitBit : 0) | h.msgno;
  put_u32(p, h.seq);
  put_u32(p + 4, w1);
  put_u32(p + 8, h.timestamp);
  put_u32(p + 12, h.dest_socket);
  return kHeaderSize;
}

std::size_t write_control_header(const ControlHeader &h, MutableByteSpan out) {
  if (out.size() < kHeaderSize) return 0;
  const auto type = static_cast<std::uint32_t>(h.type);
  if (type > kTypeMask) return 0;
  std::uint8_t *p = out.data();
  put_u32(p, kControlBit | (type << 16) | h.subtype);
  put_u32(p + 4, h.type_specific);
  put_u32(p + 8, h.timestamp);
  put_u32(p + 12, h.dest_socket);
  return kHeaderSize;
}

std::size_t write_control_packet(const ControlHeader &h, ByteSpan body, MutableByteSpan out) {
  if (out.size() < kHeaderSize + body.size()) return 0;
  if (write_control_header(h, out) == 0) return 0;
  if (!body.empty()) std::memcpy(out.data() + kHeaderSize, body.data(), body.size());
  return kHeaderSize + body.size();
}

}  // namespace srtcore::srt
