#include "rtp/red.hpp"

namespace srtcore::rtp::red {

namespace {

// Timestamps compare by their signed difference (they wrap at 2^32).
bool ts_before(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b) < 0;
}

}  // namespace

std::optional<Layout> parse_layout(ByteSpan head, std::size_t payload_size) {
  Layout l;
  const std::size_t limit = head.size() < payload_size ? head.size() : payload_size;
  std::size_t pos = 0;
  std::size_t redundant_bytes = 0;
  for (;;) {
    if (pos >= limit) return std::nullopt;
    const std::uint8_t first = head[pos];
    if ((first & 0x80) == 0) {
      l.primary_payload_type = first & 0x7f;
      pos += kPrimaryHeaderSize;
      break;
    }
    if (l.redundant_count == kMaxRedundantBlocks) return std::nullopt;
    if (limit - pos < kRedundantHeaderSize) return std::nullopt;
    const std::uint32_t rest =
        (std::uint32_t{head[pos + 1]} << 16) | (std::uint32_t{head[pos + 2]} << 8) | head[pos + 3];
    l.redundant[l.redundant_count++] = {static_cast<std::uint8_t>(first & 0x7f), rest >> 10,
                                        rest & 0x3ff};
    redundant_bytes += rest & 0x3ff;
    pos += kRedundantHeaderSize;
  }
  // The primary block must hold at least one byte.
  if (payload_size - pos <= redundant_bytes) return std::nullopt;
  l.data_offset = pos;
  l.primary_offset = pos + redundant_bytes;
  l.primary_length = payload_size - l.primary_offset;
  return l;
}

std::optional<Parsed> parse(ByteSpan payload) {
  const auto l = parse_layout(payload, payload.size());
  if (!l) return std::nullopt;
  Parsed p;
  p.redundant_count = l->redundant_count;
  std::size_t pos = l->data_offset;
  for (std::size_t i = 0; i < l->redundant_count; ++i) {
    const BlockHeader &h = l->redundant[i];
    p.redundant[i] = {h.payload_type, h.timestamp_offset, payload.subspan(pos, h.length)};
    pos += h.length;
  }
  p.primary_payload_type = l->primary_payload_type;
  p.primary = payload.subspan(l->primary_offset);
  p.header_size = l->data_offset;
  return p;
}

std::size_t header_size(std::size_t redundant_blocks) {
  return redundant_blocks * kRedundantHeaderSize + kPrimaryHeaderSize;
}

bool fits(std::uint32_t timestamp_offset, std::size_t length) {
  return timestamp_offset <= kMaxTimestampOffset && length <= kMaxBlockLength;
}

void write_headers(std::uint8_t *out, std::span<const BlockHeader> redundant,
                   std::uint8_t primary_payload_type) {
  for (const BlockHeader &b : redundant) {
    const std::uint32_t rest = (b.timestamp_offset << 10) | static_cast<std::uint32_t>(b.length);
    out[0] = static_cast<std::uint8_t>(0x80 | (b.payload_type & 0x7f));
    out[1] = static_cast<std::uint8_t>(rest >> 16);
    out[2] = static_cast<std::uint8_t>(rest >> 8);
    out[3] = static_cast<std::uint8_t>(rest);
    out += kRedundantHeaderSize;
  }
  out[0] = primary_payload_type & 0x7f;
}

void SequenceFinder::add(std::uint16_t seq, std::uint32_t timestamp) {
  // Insert before the first entry whose timestamp is not newer; the oldest
  // falls off a full history.
  std::size_t at = 0;
  while (at < count_ && ts_before(timestamp, entries_[at].timestamp)) ++at;
  if (at == kDepth) return;  // older than everything kept
  const std::size_t last = count_ < kDepth ? count_ : kDepth - 1;
  for (std::size_t i = last; i > at; --i) entries_[i] = entries_[i - 1];
  entries_[at] = {seq, timestamp};
  if (count_ < kDepth) ++count_;
}

std::optional<std::uint16_t> SequenceFinder::missing_seq(std::uint32_t timestamp) const {
  // The newest entry older than `timestamp`, and the one just newer.
  std::size_t older = 0;
  while (older < count_ && !ts_before(entries_[older].timestamp, timestamp)) ++older;
  if (older == count_ || older == 0) return std::nullopt;
  const Entry &o = entries_[older];
  const Entry &n = entries_[older - 1];
  if (n.timestamp == timestamp) return std::nullopt;  // received
  const auto gap = static_cast<std::int16_t>(static_cast<std::uint16_t>(n.seq - o.seq));
  if (gap <= 1) return std::nullopt;  // nothing missing between them
  const std::uint32_t span = n.timestamp - o.timestamp;
  for (int k = 1; k < gap; ++k) {
    const auto t = static_cast<std::uint32_t>(o.timestamp + std::uint64_t{span} *
                                                                static_cast<std::uint64_t>(k) /
                                                                static_cast<std::uint64_t>(gap));
    if (t == timestamp) return static_cast<std::uint16_t>(o.seq + k);
  }
  return std::nullopt;
}

}  // namespace srtcore::rtp::red
