// Test helpers for FlexFEC (RFC 8627) written from the RFC's field layout,
// independently of srt-core's codec: a writer of MSB-first bit fields (to
// lay out the RFC's figures bit by bit) and a repair packet builder that
// XORs source packets as section 6.2 says.
#pragma once

#include <cstdint>
#include <vector>

namespace srtcore::fec::flexfec_test {

using Bytes = std::vector<std::uint8_t>;

// Appends fields most significant bit first, as the RFC's figures draw them.
class Bits {
 public:
  Bits &put(std::uint64_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) {
      if (used_ % 8 == 0) bytes_.push_back(0);
      if ((value >> i) & 1) bytes_.back() |= static_cast<std::uint8_t>(0x80 >> (used_ % 8));
      ++used_;
    }
    return *this;
  }
  // A mask block: `n` bits where bit j (0 first) is set if `first + j` is in `set`.
  template <typename Set>
  Bits &mask(const Set &set, int first, int n) {
    for (int j = 0; j < n; ++j) put(set.count(first + j) ? 1 : 0, 1);
    return *this;
  }
  const Bytes &bytes() const { return bytes_; }

 private:
  Bytes bytes_;
  int used_ = 0;
};

// An RTP fixed header (RFC 3550 figure 1) plus CSRCs.
inline Bits rtp_header(bool p, bool x, const std::vector<std::uint32_t> &csrcs, bool m, int pt,
                       std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc) {
  Bits b;
  b.put(2, 2).put(p, 1).put(x, 1).put(csrcs.size(), 4).put(m, 1).put(pt, 7).put(seq, 16);
  b.put(ts, 32).put(ssrc, 32);
  for (std::uint32_t c : csrcs) b.put(c, 32);
  return b;
}

// The XOR recovery fields and payload of a set of source packets (section
// 6.2): P X CC, M, PT and timestamp from the fixed headers, the length of
// everything after the fixed header, and those bytes zero-padded.
struct Parity {
  std::uint8_t pxcc = 0;
  std::uint8_t mpt = 0;
  std::uint16_t length = 0;
  std::uint32_t ts = 0;
  Bytes payload;
};

inline Parity parity_of(const std::vector<const Bytes *> &packets) {
  Parity r;
  for (const Bytes *p : packets) {
    const Bytes &b = *p;
    r.pxcc ^= b[0] & 0x3F;
    r.mpt ^= b[1];
    r.length ^= static_cast<std::uint16_t>(b.size() - 12);
    r.ts ^= (std::uint32_t{b[4]} << 24) | (std::uint32_t{b[5]} << 16) | (std::uint32_t{b[6]} << 8) |
            b[7];
    if (r.payload.size() < b.size() - 12) r.payload.resize(b.size() - 12, 0);
    for (std::size_t i = 12; i < b.size(); ++i) r.payload[i - 12] ^= b[i];
  }
  return r;
}

}  // namespace srtcore::fec::flexfec_test
