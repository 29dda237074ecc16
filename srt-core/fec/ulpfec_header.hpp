// ULPFEC (RFC 5109) FEC header and level-0 header: the 14 or 18 bytes at
// the start of an FEC packet's RTP payload. Parse and write, no allocation.
// One protection level only, as every sender in use (libwebrtc,
// gst-plugins-good) writes.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |E|L|P|X|  CC   |M| PT recovery |            SN base            |
// |                          TS recovery                          |
// |        length recovery        |       Protection Length       |
// |             mask              |   mask cont. (present if L)   |
// |  mask cont. (present if L)    |
//
// The mask is kept as one 48-bit value: bit 47 protects SN base + 0, bit
// 47 - i protects SN base + i (a short mask fills bits 47..32).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace srtcore::fec {

inline constexpr std::size_t kUlpfecHeaderSize = 10;
inline constexpr unsigned kUlpfecShortSpan = 16;  // packets a short mask covers
inline constexpr unsigned kUlpfecLongSpan = 48;

inline constexpr std::size_t ulpfec_headers_size(bool long_mask) {
  return kUlpfecHeaderSize + (long_mask ? 8 : 4);
}

// The mask bit of the packet `delta` after SN base (0 <= delta < 48).
inline constexpr std::uint64_t ulpfec_mask_bit(unsigned delta) {
  return std::uint64_t{1} << (kUlpfecLongSpan - 1 - delta);
}

// Whether a mask needs the long (48-bit) form: any packet past SN base + 15.
inline constexpr bool ulpfec_mask_is_long(std::uint64_t mask) {
  return (mask & 0xFFFFFFFFu) != 0;
}

struct UlpfecHeader {
  bool e = false;
  bool l = false;  // long mask
  // Recovery fields: XOR of the protected packets' first RTP header bytes.
  std::uint8_t byte0 = 0;  // P, X, CC in the low six bits (E, L above them)
  std::uint8_t byte1 = 0;  // M and PT
  std::uint16_t sn_base = 0;
  std::uint32_t ts_recovery = 0;
  std::uint16_t length_recovery = 0;
  // Level 0.
  std::uint16_t protection_length = 0;
  std::uint64_t mask = 0;

  friend bool operator==(const UlpfecHeader &, const UlpfecHeader &) = default;
};

enum class UlpfecParse {
  ok,
  too_short,        // not even the FEC header, or not the level header its L asks for
  extension_set,    // E: RFC 5109 reserves it
  length_mismatch,  // headers + protection length is not the payload's size
};

// Reads the headers at the start of an FEC packet's RTP payload and judges
// the lengths as gst-plugins-good's rtpulpfecdec does. `header` is filled
// whenever the status is not too_short.
UlpfecParse parse_ulpfec(std::span<const std::uint8_t> payload, UlpfecHeader &header);

// Writes the headers (14 or 18 bytes, after h.l) at dst; E is written 0,
// and the top two bits of byte0 are E and L.
void write_ulpfec_header(std::uint8_t *dst, const UlpfecHeader &h);

}  // namespace srtcore::fec
