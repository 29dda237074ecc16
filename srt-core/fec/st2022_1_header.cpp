#include "fec/st2022_1_header.hpp"

#include "rtp/bytes.hpp"

namespace srtcore::fec {

std::optional<St2022Header> parse_st2022_header(std::span<const std::uint8_t> p) {
  if (p.size() < kSt2022HeaderSize) return std::nullopt;
  St2022Header h;
  h.sn_base = load_be16(&p[0]);
  h.length_recovery = load_be16(&p[2]);
  h.e = (p[4] & 0x80) != 0;
  h.pt_recovery = p[4] & 0x7F;
  h.mask = load_be24(&p[5]);
  h.ts_recovery = load_be32(&p[8]);
  h.n = (p[12] & 0x80) != 0;
  h.d = (p[12] & 0x40) != 0;
  h.type = (p[12] >> 3) & 0x07;
  h.index = p[12] & 0x07;
  h.offset = p[13];
  h.na = p[14];
  h.sn_base_ext = p[15];
  return h;
}

void write_st2022_header(std::uint8_t *dst, const St2022Header &h) {
  store_be16(dst, h.sn_base);
  store_be16(dst + 2, h.length_recovery);
  dst[4] = static_cast<std::uint8_t>((h.e ? 0x80 : 0) | (h.pt_recovery & 0x7F));
  store_be24(dst + 5, h.mask & 0xFFFFFF);
  store_be32(dst + 8, h.ts_recovery);
  dst[12] = static_cast<std::uint8_t>((h.n ? 0x80 : 0) | (h.d ? 0x40 : 0) | ((h.type & 7) << 3) |
                                      (h.index & 7));
  dst[13] = h.offset;
  dst[14] = h.na;
  dst[15] = h.sn_base_ext;
}

}  // namespace srtcore::fec
