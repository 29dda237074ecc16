// The 16-byte SRT packet header (data and control), parsed from and written
// into caller-provided byte spans. No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "srt/bytes.hpp"

namespace srtcore::srt {

inline constexpr std::size_t kHeaderSize = 16;

// The destination socket id of any SRT packet (data or control), for
// demultiplexing before a full parse; nullopt when shorter than a header.
inline std::optional<std::uint32_t> peek_dest_socket(ByteSpan packet) {
  if (packet.size() < kHeaderSize) return std::nullopt;
  return get_u32(packet.data() + 12);
}
// 1500-byte MTU minus 28 bytes IPv4/UDP minus the SRT header.
inline constexpr std::size_t kMaxPayloadSize = 1456;
inline constexpr std::size_t kLiveDefaultPayloadSize = 1316;  // 7 * 188 (MPEG-TS)

// PP: where a packet sits in its message.
enum class PacketPosition : std::uint8_t { kMiddle = 0, kLast = 1, kFirst = 2, kSolo = 3 };
// KK: which stream key encrypted the payload.
enum class KeyFlags : std::uint8_t { kClear = 0, kEven = 1, kOdd = 2, kBoth = 3 };

struct DataHeader {
  std::uint32_t seq = 0;  // 31 bits
  PacketPosition position = PacketPosition::kSolo;
  bool in_order = false;  // O flag
  KeyFlags key = KeyFlags::kClear;
  bool retransmitted = false;  // R flag
  std::uint32_t msgno = 0;     // 26 bits
  std::uint32_t timestamp = 0;
  std::uint32_t dest_socket = 0;

  friend bool operator==(const DataHeader &, const DataHeader &) = default;
};

// The 15-bit control type. Values other than the named ones can appear on
// the wire (and must be ignored by the receiver), so they are representable.
enum class ControlType : std::uint16_t {
  kHandshake = 0,
  kKeepalive = 1,
  kAck = 2,
  kNak = 3,
  kCongestionWarning = 4,
  kShutdown = 5,
  kAckAck = 6,
  kDropRequest = 7,
  kPeerError = 8,
  kUserDefined = 0x7FFF,
};

// Subtypes of kUserDefined (libsrt "extended" messages).
enum class UserSubtype : std::uint16_t {
  kHsReq = 1,  // HSv4 only
  kHsRsp = 2,  // HSv4 only
  kKmReq = 3,  // key material (refresh, after the handshake)
  kKmRsp = 4,
};

// Short lowercase name for logs ("ack", "handshake", ...; "unknown" otherwise).
const char *control_type_name(ControlType t);

struct ControlHeader {
  ControlType type = ControlType::kKeepalive;
  std::uint16_t subtype = 0;
  std::uint32_t type_specific = 0;  // ACK number, message number, error code...
  std::uint32_t timestamp = 0;
  std::uint32_t dest_socket = 0;

  friend bool operator==(const ControlHeader &, const ControlHeader &) = default;
};

struct DataPacketView {
  DataHeader header;
  ByteSpan payload;  // points into the parsed datagram
};

struct ControlPacketView {
  ControlHeader header;
  ByteSpan body;  // the control information field, points into the datagram
};

using PacketView = std::variant<DataPacketView, ControlPacketView>;

// True when the datagram is at least a header long and has the F bit set.
bool is_control_packet(ByteSpan datagram);

Parsed<DataPacketView> parse_data_packet(ByteSpan datagram);
Parsed<ControlPacketView> parse_control_packet(ByteSpan datagram);
Parsed<PacketView> parse_packet(ByteSpan datagram);

// Writers return the number of bytes written (kHeaderSize, or header + body),
// or 0 if `out` is too small or a field does not fit its bit width.
[[nodiscard]] std::size_t write_data_header(const DataHeader &h, MutableByteSpan out);
[[nodiscard]] std::size_t write_control_header(const ControlHeader &h, MutableByteSpan out);
// Header followed by a copy of `body`.
[[nodiscard]] std::size_t write_control_packet(const ControlHeader &h, ByteSpan body,
                                               MutableByteSpan out);

}  // namespace srtcore::srt
