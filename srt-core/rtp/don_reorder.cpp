#include "rtp/don_reorder.hpp"

#include <algorithm>

namespace srtcore::rtp {
namespace {
constexpr std::size_t kBigUnit = 64 * 1024;
}  // namespace

DonReorder::DonReorder(DonReorderParams params) : params_(params) {}

void DonReorder::configure(DonReorderParams params) {
  params_ = params;
  reset();
}

void DonReorder::reset() {
  for (std::uint32_t idx : order_) {
    if (slots_[idx].data.capacity() > kBigUnit) slots_[idx].data = {};
    free_.push_back(idx);
  }
  order_.clear();
  bytes_ = 0;
  counted_ = 0;
  last_abs_.reset();
  last_out_.reset();
}

// RFC 6184 section 5.5: AbsDON of a unit from its DON and the previous unit
// in transmission order, so that the 16-bit DON may wrap.
std::int64_t DonReorder::abs_don(std::uint16_t don) const {
  if (!last_abs_) return don;
  const std::int64_t prev_abs = *last_abs_;
  const std::int64_t prev = ((prev_abs % 65536) + 65536) % 65536;
  const std::int64_t cur = don;
  if (cur == prev) return prev_abs;
  if (prev < cur)
    return cur - prev < 32768 ? prev_abs + (cur - prev) : prev_abs - (prev + 65536 - cur);
  return prev - cur >= 32768 ? prev_abs + 65536 - prev + cur : prev_abs - (prev - cur);
}

bool DonReorder::over_limits() const {
  if (order_.size() > kMaxUnits || bytes_ > kMaxBytes) return true;
  if (counted_ > params_.interleaving_depth) return true;
  if (params_.deint_buf_req != 0 && bytes_ > params_.deint_buf_req) return true;
  const std::int64_t span = slots_[order_.front()].abs - slots_[order_.back()].abs;
  return span > std::int64_t{params_.max_don_diff};
}

bool DonReorder::insert(std::int64_t abs, ByteSpan nal, std::uint32_t rtp_ts) {
  // order_ is sorted by (abs, arrival) descending; find where abs begins.
  auto key_greater = [this](std::uint32_t idx, std::int64_t a) { return slots_[idx].abs > a; };
  auto pos = std::lower_bound(order_.begin(), order_.end(), abs, key_greater);
  // Equal DONs are legal; an equal DON with equal bytes is a duplicate.
  for (auto it = pos; it != order_.end() && slots_[*it].abs == abs; ++it) {
    const auto &d = slots_[*it].data;
    if (d.size() == nal.size() && std::equal(d.begin(), d.end(), nal.begin())) return false;
  }
  std::uint32_t idx;
  if (!free_.empty()) {
    idx = free_.back();
    free_.pop_back();
  } else {
    idx = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Unit &u = slots_[idx];
  u.abs = abs;
  u.arrival = arrivals_++;
  u.data.assign(nal.begin(), nal.end());
  u.rtp_ts = rtp_ts;
  u.counted = params_.counts_toward_depth == nullptr || params_.counts_toward_depth(nal);
  // Among equal DONs the newest goes first in the descending order, so the
  // oldest leaves first.
  order_.insert(pos, idx);
  bytes_ += nal.size();
  counted_ += u.counted ? 1 : 0;
  return true;
}

DonReorder::Popped DonReorder::pop_first() {
  const std::uint32_t idx = order_.back();
  order_.pop_back();
  free_.push_back(idx);
  Unit &u = slots_[idx];
  bytes_ -= u.data.size();
  counted_ -= u.counted ? 1 : 0;
  last_out_ = u.abs;
  if (u.data.capacity() > kBigUnit) {
    // Hand the allocation over so that up to kMaxUnits free slots cannot each
    // keep a large capacity.
    big_out_ = std::move(u.data);
    u.data = {};
    return Popped{ByteSpan(big_out_), u.rtp_ts};
  }
  return Popped{ByteSpan(u.data), u.rtp_ts};
}

}  // namespace srtcore::rtp
