// The FEC packet of SRT's packet filter on the wire (libsrt "fec"): a data
// packet with message number 0 (never used by data: message numbers start
// at 1), position solo, carrying the sequence number of the last packet of
// its group and, in the timestamp field, the XOR of the group's timestamps.
// Its payload starts with a 4-byte FEC header:
//   byte 0   group index: -1 for a row, the column number for a column
//   byte 1   XOR of the KK (key) flags of the group's packets
//   bytes 2-3 XOR of the payload lengths (big-endian)
// then the XOR of the payloads, each padded with zeros to the sender's
// SRTO_PAYLOADSIZE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "fec/xor_parity.hpp"
#include "srt/bytes.hpp"
#include "srt/packet.hpp"

namespace srtcore::srt {

inline constexpr std::size_t kFecHeaderSize = 4;
inline constexpr std::int8_t kFecRowIndex = -1;
inline constexpr std::uint32_t kFecMsgNo = 0;
// The largest payload a group can protect (a data payload at MTU 1500).
inline constexpr std::size_t kMaxFecClip = kMaxPayloadSize;

struct FecPacket {
  std::uint32_t seq = 0;  // last packet of the group
  std::int8_t index = kFecRowIndex;
  fec::Clip clip;  // length, flags (KK) and timestamp clips
  ByteSpan payload_clip;
};

inline bool is_fec_packet(const DataHeader &h) {
  return h.msgno == kFecMsgNo;
}

// Reads a message-number-0 packet; nullopt when its payload cannot hold the
// FEC header or a clip longer than kMaxFecClip.
std::optional<FecPacket> parse_fec_packet(const DataHeader &h, ByteSpan payload);

// The whole datagram (header, FEC header, clip); 0 when `out` is too small.
[[nodiscard]] std::size_t write_fec_packet(const FecPacket &p, KeyFlags key,
                                           std::uint32_t dest_socket, MutableByteSpan out);

}  // namespace srtcore::srt
