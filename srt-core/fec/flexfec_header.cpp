#include "fec/flexfec_header.hpp"

#include "rtp/rtp_header.hpp"

namespace srtcore::fec {

namespace {

// Mask bits of each block, in the order they are chained.
constexpr std::size_t kBlockBits[3] = {15, 31, 64};
constexpr std::size_t kBlockBytes[3] = {2, 4, 8};

int highest_bit(const FlexFecStream &s) {
  for (int i = static_cast<int>(kFlexFecMaskBits) - 1; i >= 0; --i)
    if (s.protects(static_cast<std::size_t>(i))) return i;
  return -1;
}

std::size_t blocks_for(const FlexFecStream &s) {
  const int top = highest_bit(s);
  return top < 15 ? 1 : top < 46 ? 2 : 3;
}

std::uint64_t load_be(const std::uint8_t *p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

void store_be(std::uint8_t *p, std::size_t n, std::uint64_t v) {
  for (std::size_t i = n; i-- > 0;) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

int FlexFecStream::span_end(FlexFecKind kind) const {
  if (kind == FlexFecKind::fixed) {
    if (l == 0) return -1;
    return d <= 1 ? l - 1 : l * (d - 1);
  }
  return highest_bit(*this);
}

std::size_t flexfec_header_size(const FlexFecHeader &h) {
  if (h.kind == FlexFecKind::retransmission) return 12;
  std::size_t n = kFlexFecBaseSize;
  for (std::size_t i = 0; i < h.stream_count; ++i) {
    n += 2;
    if (h.kind == FlexFecKind::fixed) {
      n += 2;
    } else {
      for (std::size_t b = 0; b < blocks_for(h.streams[i]); ++b) n += kBlockBytes[b];
    }
  }
  return n;
}

FlexFecParseError parse_flexfec_header(ByteSpan p, std::span<const std::uint32_t> ssrcs,
                                       FlexFecHeader &h, std::size_t &size) {
  h = FlexFecHeader{};
  if (p.size() < kFlexFecBaseSize) return FlexFecParseError::short_header;
  const bool r = (p[0] & 0x80) != 0;
  const bool f = (p[0] & 0x40) != 0;
  if (r && f) return FlexFecParseError::reserved_rf;
  h.kind = r ? FlexFecKind::retransmission : f ? FlexFecKind::fixed : FlexFecKind::flexible;
  h.pxcc_recovery = p[0] & 0x3F;
  h.m = (p[1] & 0x80) != 0;
  h.pt_recovery = p[1] & 0x7F;
  h.length_recovery = load_be16(&p[2]);
  h.ts_recovery = load_be32(&p[4]);
  if (r) {
    if (p.size() < 12) return FlexFecParseError::short_header;
    h.retransmitted_ssrc = load_be32(&p[8]);
    size = 12;
    return FlexFecParseError::none;
  }
  if (ssrcs.empty()) return FlexFecParseError::no_stream;
  std::size_t at = kFlexFecBaseSize;
  h.stream_count = static_cast<std::uint8_t>(ssrcs.size());
  for (std::size_t i = 0; i < ssrcs.size(); ++i) {
    FlexFecStream &s = h.streams[i];
    s.ssrc = ssrcs[i];
    if (p.size() < at + 4) return FlexFecParseError::truncated;
    s.sn_base = load_be16(&p[at]);
    at += 2;
    if (f) {
      s.l = p[at];
      s.d = p[at + 1];
      at += 2;
      if (s.l == 0) return FlexFecParseError::reserved_l;
      continue;
    }
    // The k bit of blocks 0 and 1 says whether another block follows; the
    // third block has none, so a chain ends after at most three.
    std::size_t first = 0;
    for (std::size_t b = 0; b < 3; ++b) {
      if (p.size() < at + kBlockBytes[b]) return FlexFecParseError::truncated;
      const std::uint64_t word = load_be(&p[at], kBlockBytes[b]);
      at += kBlockBytes[b];
      const std::size_t bits = kBlockBits[b];
      for (std::size_t j = 0; j < bits; ++j)
        if (word >> (bits - 1 - j) & 1) s.set(first + j);
      first += bits;
      const bool more = b < 2 && (word >> bits & 1) != 0;
      if (!more) break;
    }
    if (s.mask[0] == 0 && s.mask[1] == 0) return FlexFecParseError::empty_mask;
  }
  size = at;
  return FlexFecParseError::none;
}

FlexFecParse parse_flexfec(ByteSpan packet) {
  FlexFecParse out;
  const auto rtp = rtp::parse_rtp(packet);
  if (!rtp) {
    out.error = FlexFecParseError::not_rtp;
    return out;
  }
  FlexFecPacket &fp = out.packet;
  fp.payload_type = rtp->header.payload_type;
  fp.sequence = rtp->header.sequence;
  fp.timestamp = rtp->header.timestamp;
  fp.ssrc = rtp->header.ssrc;
  std::array<std::uint32_t, kFlexFecMaxStreams> ssrcs{};
  const std::size_t cc = rtp->header.csrc_count;
  for (std::size_t i = 0; i < cc; ++i) ssrcs[i] = load_be32(&packet[rtp::kRtpHeaderSize + 4 * i]);
  out.error =
      parse_flexfec_header(rtp->payload, std::span(ssrcs).first(cc), fp.header, fp.header_size);
  if (out.error == FlexFecParseError::none) fp.repair = rtp->payload.subspan(fp.header_size);
  return out;
}

std::size_t write_flexfec_header(std::uint8_t *dst, const FlexFecHeader &h) {
  const bool r = h.kind == FlexFecKind::retransmission;
  const bool f = h.kind == FlexFecKind::fixed;
  dst[0] = static_cast<std::uint8_t>((r ? 0x80 : 0) | (f ? 0x40 : 0) | (h.pxcc_recovery & 0x3F));
  dst[1] = static_cast<std::uint8_t>((h.m ? 0x80 : 0) | (h.pt_recovery & 0x7F));
  store_be16(dst + 2, h.length_recovery);
  store_be32(dst + 4, h.ts_recovery);
  if (r) {
    store_be32(dst + 8, h.retransmitted_ssrc);
    return 12;
  }
  std::size_t at = kFlexFecBaseSize;
  for (std::size_t i = 0; i < h.stream_count; ++i) {
    const FlexFecStream &s = h.streams[i];
    store_be16(dst + at, s.sn_base);
    at += 2;
    if (f) {
      dst[at] = s.l;
      dst[at + 1] = s.d;
      at += 2;
      continue;
    }
    const std::size_t blocks = blocks_for(s);
    std::size_t first = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t bits = kBlockBits[b];
      std::uint64_t word = (b + 1 < blocks) ? std::uint64_t{1} << bits : 0;  // k bit
      for (std::size_t j = 0; j < bits; ++j)
        if (s.protects(first + j)) word |= std::uint64_t{1} << (bits - 1 - j);
      store_be(dst + at, kBlockBytes[b], word);
      at += kBlockBytes[b];
      first += bits;
    }
  }
  return at;
}

}  // namespace srtcore::fec
