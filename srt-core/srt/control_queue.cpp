#include "srt/control_queue.hpp"

#include <cstring>

namespace srtcore::srt {

ControlQueue::ControlQueue(std::size_t capacity_bytes) : buf_(capacity_bytes) {}

MutableByteSpan ControlQueue::reserve(std::size_t max_size) {
  if (head_ == tail_) head_ = tail_ = 0;  // drained: start over at the front
  const std::size_t need = kLengthPrefix + max_size;
  if (buf_.size() - tail_ < need && head_ > 0) {
    // Move what is queued to the front; rare (the owner drains after each input).
    std::memmove(buf_.data(), buf_.data() + head_, tail_ - head_);
    tail_ -= head_;
    head_ = 0;
  }
  if (buf_.size() - tail_ < need) {
    ++dropped_;
    return {};
  }
  reserved_at_ = tail_;
  return {buf_.data() + tail_ + kLengthPrefix, max_size};
}

void ControlQueue::commit(std::size_t size) {
  if (size == 0) return;
  put_u16(buf_.data() + reserved_at_, static_cast<std::uint16_t>(size));
  tail_ = reserved_at_ + kLengthPrefix + size;
}

std::size_t ControlQueue::pop(MutableByteSpan out) {
  if (head_ == tail_) return 0;
  const std::size_t n = get_u16(buf_.data() + head_);
  const std::uint8_t *p = buf_.data() + head_ + kLengthPrefix;
  head_ += kLengthPrefix + n;
  if (out.size() < n) {
    ++dropped_;
    return 0;
  }
  std::memcpy(out.data(), p, n);
  return n;
}

}  // namespace srtcore::srt
