#include "fec/ulpfec_header.hpp"

#include "rtp/bytes.hpp"

namespace srtcore::fec {

UlpfecParse parse_ulpfec(std::span<const std::uint8_t> p, UlpfecHeader &h) {
  if (p.size() < kUlpfecHeaderSize) return UlpfecParse::too_short;
  h.e = (p[0] & 0x80) != 0;
  h.l = (p[0] & 0x40) != 0;
  h.byte0 = p[0];
  h.byte1 = p[1];
  h.sn_base = load_be16(&p[2]);
  h.ts_recovery = load_be32(&p[4]);
  h.length_recovery = load_be16(&p[8]);
  if (h.e) return UlpfecParse::extension_set;
  const std::size_t headers = ulpfec_headers_size(h.l);
  if (p.size() < headers) return UlpfecParse::too_short;
  h.protection_length = load_be16(&p[10]);
  h.mask = std::uint64_t{load_be16(&p[12])} << 32;
  if (h.l) h.mask |= load_be32(&p[14]);
  if (headers + h.protection_length != p.size()) return UlpfecParse::length_mismatch;
  return UlpfecParse::ok;
}

void write_ulpfec_header(std::uint8_t *dst, const UlpfecHeader &h) {
  dst[0] = static_cast<std::uint8_t>((h.l ? 0x40 : 0) | (h.byte0 & 0x3F));
  dst[1] = h.byte1;
  store_be16(dst + 2, h.sn_base);
  store_be32(dst + 4, h.ts_recovery);
  store_be16(dst + 8, h.length_recovery);
  store_be16(dst + 10, h.protection_length);
  store_be16(dst + 12, static_cast<std::uint16_t>(h.mask >> 32));
  if (h.l) store_be32(dst + 14, static_cast<std::uint32_t>(h.mask));
}

}  // namespace srtcore::fec
