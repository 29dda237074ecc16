// RTP fixed header (RFC 3550 section 5.1): parse and write, no allocation.
#pragma once

#include <cstdint>
#include <optional>

#include "rtp/bytes.hpp"

namespace srtcore::rtp {

inline constexpr std::size_t kRtpHeaderSize = 12;

struct RtpHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint8_t csrc_count = 0;
  bool has_extension = false;
  bool has_padding = false;
};

struct ParsedRtp {
  RtpHeader header;
  ByteSpan payload;  // after CSRCs and extension, before padding
  std::uint16_t extension_profile = 0;
  ByteSpan extension;  // extension data words, without the 4-byte extension header
};

// Returns nullopt for anything that is not a well-formed RTP version 2 packet
// (short, bad version, CSRC/extension/padding overrunning the packet).
std::optional<ParsedRtp> parse_rtp(ByteSpan packet);

// Size of the header (fixed part, CSRCs, extension) of the packet that starts
// with `head`, read from head alone; nullopt if head is too short to tell or
// not RTP version 2. For packets whose header and payload lie apart.
std::optional<std::size_t> rtp_header_size(ByteSpan head);
// parse_rtp of a packet given as its header (exactly rtp_header_size bytes)
// and the bytes after it: the same results without joining the two.
std::optional<ParsedRtp> parse_rtp(ByteSpan header, ByteSpan rest);

// Writes the 12-byte fixed header (no CSRC, no extension) at dst.
void write_rtp_header(std::uint8_t *dst, const RtpHeader &h);

}  // namespace srtcore::rtp
