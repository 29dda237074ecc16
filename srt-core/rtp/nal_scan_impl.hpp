// Template bodies for nal_scan.hpp (included at its end).
#pragma once

#include <cstddef>

#include "rtp/bytes.hpp"

namespace srtcore::rtp {

namespace detail {
// Drops trailing zero bytes: they belong to the next 4-byte start code or are
// trailing_zero_8bits, never to the NAL unit (which ends in a non-zero byte).
inline ByteSpan trim_trailing_zeros(ByteSpan nal) {
  std::size_t n = nal.size();
  while (n > 0 && nal[n - 1] == 0) --n;
  return nal.first(n);
}
}  // namespace detail

template <typename Fn>
std::size_t for_each_annexb_nal(ByteSpan data, Fn &&fn) {
  std::size_t count = 0;
  std::size_t start = 0;  // first byte of the current unit
  while (start < data.size()) {
    const std::size_t sc = find_start_code(data, start);
    const ByteSpan nal = detail::trim_trailing_zeros(data.subspan(start, sc - start));
    if (!nal.empty()) {
      fn(nal);
      ++count;
    }
    if (sc >= data.size()) break;
    start = sc + 3;
  }
  return count;
}

template <typename Fn>
bool for_each_length_prefixed_nal(ByteSpan data, unsigned length_size, Fn &&fn) {
  if (length_size < 1 || length_size > 4) return false;
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < length_size) return false;
    std::size_t len = 0;
    for (unsigned i = 0; i < length_size; ++i) len = (len << 8) | data[pos + i];
    pos += length_size;
    if (len > data.size() - pos) return false;
    if (len > 0) fn(data.subspan(pos, len));  // zero-length units carry nothing
    pos += len;
  }
  return true;
}

}  // namespace srtcore::rtp
