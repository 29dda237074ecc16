#include "rtp/rtp_header.hpp"

namespace srtcore::rtp {

std::optional<ParsedRtp> parse_rtp(ByteSpan packet) {
  if (packet.size() < kRtpHeaderSize) return std::nullopt;
  const std::uint8_t b0 = packet[0];
  if ((b0 >> 6) != 2) return std::nullopt;

  ParsedRtp out;
  RtpHeader &h = out.header;
  h.has_padding = (b0 & 0x20) != 0;
  h.has_extension = (b0 & 0x10) != 0;
  h.csrc_count = b0 & 0x0f;
  h.marker = (packet[1] & 0x80) != 0;
  h.payload_type = packet[1] & 0x7f;
  h.sequence = load_be16(&packet[2]);
  h.timestamp = load_be32(&packet[4]);
  h.ssrc = load_be32(&packet[8]);

  std::size_t pos = kRtpHeaderSize + 4u * h.csrc_count;
  if (pos > packet.size()) return std::nullopt;
  if (h.has_extension) {
    if (packet.size() - pos < 4) return std::nullopt;
    out.extension_profile = load_be16(&packet[pos]);
    const std::size_t ext_len = 4u * load_be16(&packet[pos + 2]);
    pos += 4;
    if (packet.size() - pos < ext_len) return std::nullopt;
    out.extension = packet.subspan(pos, ext_len);
    pos += ext_len;
  }
  std::size_t end = packet.size();
  if (h.has_padding) {
    // The last byte counts the padding including itself, so 0 is invalid.
    const std::size_t pad = packet[end - 1];
    if (pad == 0 || pad > end - pos) return std::nullopt;
    end -= pad;
  }
  out.payload = packet.subspan(pos, end - pos);
  return out;
}

void write_rtp_header(std::uint8_t *dst, const RtpHeader &h) {
  // Flags are written as given so a caller that appends CSRCs, an extension
  // or padding can announce them; the defaults give a plain 12-byte header.
  dst[0] = static_cast<std::uint8_t>(0x80 | (h.has_padding ? 0x20 : 0) |
                                     (h.has_extension ? 0x10 : 0) | (h.csrc_count & 0x0f));
  dst[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7f));
  store_be16(dst + 2, h.sequence);
  store_be32(dst + 4, h.timestamp);
  store_be32(dst + 8, h.ssrc);
}

}  // namespace srtcore::rtp
