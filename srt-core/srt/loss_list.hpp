// Sets of lost 31-bit sequence numbers, kept as sorted ranges: the receiver's
// list of sequences to NAK and the sender's list of NAK'd sequences to
// retransmit. No allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "srt/control.hpp"  // SeqRange
#include "srt/seq.hpp"

namespace srtcore::srt {

// Disjoint, non-adjacent, ascending ranges. Every member must lie within a
// quarter of the sequence circle of every other (the flow window guarantees
// this; callers check peer-supplied numbers against their window first), so
// circular comparison is a total order over the list.
//
// Memory is bounded by `max_ranges`. When an insert or a removal would need
// one range more, the list over-approximates instead: a new range is merged
// into its nearest neighbour, or a removed sequence that would split a range
// stays in it. A spurious NAK or retransmission costs one packet; forgetting a
// loss would cost a message. overflows() counts these events.
class LossList {
 public:
  static constexpr std::size_t kDefaultMaxRanges = 1024;

  explicit LossList(std::size_t max_ranges = kDefaultMaxRanges);

  // Adds [first, last] (inclusive); returns how many sequences are new to the
  // list (libsrt counts these as lost packets). Invalid ranges add nothing.
  std::uint32_t insert(std::uint32_t first, std::uint32_t last);
  std::uint32_t insert(std::uint32_t seq) { return insert(seq, seq); }

  // Removes one sequence; false if it was absent or could not be removed
  // (range split while full).
  bool remove(std::uint32_t seq);
  // Removes every sequence circularly <= seq (an ACK of seq + 1); returns how many.
  std::uint32_t remove_up_to(std::uint32_t seq);
  // Removes [first, last]; returns how many were removed.
  std::uint32_t remove_range(std::uint32_t first, std::uint32_t last);

  // Smallest sequence, removed by pop_front (the sender's next retransmission).
  std::optional<std::uint32_t> front() const;
  std::optional<std::uint32_t> pop_front();

  bool contains(std::uint32_t seq) const;
  bool empty() const { return ranges_.empty(); }
  std::size_t range_count() const { return ranges_.size(); }
  std::size_t max_ranges() const { return max_ranges_; }
  // Total sequences in the list.
  std::uint64_t size() const { return count_; }
  // Ranges in ascending order, ready for write_nak().
  std::span<const SeqRange> ranges() const { return ranges_; }
  std::uint64_t overflows() const { return overflows_; }
  void clear();

 private:
  std::size_t lower_index(std::uint32_t seq) const;  // first range whose last >= seq
  bool split(std::size_t i, std::uint32_t first, std::uint32_t last);

  std::vector<SeqRange> ranges_;
  std::size_t max_ranges_;
  std::uint64_t count_ = 0;
  std::uint64_t overflows_ = 0;
};

// The sender keeps NAK'd sequences in the same structure.
using SenderLossList = LossList;

}  // namespace srtcore::srt
