// Fixed-size payload slots for the send and receive buffers. Slots are
// allocated in blocks of 64 the first time one of them is used and kept until
// the store dies, so a busy connection stops allocating after warm-up and an
// idle one with a large flow window does not pay for it up front.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace srtcore::srt {

class PayloadStore {
 public:
  static constexpr std::size_t kSlotsPerBlock = 64;

  PayloadStore(std::size_t slots, std::size_t slot_bytes)
      : slot_bytes_(slot_bytes), blocks_((slots + kSlotsPerBlock - 1) / kSlotsPerBlock) {}

  std::span<std::uint8_t> slot(std::size_t i) {
    auto &block = blocks_[i / kSlotsPerBlock];
    if (!block) block = std::make_unique<std::uint8_t[]>(kSlotsPerBlock * slot_bytes_);
    return {block.get() + (i % kSlotsPerBlock) * slot_bytes_, slot_bytes_};
  }
  // Only for slots written before (their block exists).
  std::span<const std::uint8_t> slot(std::size_t i) const {
    const auto &block = blocks_[i / kSlotsPerBlock];
    return {block.get() + (i % kSlotsPerBlock) * slot_bytes_, slot_bytes_};
  }
  std::size_t slot_bytes() const { return slot_bytes_; }

 private:
  std::size_t slot_bytes_;
  std::vector<std::unique_ptr<std::uint8_t[]>> blocks_;
};

}  // namespace srtcore::srt
