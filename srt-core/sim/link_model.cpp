#include "sim/link_model.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace srtcore::sim {

namespace {

enum Stream : std::uint64_t { kLoss, kBurst, kJitter, kReorder, kDup };

constexpr std::size_t kMaxSpareBuffers = 256;

// Memory a datagram is charged for: empty ones count too, or a flood of them
// would grow the queue without bound.
std::size_t charge(std::size_t bytes) {
  return std::max<std::size_t>(bytes, 1);
}

}  // namespace

LinkModel::LinkModel(LinkConfig config, TimePoint origin)
    : config_(std::move(config)),
      origin_(origin),
      loss_rng_(derive_seed(config_.seed, kLoss)),
      burst_rng_(derive_seed(config_.seed, kBurst)),
      jitter_rng_(derive_seed(config_.seed, kJitter)),
      reorder_rng_(derive_seed(config_.seed, kReorder)),
      dup_rng_(derive_seed(config_.seed, kDup)),
      rate_queue_(config_.rate_bps, config_.queue_bytes) {
  if (config_.burst) burst_.emplace(*config_.burst);
}

bool LinkModel::is_up(TimePoint now) const {
  if (!commanded_up_) return false;
  const Duration since_origin = now - origin_;
  return std::none_of(config_.cuts.begin(), config_.cuts.end(), [&](const CutInterval &c) {
    return since_origin >= c.start && since_origin < c.end;
  });
}

Fate LinkModel::send(TimePoint now, std::span<const std::uint8_t> datagram) {
  now = std::max(now, last_now_);
  last_now_ = now;
  ++stats_.in;
  stats_.in_bytes += datagram.size();
  const std::uint64_t input_no = stats_.in;

  if (!is_up(now)) {
    ++stats_.dropped_cut;
    return Fate::dropped_cut;
  }
  if (in_flight_bytes_ + charge(datagram.size()) > config_.max_in_flight_bytes) {
    ++stats_.dropped_queue;
    return Fate::dropped_queue;
  }
  const std::optional<TimePoint> departs = rate_queue_.admit(now, datagram.size());
  if (!departs) {
    ++stats_.dropped_queue;
    return Fate::dropped_queue;
  }
  // Loss after the bottleneck: a datagram lost on the wire still used its slot.
  if (burst_ && burst_->lose(burst_rng_)) {
    ++stats_.lost_burst;
    return Fate::lost_burst;
  }
  if (loss_rng_.chance(config_.loss)) {
    ++stats_.lost_random;
    return Fate::lost_random;
  }

  const bool hold_back = reorder_rng_.chance(config_.reorder);
  enqueue(arrival(*departs, hold_back), input_no, datagram);
  if (dup_rng_.chance(config_.duplicate)) {
    ++stats_.duplicated;
    enqueue(arrival(*departs, false), input_no, datagram);
  }
  return Fate::in_flight;
}

Duration LinkModel::jitter_offset() {
  const auto j = static_cast<double>(config_.jitter.count());
  if (j <= 0.0) return Duration::zero();
  double offset = 0.0;
  if (config_.jitter_shape == JitterShape::uniform) {
    offset = (2.0 * jitter_rng_.uniform() - 1.0) * j;
  } else {
    offset = std::clamp(jitter_rng_.normal() * j, -3.0 * j, 3.0 * j);
  }
  return Duration(std::llround(offset));
}

TimePoint LinkModel::arrival(TimePoint departs, bool hold_back) {
  TimePoint due = std::max(departs, departs + config_.delay + jitter_offset());
  if (hold_back) return due + config_.reorder_delay;  // outside the FIFO floor on purpose
  if (!config_.jitter_reorders) {
    due = std::max(due, fifo_floor_);
    fifo_floor_ = due;
  }
  return due;
}

void LinkModel::enqueue(TimePoint due, std::uint64_t input_no,
                        std::span<const std::uint8_t> bytes) {
  std::vector<std::uint8_t> buffer;
  if (!spare_buffers_.empty()) {
    buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  buffer.assign(bytes.begin(), bytes.end());
  in_flight_bytes_ += charge(buffer.size());
  heap_.push_back({due, next_order_++, input_no, std::move(buffer)});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

// The std heap functions keep the largest on top; ordering by "later" puts the
// earliest arrival there.
bool LinkModel::later(const InFlight &a, const InFlight &b) {
  return a.due != b.due ? a.due > b.due : a.order > b.order;
}

std::optional<Datagram> LinkModel::poll(TimePoint now) {
  if (heap_.empty() || heap_.front().due > now) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  InFlight item = std::move(heap_.back());
  heap_.pop_back();

  in_flight_bytes_ -= charge(item.bytes.size());
  ++stats_.delivered;
  stats_.delivered_bytes += item.bytes.size();
  if (item.input_no < highest_delivered_input_) {
    ++stats_.reordered;
  } else {
    highest_delivered_input_ = item.input_no;
  }
  return Datagram{item.due, std::move(item.bytes)};
}

std::optional<TimePoint> LinkModel::next_deadline() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().due;
}

void LinkModel::recycle(std::vector<std::uint8_t> &&buffer) {
  if (spare_buffers_.size() < kMaxSpareBuffers) spare_buffers_.push_back(std::move(buffer));
}

}  // namespace srtcore::sim
