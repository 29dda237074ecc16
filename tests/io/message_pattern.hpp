// Test messages that carry their own index and a checksum of their bytes, so
// a receiver can tell loss, reordering, duplication and corruption apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "srt/bytes.hpp"

namespace srtcore::io::test {

// Message `index` of `size` bytes (size >= 12): index, size, FNV-1a of the
// rest, then bytes derived from the index.
inline std::vector<std::uint8_t> make_message(std::uint32_t index, std::size_t size) {
  std::vector<std::uint8_t> m(size);
  srt::put_u32(m.data(), index);
  srt::put_u32(m.data() + 4, static_cast<std::uint32_t>(size));
  std::uint32_t h = 2166136261u;
  for (std::size_t k = 12; k < size; ++k) {
    m[k] = static_cast<std::uint8_t>((index * 131 + k * 7) ^ (k >> 8));
    h = (h ^ m[k]) * 16777619u;
  }
  srt::put_u32(m.data() + 8, h);
  return m;
}

// The index of an intact message, or -1 when any byte is wrong.
inline std::int64_t check_message(srt::ByteSpan m) {
  if (m.size() < 12 || srt::get_u32(m.data() + 4) != m.size()) return -1;
  std::uint32_t h = 2166136261u;
  for (std::size_t k = 12; k < m.size(); ++k) h = (h ^ m[k]) * 16777619u;
  if (h != srt::get_u32(m.data() + 8)) return -1;
  return srt::get_u32(m.data());
}

// Sizes that vary but stay within the live payload size.
inline std::size_t message_size(std::uint32_t index, std::size_t max = 1316) {
  return index % 7 == 3 ? 12 + (index * 37) % (max - 12) : max;
}

}  // namespace srtcore::io::test
