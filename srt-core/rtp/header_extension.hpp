// RFC 8285 header extension blocks: the elements of a one-byte (0xBEDE) or
// two-byte (0x100X) block read in place, and a block written in place into
// memory the caller reserved. No allocation on either side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::hdrext {

enum class Form : std::uint8_t { kOneByte, kTwoByte };

inline constexpr std::uint16_t kOneByteProfile = 0xBEDE;
inline constexpr std::uint16_t kTwoByteProfile = 0x1000;  // low 4 bits: appbits
inline constexpr unsigned kOneByteMaxId = 14;
inline constexpr std::size_t kOneByteMaxSize = 16;
inline constexpr unsigned kTwoByteMaxId = 255;
inline constexpr std::size_t kTwoByteMaxSize = 255;
inline constexpr std::size_t kBlockHeaderSize = 4;  // profile and length in words

// The form of a block from its profile; nullopt: not an RFC 8285 block.
std::optional<Form> form_of(std::uint16_t profile);
std::uint16_t profile_of(Form form);
// Bytes in front of each element's data: 1 or 2.
inline std::size_t element_header_size(Form form) {
  return form == Form::kOneByte ? 1 : 2;
}
// Whether an element of `id` with `size` data bytes can be written in `form`.
bool fits(Form form, unsigned id, std::size_t size);

struct Element {
  std::uint8_t id;
  ByteSpan data;
};

// How reading a block ended. Everything but kEnd and kNotRfc8285 means the
// block was damaged: the elements before the damage were still returned.
enum class ReadStatus : std::uint8_t {
  kReading,
  kEnd,         // all elements read (trailing padding included)
  kNotRfc8285,  // another profile: nothing to read
  kReservedId,  // one-byte id 15: reading stops there (RFC 8285 4.2)
  kBadPadding,  // one-byte id 0 with a non-zero length nibble
  kTruncated,   // an element header or its data runs past the block
};

// Walks the elements of one block (the bytes after the 4-byte block header).
class ElementReader {
 public:
  ElementReader(std::uint16_t profile, ByteSpan block);
  // The next element, skipping padding; nullopt when done (see status()).
  std::optional<Element> next();
  ReadStatus status() const { return status_; }
  bool damaged() const {
    return status_ != ReadStatus::kReading && status_ != ReadStatus::kEnd &&
           status_ != ReadStatus::kNotRfc8285;
  }
  std::optional<Form> form() const { return form_; }

 private:
  std::optional<Form> form_;
  ByteSpan block_;
  std::size_t pos_ = 0;
  ReadStatus status_ = ReadStatus::kReading;
};

// Chooses the block form for a set of elements as they are announced:
// one-byte while every id and maximum size allows it, else two-byte.
class FormChooser {
 public:
  // `one_byte_ok` / `two_byte_ok`: what the extension itself supports.
  void add(unsigned id, std::size_t max_size, bool one_byte_ok, bool two_byte_ok);
  // nullopt: no single form can carry all of them.
  std::optional<Form> form() const;
  // Bytes to reserve after the block header for every element announced,
  // rounded up to whole words.
  std::size_t reserve_size() const;
  std::size_t count() const { return count_; }

 private:
  bool one_ = true;
  bool two_ = true;
  std::size_t count_ = 0;
  std::size_t data_ = 0;
};

// Writes elements one after another into `out` (the block without its
// header). The element's data goes first into data_space(), then commit()
// puts its header in front of it.
class BlockWriter {
 public:
  BlockWriter(Form form, MutableByteSpan out) : form_(form), out_(out) {}
  // Where the next element's data goes (empty when the block is full).
  MutableByteSpan data_space() const;
  // The next element has `size` bytes of data in data_space(). False (and
  // nothing kept) when id or size cannot be written in this form; a size of
  // 0 writes nothing and is not an error.
  bool commit(unsigned id, std::size_t size);
  // Zero-pads to a whole word; the block's length in bytes (0: no element).
  std::size_t finish();
  std::size_t written() const { return pos_; }

 private:
  Form form_;
  MutableByteSpan out_;
  std::size_t pos_ = 0;
};

// The 4-byte block header: profile and length in 32-bit words.
void write_block_header(std::uint8_t *dst, Form form, std::size_t block_bytes);

}  // namespace srtcore::rtp::hdrext
