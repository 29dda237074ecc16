#include "rtp/nal_scan.hpp"

#include <cstring>

namespace srtcore::rtp {

std::size_t find_start_code(ByteSpan data, std::size_t from) {
  const std::size_t size = data.size();
  if (from >= size || size - from < 3) return size;
  // Look for the 0x01 with memchr, then check the two zeros before it: 0x01
  // is rarer than 0x00 in slice data, so the vectorised scan does the work.
  const std::uint8_t *base = data.data();
  std::size_t pos = from + 2;
  while (pos < size) {
    const void *hit = std::memchr(base + pos, 0x01, size - pos);
    if (hit == nullptr) return size;
    const std::size_t i = static_cast<std::size_t>(static_cast<const std::uint8_t *>(hit) - base);
    if (base[i - 1] == 0 && base[i - 2] == 0) return i - 2;
    pos = i + 1;
  }
  return size;
}

}  // namespace srtcore::rtp
