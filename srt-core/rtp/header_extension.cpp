#include "rtp/header_extension.hpp"

#include <algorithm>

namespace srtcore::rtp::hdrext {

std::optional<Form> form_of(std::uint16_t profile) {
  if (profile == kOneByteProfile) return Form::kOneByte;
  if ((profile & 0xfff0) == kTwoByteProfile) return Form::kTwoByte;
  return std::nullopt;
}

std::uint16_t profile_of(Form form) {
  return form == Form::kOneByte ? kOneByteProfile : kTwoByteProfile;
}

bool fits(Form form, unsigned id, std::size_t size) {
  if (form == Form::kOneByte)
    return id >= 1 && id <= kOneByteMaxId && size >= 1 && size <= kOneByteMaxSize;
  return id >= 1 && id <= kTwoByteMaxId && size <= kTwoByteMaxSize;
}

ElementReader::ElementReader(std::uint16_t profile, ByteSpan block)
    : form_(form_of(profile)), block_(block) {
  if (!form_) status_ = ReadStatus::kNotRfc8285;
}

std::optional<Element> ElementReader::next() {
  if (status_ != ReadStatus::kReading) return std::nullopt;
  const std::size_t size = block_.size();
  // Padding bytes (0) may stand between elements and after the last one.
  while (pos_ < size && block_[pos_] == 0) ++pos_;
  if (pos_ >= size) {
    status_ = ReadStatus::kEnd;
    return std::nullopt;
  }
  unsigned id;
  std::size_t len, header;
  if (*form_ == Form::kOneByte) {
    id = block_[pos_] >> 4;
    len = (block_[pos_] & 0x0f) + 1u;
    header = 1;
    if (id == 15) {
      // Reserved for a future extension of the format: nothing after it can
      // be understood, its length included.
      status_ = ReadStatus::kReservedId;
      return std::nullopt;
    }
    if (id == 0) {  // padding must be a zero byte
      status_ = ReadStatus::kBadPadding;
      return std::nullopt;
    }
  } else {
    if (pos_ + 2 > size) {
      status_ = ReadStatus::kTruncated;
      return std::nullopt;
    }
    id = block_[pos_];
    len = block_[pos_ + 1];
    header = 2;
  }
  if (pos_ + header + len > size) {
    status_ = ReadStatus::kTruncated;
    return std::nullopt;
  }
  const Element e{static_cast<std::uint8_t>(id), block_.subspan(pos_ + header, len)};
  pos_ += header + len;
  return e;
}

void FormChooser::add(unsigned id, std::size_t max_size, bool one_byte_ok, bool two_byte_ok) {
  one_ = one_ && one_byte_ok && id >= 1 && id <= kOneByteMaxId && max_size <= kOneByteMaxSize;
  two_ = two_ && two_byte_ok && id >= 1 && id <= kTwoByteMaxId && max_size <= kTwoByteMaxSize;
  ++count_;
  data_ += max_size;
}

std::optional<Form> FormChooser::form() const {
  if (one_) return Form::kOneByte;
  if (two_) return Form::kTwoByte;
  return std::nullopt;
}

std::size_t FormChooser::reserve_size() const {
  const std::size_t bytes = count_ * (one_ ? 1 : 2) + data_;
  return (bytes + 3) & ~std::size_t{3};
}

MutableByteSpan BlockWriter::data_space() const {
  const std::size_t header = element_header_size(form_);
  if (pos_ + header >= out_.size()) return {};
  return out_.subspan(pos_ + header);
}

bool BlockWriter::commit(unsigned id, std::size_t size) {
  if (size == 0) return true;
  if (!fits(form_, id, size) || size > data_space().size()) return false;
  if (form_ == Form::kOneByte) {
    out_[pos_] = static_cast<std::uint8_t>((id << 4) | (size - 1));
  } else {
    out_[pos_] = static_cast<std::uint8_t>(id);
    out_[pos_ + 1] = static_cast<std::uint8_t>(size);
  }
  pos_ += element_header_size(form_) + size;
  return true;
}

std::size_t BlockWriter::finish() {
  if (pos_ == 0) return 0;
  const std::size_t padded = std::min((pos_ + 3) & ~std::size_t{3}, out_.size());
  std::fill(out_.begin() + static_cast<std::ptrdiff_t>(pos_),
            out_.begin() + static_cast<std::ptrdiff_t>(padded), std::uint8_t{0});
  return padded;
}

void write_block_header(std::uint8_t *dst, Form form, std::size_t block_bytes) {
  store_be16(dst, profile_of(form));
  store_be16(dst + 2, static_cast<std::uint16_t>(block_bytes / 4));
}

}  // namespace srtcore::rtp::hdrext
