// Fixed-size packet slots for the send and receive buffers: each slot's
// metadata (`Meta`) and payload bytes, in blocks of 32 slots. A block is taken
// when the first of its slots is claimed and given back when its last one is
// released, so memory follows what is held (about latency x rate), not the
// ring's capacity: a ring of 8192 packets that walks through all its slots
// holds a few blocks, not 12 MB of payload and 400 KB of metadata. This is
// what keeps each further connection of a listener cheap (32 rather than 64
// slots a block: 170 instead of 260 KiB per connection at 2 Mbit/s in
// bench-srt --only=scale). A few empty blocks are
// kept to spare the allocator the churn of a steady stream crossing block
// boundaries and a window that swings by a few blocks (never more than were
// in use at once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace srtcore::srt {

template <typename Meta>
class SlotStore {
 public:
  static constexpr std::size_t kSlotsPerBlock = 32;
  static constexpr std::size_t kSpareBlocks = 4;

  SlotStore(std::size_t slots, std::size_t slot_bytes)
      : slots_(slots),
        slot_bytes_(slot_bytes),
        blocks_((slots + kSlotsPerBlock - 1) / kSlotsPerBlock) {}

  std::size_t size() const { return slots_; }
  std::size_t slot_bytes() const { return slot_bytes_; }

  // Marks slot `i` as holding a packet (it must not already) and returns its
  // payload memory for writing; its Meta is value-initialised.
  std::span<std::uint8_t> claim(std::size_t i) {
    Block &b = blocks_[i / kSlotsPerBlock];
    if (!b.mem) {
      if (!spare_.empty()) {
        b.mem = std::move(spare_.back());
        spare_.pop_back();
      } else {
        b.mem = std::make_unique<Memory>(slot_bytes_);
      }
    }
    ++b.used;
    b.mem->meta[i % kSlotsPerBlock] = Meta{};
    return {b.mem->bytes.get() + (i % kSlotsPerBlock) * slot_bytes_, slot_bytes_};
  }
  // Slot `i` no longer holds a packet (only for claimed slots).
  void release(std::size_t i) {
    Block &b = blocks_[i / kSlotsPerBlock];
    if (b.used == 0 || --b.used > 0) return;
    if (spare_.size() < kSpareBlocks) spare_.push_back(std::move(b.mem));
    b.mem.reset();
  }
  // A claimed slot's payload memory and metadata.
  std::span<const std::uint8_t> slot(std::size_t i) const {
    const Block &b = blocks_[i / kSlotsPerBlock];
    return {b.mem->bytes.get() + (i % kSlotsPerBlock) * slot_bytes_, slot_bytes_};
  }
  Meta &meta(std::size_t i) { return blocks_[i / kSlotsPerBlock].mem->meta[i % kSlotsPerBlock]; }
  const Meta &meta(std::size_t i) const {
    return blocks_[i / kSlotsPerBlock].mem->meta[i % kSlotsPerBlock];
  }
  // Blocks holding packets now (for memory accounting and tests).
  std::size_t blocks_in_use() const {
    std::size_t n = 0;
    for (const Block &b : blocks_) n += b.mem ? 1 : 0;
    return n;
  }

 private:
  struct Memory {
    explicit Memory(std::size_t slot_bytes)
        : bytes(std::make_unique_for_overwrite<std::uint8_t[]>(kSlotsPerBlock * slot_bytes)) {}
    Meta meta[kSlotsPerBlock];
    std::unique_ptr<std::uint8_t[]> bytes;
  };
  struct Block {
    std::unique_ptr<Memory> mem;
    std::uint32_t used = 0;
  };

  std::size_t slots_;
  std::size_t slot_bytes_;
  std::vector<Block> blocks_;
  std::vector<std::unique_ptr<Memory>> spare_;
};

}  // namespace srtcore::srt
