// RTP payload for redundant audio data (RED, RFC 2198): the block headers
// of a RED payload, read and written without allocation, and the sequence
// number a redundant block had (the format does not carry it: it is found
// from the sequence numbers and timestamps of the packets around it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::red {

inline constexpr std::uint32_t kMaxTimestampOffset = (1u << 14) - 1;
inline constexpr std::size_t kMaxBlockLength = (1u << 10) - 1;
inline constexpr std::size_t kRedundantHeaderSize = 4;  // F=1, PT, ts offset, length
inline constexpr std::size_t kPrimaryHeaderSize = 1;    // F=0, PT
// More blocks than this in one packet is taken as malformed (senders use
// one or two; the bound keeps parsing allocation-free).
inline constexpr std::size_t kMaxRedundantBlocks = 15;

struct RedundantBlock {
  std::uint8_t payload_type = 0;
  std::uint32_t timestamp_offset = 0;  // primary timestamp minus this block's
  ByteSpan data;
};

struct Parsed {
  std::array<RedundantBlock, kMaxRedundantBlocks> redundant{};
  std::size_t redundant_count = 0;
  std::uint8_t primary_payload_type = 0;
  ByteSpan primary;             // never empty
  std::size_t header_size = 0;  // bytes of block headers before the data
};

struct BlockHeader {
  std::uint8_t payload_type = 0;
  std::uint32_t timestamp_offset = 0;
  std::size_t length = 0;
};

// Where the blocks of a RED payload lie, from its first bytes (`head`: at
// least the block headers, for packets whose payload is not contiguous) and
// its whole size. Redundant block i starts at data_offset + the lengths of
// the blocks before it; the primary block fills the rest.
struct Layout {
  std::array<BlockHeader, kMaxRedundantBlocks> redundant{};
  std::size_t redundant_count = 0;
  std::uint8_t primary_payload_type = 0;
  std::size_t data_offset = 0;  // = the size of the block headers
  std::size_t primary_offset = 0;
  std::size_t primary_length = 0;  // never 0
};
// nullopt when the headers run past the payload (or past `head`), the
// blocks' lengths do not leave a non-empty primary block, or there are more
// than kMaxRedundantBlocks.
std::optional<Layout> parse_layout(ByteSpan head, std::size_t payload_size);
// The same over a contiguous payload, with the blocks' bytes.
std::optional<Parsed> parse(ByteSpan payload);
// Bytes of `head` parse_layout may need: every header of the most blocks.
inline constexpr std::size_t kMaxHeadersSize = kMaxRedundantBlocks * kRedundantHeaderSize + 1;

// Block headers for `redundant` (oldest first) then the primary's, written
// at `out` (header_size(redundant.size()) bytes). Offsets and lengths must be
// within the limits above: check with fits() first.
std::size_t header_size(std::size_t redundant_blocks);
bool fits(std::uint32_t timestamp_offset, std::size_t length);
void write_headers(std::uint8_t *out, std::span<const BlockHeader> redundant,
                   std::uint8_t primary_payload_type);

// The last packets of a stream received (sequence number and timestamp),
// newest timestamp first, for finding the sequence number of a redundant
// block: the packets just older and just newer than its timestamp must be
// apart by more than one sequence number, and the timestamps of the missing
// ones (spread evenly between the two) must include the block's.
class SequenceFinder {
 public:
  static constexpr std::size_t kDepth = 16;
  void add(std::uint16_t seq, std::uint32_t timestamp);
  // The sequence number of the missing packet with `timestamp`; nullopt when
  // it was received (or cannot be placed: outside the history, no gap).
  std::optional<std::uint16_t> missing_seq(std::uint32_t timestamp) const;
  void clear() { count_ = 0; }

 private:
  struct Entry {
    std::uint16_t seq;
    std::uint32_t timestamp;
  };
  std::array<Entry, kDepth> entries_{};  // sorted, newest timestamp first
  std::size_t count_ = 0;
};

}  // namespace srtcore::rtp::red
