// Byte-span helpers and the parse result type shared by the SRT wire codecs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <variant>

namespace srtcore::srt {

using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

// SRT is big-endian on the wire (libsrt swaps every 32-bit word with htonl).
inline std::uint16_t get_u16(const std::uint8_t *p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t get_u32(const std::uint8_t *p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
inline void put_u16(std::uint8_t *p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void put_u32(std::uint8_t *p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
// The few fields libsrt writes as host integers that survive its double swap
// (the one-word KMRSP error) are little-endian on the wire.
inline std::uint32_t get_u32_le(const std::uint8_t *p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) |
         p[0];
}
inline void put_u32_le(std::uint8_t *p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

// Copies `n` bytes (a multiple of 4) reversing the byte order inside each
// 32-bit word: libsrt's representation of byte strings (stream id, peer IP)
// that went through its per-word htonl.
inline void copy_word_swapped(const std::uint8_t *src, std::uint8_t *dst, std::size_t n) {
  for (std::size_t i = 0; i + 4 <= n; i += 4) {
    dst[i + 0] = src[i + 3];
    dst[i + 1] = src[i + 2];
    dst[i + 2] = src[i + 1];
    dst[i + 3] = src[i + 0];
  }
}

// Why a parse failed. Parsers never read past the span they are given.
enum class WireError : std::uint8_t {
  kTruncated,  // shorter than the fixed part of the structure
  kBadLength,  // a length that is not allowed (not word-aligned, wrong size)
  kBadValue,   // a field holds a value the format forbids
  kOversized,  // longer than the format allows
  kBadRange,   // a sequence range whose first is after its last
  kWrongType,  // e.g. a data packet given to the control parser
};

const char *wire_error_text(WireError e);

// Value-or-error result of a parse (std::expected is C++23).
template <typename T>
class Parsed {
 public:
  Parsed(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Parsed(WireError error) : v_(error) {}     // NOLINT: implicit by design

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T &value() & { return std::get<0>(v_); }
  const T &value() const & { return std::get<0>(v_); }
  T &&value() && { return std::get<0>(std::move(v_)); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  // Only meaningful when !has_value().
  WireError error() const { return has_value() ? WireError::kBadValue : std::get<1>(v_); }

 private:
  std::variant<T, WireError> v_;
};

}  // namespace srtcore::srt
