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

// What a receiver saw, in arrival order of indices.
class ArrivalLog {
 public:
  void on_message(std::uint64_t index, double ms_since_start) {
    if (index == UINT64_MAX) {
      ++damaged_;
      return;
    }
    if (index >= seen_.size()) seen_.resize(index + 1 + 4096, false);
    if (seen_[index]) {
      ++duplicates_;
      return;
    }
    seen_[index] = true;
    ++unique_;
    if (have_last_ && index < last_) ++reordered_;
    if (have_last_ && index > last_ + 1 && first_gap_ms_ < 0) first_gap_ms_ = ms_since_start;
    if (unique_ > 1 && ms_since_start - last_ms_ > max_gap_ms_)
      max_gap_ms_ = ms_since_start - last_ms_;
    last_ms_ = ms_since_start;
    last_ = index;
    have_last_ = true;
  }
  std::uint64_t unique() const { return unique_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t reordered() const { return reordered_; }
  std::uint64_t damaged() const { return damaged_; }
  double first_gap_ms() const { return first_gap_ms_; }
  // Longest time between two consecutive new messages (the delivery stall).
  double max_gap_ms() const { return max_gap_ms_; }
  // Missing indices below `sent`.
  std::uint64_t missing(std::uint64_t sent) const {
    std::uint64_t got = 0;
    for (std::uint64_t i = 0; i < sent && i < seen_.size(); ++i) got += seen_[i] ? 1 : 0;
    return sent - got;
  }

 private:
  std::vector<bool> seen_;
  std::uint64_t unique_ = 0, duplicates_ = 0, reordered_ = 0, damaged_ = 0;
  std::uint64_t last_ = 0;
  bool have_last_ = false;
  double first_gap_ms_ = -1;
  double last_ms_ = 0;
  double max_gap_ms_ = 0;
};

}  // namespace srtbench
