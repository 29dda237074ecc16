#include "srt/loss_list.hpp"

#include <algorithm>

namespace srtcore::srt {

namespace {

std::uint32_t seq_min(std::uint32_t a, std::uint32_t b) {
  return seq_lt(a, b) ? a : b;
}
std::uint32_t seq_max(std::uint32_t a, std::uint32_t b) {
  return seq_gt(a, b) ? a : b;
}

}  // namespace

LossList::LossList(std::size_t max_ranges) : max_ranges_(std::max<std::size_t>(max_ranges, 1)) {
  ranges_.reserve(max_ranges_);
}

void LossList::clear() {
  ranges_.clear();
  count_ = 0;
}

std::size_t LossList::lower_index(std::uint32_t seq) const {
  const auto it = std::partition_point(ranges_.begin(), ranges_.end(),
                                       [seq](const SeqRange &r) { return seq_lt(r.last, seq); });
  return static_cast<std::size_t>(it - ranges_.begin());
}

std::uint32_t LossList::insert(std::uint32_t first, std::uint32_t last) {
  if (!seq_valid(first) || !seq_valid(last) || !seq_le(first, last)) return 0;

  // Ranges that overlap or touch [first, last] are [i, j).
  const std::size_t i = lower_index(seq_prev(first));
  std::size_t j = i;
  std::uint32_t lo = first;
  std::uint32_t hi = last;
  std::uint64_t already = 0;
  while (j < ranges_.size() && seq_le(ranges_[j].first, seq_next(hi))) {
    lo = seq_min(lo, ranges_[j].first);
    hi = seq_max(hi, ranges_[j].last);
    already += seq_count(ranges_[j].first, ranges_[j].last);
    ++j;
  }

  std::uint32_t added = 0;
  if (j > i) {
    added = static_cast<std::uint32_t>(seq_count(lo, hi) - already);
    ranges_[i] = SeqRange{lo, hi};
    ranges_.erase(ranges_.begin() + static_cast<std::ptrdiff_t>(i + 1),
                  ranges_.begin() + static_cast<std::ptrdiff_t>(j));
  } else if (ranges_.size() < max_ranges_) {
    added = seq_count(first, last);
    ranges_.insert(ranges_.begin() + static_cast<std::ptrdiff_t>(i), SeqRange{first, last});
  } else {
    // Full: stretch the nearer neighbour over the new range (over-approximate).
    ++overflows_;
    const bool has_left = i > 0;
    const bool has_right = i < ranges_.size();
    const std::uint32_t gap_left =
        has_left ? static_cast<std::uint32_t>(seq_diff(first, ranges_[i - 1].last) - 1) : 0;
    const std::uint32_t gap_right =
        has_right ? static_cast<std::uint32_t>(seq_diff(ranges_[i].first, last) - 1) : 0;
    if (has_left && (!has_right || gap_left <= gap_right)) {
      added = seq_count(ranges_[i - 1].last, last) - 1;
      ranges_[i - 1].last = last;
    } else {
      added = seq_count(first, ranges_[i].first) - 1;
      ranges_[i].first = first;
    }
  }
  count_ += added;
  return added;
}

bool LossList::split(std::size_t i, std::uint32_t first, std::uint32_t last) {
  SeqRange &r = ranges_[i];
  const std::uint32_t n = seq_count(first, last);
  if (first == r.first && last == r.last) {
    ranges_.erase(ranges_.begin() + static_cast<std::ptrdiff_t>(i));
  } else if (first == r.first) {
    r.first = seq_next(last);
  } else if (last == r.last) {
    r.last = seq_prev(first);
  } else {
    if (ranges_.size() >= max_ranges_) {
      ++overflows_;  // keep the sequences: a spurious NAK beats a forgotten loss
      return false;
    }
    const SeqRange tail{seq_next(last), r.last};
    r.last = seq_prev(first);
    ranges_.insert(ranges_.begin() + static_cast<std::ptrdiff_t>(i + 1), tail);
  }
  count_ -= n;
  return true;
}

bool LossList::remove(std::uint32_t seq) {
  if (!seq_valid(seq)) return false;
  const std::size_t i = lower_index(seq);
  if (i == ranges_.size() || seq_lt(seq, ranges_[i].first)) return false;
  return split(i, seq, seq);
}

std::uint32_t LossList::remove_up_to(std::uint32_t seq) {
  if (!seq_valid(seq)) return 0;
  const std::size_t k = lower_index(seq_next(seq));  // first range reaching past seq
  std::uint64_t removed = 0;
  for (std::size_t i = 0; i < k; ++i) removed += seq_count(ranges_[i].first, ranges_[i].last);
  ranges_.erase(ranges_.begin(), ranges_.begin() + static_cast<std::ptrdiff_t>(k));
  if (!ranges_.empty() && seq_le(ranges_.front().first, seq)) {
    removed += seq_count(ranges_.front().first, seq);
    ranges_.front().first = seq_next(seq);
  }
  count_ -= removed;
  return static_cast<std::uint32_t>(removed);
}

std::uint32_t LossList::remove_range(std::uint32_t first, std::uint32_t last) {
  if (!seq_valid(first) || !seq_valid(last) || !seq_le(first, last)) return 0;
  std::uint64_t removed = 0;
  std::size_t i = lower_index(first);
  while (i < ranges_.size() && seq_le(ranges_[i].first, last)) {
    const std::uint32_t a = seq_max(first, ranges_[i].first);
    const std::uint32_t b = seq_min(last, ranges_[i].last);
    const std::size_t before = ranges_.size();
    const bool whole = a == ranges_[i].first && b == ranges_[i].last;
    if (!split(i, a, b)) break;  // only a strict inner split can fail, and it is the last one
    removed += seq_count(a, b);
    if (!whole || ranges_.size() > before) ++i;
  }
  return static_cast<std::uint32_t>(removed);
}

std::optional<std::uint32_t> LossList::front() const {
  if (ranges_.empty()) return std::nullopt;
  return ranges_.front().first;
}

std::optional<std::uint32_t> LossList::pop_front() {
  if (ranges_.empty()) return std::nullopt;
  SeqRange &r = ranges_.front();
  const std::uint32_t s = r.first;
  if (r.first == r.last) {
    ranges_.erase(ranges_.begin());
  } else {
    r.first = seq_next(r.first);
  }
  --count_;
  return s;
}

bool LossList::contains(std::uint32_t seq) const {
  const std::size_t i = lower_index(seq);
  return i < ranges_.size() && seq_ge(seq, ranges_[i].first);
}

}  // namespace srtcore::srt
