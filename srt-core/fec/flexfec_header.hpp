// FlexFEC (RFC 8627) repair packets: the RTP header of the repair stream and
// the FEC header after it, parsed and written without allocation.
//
// The repair packet's CSRC list names the protected source SSRCs (CC of
// them); the FEC header then carries, for each in that order, an SN base and
// either a flexible bitmask (F=0) or L and D (F=1):
//
//  |R|F|P|X|  CC   |M| PT recovery |        length recovery        |
//  |                          TS recovery                          |
//  F=0:  |           SN base_i           |k|          Mask [0-14]        |
//        |k|                   Mask [15-45] (optional)                   |
//        |                     Mask [46-109] (optional)                  |
//        |                                                               |
//  F=1:  |           SN base_i           |  L (columns)  |    D (rows)   |
//
// k=1: another mask block follows; k=0: this block is the last. The third
// block has no k bit, so a chain is 15, 46 or 110 bits long (the RFC's
// figure numbers the last bit 109; its prose says "109 bits").
// Fixed form: L>0, D<=1: a row SN .. SN+L-1 (D=1: column FEC follows);
// L>0, D>1: a column SN, SN+L, .., SN+(D-1)L; L=0: reserved.
// R=1, F=0 is a retransmission: the 12 bytes are the source packet's own
// header with R F in place of its version, SSRC included (the repair
// stream's SSRC differs, the source's travels in the FEC header), and the
// payload is the source packet after its fixed header.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/bytes.hpp"

namespace srtcore::fec {

inline constexpr std::size_t kFlexFecMaskBits = 110;
inline constexpr std::size_t kFlexFecMaxStreams = 15;  // CC has four bits
inline constexpr std::size_t kFlexFecBaseSize = 8;     // before the per-stream parts

enum class FlexFecKind : std::uint8_t { flexible, fixed, retransmission };

// One protected source stream of a parity repair packet.
struct FlexFecStream {
  std::uint32_t ssrc = 0;  // from the repair packet's CSRC list
  std::uint16_t sn_base = 0;
  // Flexible: bit i of the mask (word i/64, bit i%64) protects sn_base + i.
  std::array<std::uint64_t, 2> mask{};
  // Fixed.
  std::uint8_t l = 0;
  std::uint8_t d = 0;

  bool protects(std::size_t i) const { return i < 128 && (mask[i / 64] >> (i % 64) & 1) != 0; }
  void set(std::size_t i) { mask[i / 64] |= std::uint64_t{1} << (i % 64); }
  // Highest offset from sn_base this stream's part covers (flexible: the
  // highest mask bit set; fixed: the group's last member), -1 for none.
  int span_end(FlexFecKind kind) const;
  friend bool operator==(const FlexFecStream &, const FlexFecStream &) = default;
};

struct FlexFecHeader {
  FlexFecKind kind = FlexFecKind::flexible;
  std::uint8_t pxcc_recovery = 0;  // P, X and CC (6 bits) of the protected packets, XORed
  bool m = false;
  std::uint8_t pt_recovery = 0;       // retransmission: the payload type itself
  std::uint16_t length_recovery = 0;  // retransmission: the sequence number
  std::uint32_t ts_recovery = 0;      // retransmission: the timestamp
  std::uint32_t retransmitted_ssrc = 0;
  std::uint8_t stream_count = 0;
  std::array<FlexFecStream, kFlexFecMaxStreams> streams{};
  friend bool operator==(const FlexFecHeader &, const FlexFecHeader &) = default;
};

enum class FlexFecParseError : std::uint8_t {
  none,
  not_rtp,       // the repair packet is not RTP version 2
  short_header,  // shorter than the FEC header's fixed part
  reserved_rf,   // R=1 and F=1
  no_stream,     // a parity packet whose CSRC list is empty
  truncated,     // a per-stream part (or a mask block a k bit announced) cut off
  reserved_l,    // fixed form with L=0
  empty_mask,    // a flexible mask that protects nothing
};

struct FlexFecPacket {
  // The repair stream's own RTP header fields.
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  FlexFecHeader header;
  std::size_t header_size = 0;  // FEC header bytes
  ByteSpan repair;              // what follows the FEC header (before RTP padding)
};

struct FlexFecParse {
  FlexFecParseError error = FlexFecParseError::none;
  FlexFecPacket packet;
};

// Bytes the FEC header takes (without the repair payload).
std::size_t flexfec_header_size(const FlexFecHeader &h);

// Parses a whole repair RTP packet.
FlexFecParse parse_flexfec(ByteSpan rtp_packet);
// Parses the FEC header alone, given the protected SSRCs (the CSRC list).
FlexFecParseError parse_flexfec_header(ByteSpan fec_header, std::span<const std::uint32_t> ssrcs,
                                       FlexFecHeader &out, std::size_t &size);

// Writes the FEC header at dst (flexfec_header_size(h) bytes). Flexible masks
// use the shortest chain that holds their highest bit. Returns the size.
std::size_t write_flexfec_header(std::uint8_t *dst, const FlexFecHeader &h);

}  // namespace srtcore::fec
