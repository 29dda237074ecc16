#include "rtp/rtp_header.hpp"

namespace srtcore::rtp {

std::optional<std::size_t> rtp_header_size(ByteSpan head) {
  if (head.size() < kRtpHeaderSize || (head[0] >> 6) != 2) return std::nullopt;
  std::size_t pos = kRtpHeaderSize + 4u * (head[0] & 0x0f);
  if ((head[0] & 0x10) == 0) return pos;
  if (head.size() < pos + 4) return std::nullopt;
  return pos + 4 + 4u * load_be16(&head[pos + 2]);
}

namespace {

// parse_rtp once rtp_header_size has vouched for `header`.
std::optional<ParsedRtp> parse_checked(ByteSpan header, ByteSpan rest) {
  ParsedRtp out;
  RtpHeader &h = out.header;
  const std::uint8_t b0 = header[0];
  h.has_padding = (b0 & 0x20) != 0;
  h.has_extension = (b0 & 0x10) != 0;
  h.csrc_count = b0 & 0x0f;
  h.marker = (header[1] & 0x80) != 0;
  h.payload_type = header[1] & 0x7f;
  h.sequence = load_be16(&header[2]);
  h.timestamp = load_be32(&header[4]);
  h.ssrc = load_be32(&header[8]);
  if (h.has_extension) {
    const std::size_t pos = kRtpHeaderSize + 4u * h.csrc_count;
    out.extension_profile = load_be16(&header[pos]);
    out.extension = header.subspan(pos + 4);
  }
  std::size_t end = rest.size();
  if (h.has_padding) {
    // The last byte counts the padding including itself, so 0 is invalid.
    const std::size_t pad = end ? rest[end - 1] : 0;
    if (pad == 0 || pad > end) return std::nullopt;
    end -= pad;
  }
  out.payload = rest.first(end);
  return out;
}

}  // namespace

std::optional<ParsedRtp> parse_rtp(ByteSpan header, ByteSpan rest) {
  const auto size = rtp_header_size(header);
  if (!size || *size != header.size()) return std::nullopt;
  return parse_checked(header, rest);
}

std::optional<ParsedRtp> parse_rtp(ByteSpan packet) {
  // A header that does not fit in the packet is as invalid as a short one.
  const auto size = rtp_header_size(packet);
  if (!size || *size > packet.size()) return std::nullopt;
  return parse_checked(packet.first(*size), packet.subspan(*size));
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
