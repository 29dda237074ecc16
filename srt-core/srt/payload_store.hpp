// Fixed-size payload slots for the send and receive buffers, in blocks of
// 64 slots. A block is taken when the first of its slots is claimed and
// given back when its last one is released, so memory follows what is held
// (about latency x rate), not the ring's capacity: a ring of 8192 packets
// that walks through all its slots at 20 Mbit/s holds a few blocks, not
// 12 MB. A few empty blocks are kept to spare the allocator the churn of a
// steady stream crossing block boundaries.
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
  static constexpr std::size_t kSpareBlocks = 4;

  PayloadStore(std::size_t slots, std::size_t slot_bytes)
      : slot_bytes_(slot_bytes), blocks_((slots + kSlotsPerBlock - 1) / kSlotsPerBlock) {}

  // Marks slot `i` as holding a payload (it must not already) and returns
  // its memory for writing.
  std::span<std::uint8_t> claim(std::size_t i) {
    Block &b = blocks_[i / kSlotsPerBlock];
    if (!b.mem) {
      if (!spare_.empty()) {
        b.mem = std::move(spare_.back());
        spare_.pop_back();
      } else {
        b.mem = std::make_unique_for_overwrite<std::uint8_t[]>(kSlotsPerBlock * slot_bytes_);
      }
    }
    ++b.used;
    return {b.mem.get() + (i % kSlotsPerBlock) * slot_bytes_, slot_bytes_};
  }
  // Slot `i` no longer holds a payload (only for claimed slots).
  void release(std::size_t i) {
    Block &b = blocks_[i / kSlotsPerBlock];
    if (b.used == 0 || --b.used > 0) return;
    if (spare_.size() < kSpareBlocks) spare_.push_back(std::move(b.mem));
    b.mem.reset();
  }
  // A claimed slot's memory.
  std::span<const std::uint8_t> slot(std::size_t i) const {
    const Block &b = blocks_[i / kSlotsPerBlock];
    return {b.mem.get() + (i % kSlotsPerBlock) * slot_bytes_, slot_bytes_};
  }
  std::size_t slot_bytes() const { return slot_bytes_; }
  // Blocks holding payloads now (for memory accounting and tests).
  std::size_t blocks_in_use() const {
    std::size_t n = 0;
    for (const Block &b : blocks_) n += b.mem ? 1 : 0;
    return n;
  }

 private:
  struct Block {
    std::unique_ptr<std::uint8_t[]> mem;
    std::uint32_t used = 0;
  };

  std::size_t slot_bytes_;
  std::vector<Block> blocks_;
  std::vector<std::unique_ptr<std::uint8_t[]>> spare_;
};

}  // namespace srtcore::srt
