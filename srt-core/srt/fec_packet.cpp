#include "srt/fec_packet.hpp"

#include <cstring>

namespace srtcore::srt {

std::optional<FecPacket> parse_fec_packet(const DataHeader &h, ByteSpan payload) {
  if (!is_fec_packet(h) || payload.size() < kFecHeaderSize) return std::nullopt;
  if (payload.size() - kFecHeaderSize > kMaxFecClip) return std::nullopt;
  FecPacket p;
  p.seq = h.seq;
  p.index = static_cast<std::int8_t>(payload[0]);
  p.clip.flags = payload[1];
  p.clip.length = get_u16(payload.data() + 2);
  p.clip.timestamp = h.timestamp;
  p.payload_clip = payload.subspan(kFecHeaderSize);
  return p;
}

std::size_t write_fec_packet(const FecPacket &p, KeyFlags key, std::uint32_t dest_socket,
                             MutableByteSpan out) {
  const std::size_t size = kHeaderSize + kFecHeaderSize + p.payload_clip.size();
  if (out.size() < size) return 0;
  DataHeader h;
  h.seq = p.seq;
  h.position = PacketPosition::kSolo;
  h.key = key;
  h.msgno = kFecMsgNo;
  h.timestamp = p.clip.timestamp;
  h.dest_socket = dest_socket;
  if (write_data_header(h, out) != kHeaderSize) return 0;
  std::uint8_t *f = out.data() + kHeaderSize;
  f[0] = static_cast<std::uint8_t>(p.index);
  f[1] = p.clip.flags;
  put_u16(f + 2, p.clip.length);
  if (!p.payload_clip.empty()) {
    std::memcpy(f + kFecHeaderSize, p.payload_clip.data(), p.payload_clip.size());
  }
  return size;
}

}  // namespace srtcore::srt
