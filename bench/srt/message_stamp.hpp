// Benchmark messages carry their own index so the receiver can count what
// was lost, duplicated or reordered without trusting the transport's
// counters. The check is deliberately cheap (index and a tail word), so the
// benchmark measures the transport, not the checker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace srtbench {

inline constexpr std::size_t kStampSize = 8;

inline void stamp(std::span<std::uint8_t> msg, std::uint64_t index) {
  std::memcpy(msg.data(), &index, kStampSize);
  if (msg.size() >= 2 * kStampSize) std::memcpy(msg.data() + msg.size() - kStampSize, &index, 8);
}

// The index, or UINT64_MAX for a message that is too short or damaged.
inline std::uint64_t read_stamp(std::span<const std::uint8_t> msg) {
  if (msg.size() < kStampSize) return UINT64_MAX;
  std::uint64_t head = 0;
  std::memcpy(&head, msg.data(), kStampSize);
  if (msg.size() >= 2 * kStampSize) {
    std::uint64_t tail = 0;
    std::memcpy(&tail, msg.data() + msg.size() - kStampSize, kStampSize);
    if (tail != head) return UINT64_MAX;
  }
  return head;
}

// What a receiver saw, in arrival order of indices. Memory is bounded: a ring
// of bits for the indices between the oldest one still undecided and the
// newest, grown from 4096 up to kMaxWindow; indices that fall out of it are
// decided (seen or missing). A soak of hours must measure the transport's
// memory, not this log's.
class ArrivalLog {
 public:
  // Far beyond any reordering a live transport delivers (its flow window).
  static constexpr std::uint64_t kMaxWindow = std::uint64_t{1} << 16;

  ArrivalLog() : bits_(kInitialWindow / 64, 0) {}

  void on_message(std::uint64_t index, double ms_since_start) {
    // A damaged message, or an index so far ahead that no sender made it.
    if (index == UINT64_MAX || index > newest_ + kMaxJump) {
      ++damaged_;
      return;
    }
    if (index < base_) {  // decided long ago: received already, or given up
      ++duplicates_;
      return;
    }
    make_room(index);
    std::uint64_t &word = bits_[(index / 64) & (bits_.size() - 1)];
    const std::uint64_t bit = std::uint64_t{1} << (index % 64);
    if (word & bit) {
      ++duplicates_;
      return;
    }
    word |= bit;
    ++unique_;
    if (have_last_ && index < last_) ++reordered_;
    if (have_last_ && index > last_ + 1 && first_gap_ms_ < 0) first_gap_ms_ = ms_since_start;
    if (unique_ > 1 && ms_since_start - last_ms_ > max_gap_ms_)
      max_gap_ms_ = ms_since_start - last_ms_;
    last_ms_ = ms_since_start;
    last_ = index;
    if (index > newest_) newest_ = index;
    have_last_ = true;
  }
  std::uint64_t unique() const { return unique_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t reordered() const { return reordered_; }
  std::uint64_t damaged() const { return damaged_; }
  double first_gap_ms() const { return first_gap_ms_; }
  // Longest time between two consecutive new messages (the delivery stall).
  double max_gap_ms() const { return max_gap_ms_; }
  // Missing indices below `sent` (the sender stamps 0 .. sent-1).
  std::uint64_t missing(std::uint64_t sent) const { return sent > unique_ ? sent - unique_ : 0; }

 private:
  static constexpr std::uint64_t kInitialWindow = 4096;
  static constexpr std::uint64_t kMaxJump = std::uint64_t{1} << 32;

  std::uint64_t window() const { return bits_.size() * 64; }

  // Grows the ring (while under kMaxWindow) or decides its oldest indices
  // until `index` fits. Works in whole words: base_ stays a multiple of 64.
  void make_room(std::uint64_t index) {
    while (index >= base_ + window() && window() < kMaxWindow) grow();
    while (index >= base_ + window()) {
      bits_[(base_ / 64) & (bits_.size() - 1)] = 0;
      base_ += 64;
    }
  }
  void grow() {
    std::vector<std::uint64_t> bigger(bits_.size() * 2, 0);
    for (std::uint64_t w = base_ / 64; w < base_ / 64 + bits_.size(); ++w)
      bigger[w & (bigger.size() - 1)] = bits_[w & (bits_.size() - 1)];
    bits_.swap(bigger);
  }

  std::vector<std::uint64_t> bits_;
  std::uint64_t base_ = 0;  // lowest index still in the ring
  std::uint64_t newest_ = 0;
  std::uint64_t unique_ = 0, duplicates_ = 0, reordered_ = 0, damaged_ = 0;
  std::uint64_t last_ = 0;
  bool have_last_ = false;
  double first_gap_ms_ = -1;
  double last_ms_ = 0;
  double max_gap_ms_ = 0;
};

}  // namespace srtbench
