// Reads RBSP bits straight from a NAL unit payload, skipping emulation
// prevention bytes (00 00 03) on the fly, with exp-Golomb codes. Reading past
// the end sets a sticky error instead of touching memory.
#pragma once

#include <cstdint>
#include <optional>

#include "rtp/bytes.hpp"

namespace srtcore::rtp {

class RbspBitReader {
 public:
  explicit RbspBitReader(ByteSpan data) : data_(data) {}

  bool ok() const { return !error_; }

  // One bit; 0 (and error) past the end.
  std::uint32_t bit() {
    if (bits_left_ == 0 && !load_byte()) return 0;
    --bits_left_;
    return (cur_ >> bits_left_) & 1u;
  }
  std::uint32_t bits(unsigned n) {
    std::uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }
  // ue(v); nullopt when truncated or longer than 32 bits of prefix.
  std::optional<std::uint32_t> ue() {
    unsigned zeros = 0;
    while (bit() == 0) {
      if (error_ || ++zeros > 31) {
        error_ = true;
        return std::nullopt;
      }
    }
    const std::uint64_t v = (std::uint64_t{1} << zeros) - 1 + bits(zeros);
    if (error_ || v > 0xffffffffu) return std::nullopt;
    return static_cast<std::uint32_t>(v);
  }
  // Next whole byte (only meaningful when byte aligned); error past the end.
  std::optional<std::uint8_t> byte() {
    if (!load_byte()) return std::nullopt;
    bits_left_ = 0;
    return cur_;
  }
  // True if RBSP bytes remain after the current one.
  bool more_bytes() const { return pos_ < data_.size(); }

 private:
  bool load_byte() {
    if (pos_ < data_.size() && data_[pos_] == 3 && zeros_ >= 2) {
      ++pos_;  // emulation prevention byte
      zeros_ = 0;
    }
    if (pos_ >= data_.size()) {
      error_ = true;
      return false;
    }
    cur_ = data_[pos_++];
    zeros_ = cur_ == 0 ? zeros_ + 1 : 0;
    bits_left_ = 8;
    return true;
  }

  ByteSpan data_;
  std::size_t pos_ = 0;
  unsigned zeros_ = 0;
  std::uint8_t cur_ = 0;
  unsigned bits_left_ = 0;
  bool error_ = false;
};

}  // namespace srtcore::rtp
