// SMPTE 2022-1 FEC header: the 16 bytes after the RTP header of every FEC
// packet (RFC 2733's FEC header extended by the 2022-1 fields). Parse and
// write, no allocation.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |       SNBase low bits         |        Length recovery        |
// |E| PT recovery |                    Mask                       |
// |                          TS recovery                          |
// |N|D|type |index|    Offset     |      NA       |SNBase ext bits|
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace srtcore::fec {

inline constexpr std::size_t kSt2022HeaderSize = 16;

struct St2022Header {
  std::uint16_t sn_base = 0;  // first media sequence number of the group
  std::uint16_t length_recovery = 0;
  bool e = true;                 // always 1 in 2022-1 (the header extension is present)
  std::uint8_t pt_recovery = 0;  // 7 bits
  std::uint32_t mask = 0;        // 24 bits, 0 in 2022-1
  std::uint32_t ts_recovery = 0;
  bool n = false;
  bool d = false;         // false: column FEC (offset L, NA D); true: row FEC (offset 1, NA L)
  std::uint8_t type = 0;  // 0: XOR
  std::uint8_t index = 0;
  std::uint8_t offset = 0;
  std::uint8_t na = 0;  // number of media packets the FEC packet protects
  std::uint8_t sn_base_ext = 0;

  friend bool operator==(const St2022Header &, const St2022Header &) = default;
};

// Reads the header at the start of an FEC packet's RTP payload; nullopt if
// it is shorter than 16 bytes. Field values are not judged here.
std::optional<St2022Header> parse_st2022_header(std::span<const std::uint8_t> payload);

// Writes the 16 bytes at dst.
void write_st2022_header(std::uint8_t *dst, const St2022Header &h);

}  // namespace srtcore::fec
