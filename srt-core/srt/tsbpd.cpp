#include "srt/tsbpd.hpp"

#include <algorithm>
#include <utility>

namespace srtcore::srt {

DriftTracer::DriftTracer(std::uint32_t span, std::int64_t max_drift_us)
    : span_(std::max<std::uint32_t>(span, 1)), max_drift_(max_drift_us) {}

bool DriftTracer::update(std::int64_t sample_us) {
  sum_ += sample_us;
  ++count_;
  overdrift_ = 0;
  if (count_ < span_) return false;
  drift_ = sum_ / count_;
  sum_ = 0;
  count_ = 0;
  if (drift_ > max_drift_ || drift_ < -max_drift_) {
    overdrift_ = drift_ < 0 ? -max_drift_ : max_drift_;
    drift_ -= overdrift_;
  }
  return true;
}

TsbpdTime::TsbpdTime(Duration latency, DriftTracer tracer)
    : latency_(latency), tracer_(std::move(tracer)) {}

void TsbpdTime::set_time_base(TimePoint arrival, std::uint32_t peer_timestamp) {
  time_base_ = arrival - Duration(peer_timestamp);
  newest_ = peer_timestamp;
  enabled_ = true;
}

void TsbpdTime::apply_group_time(TimePoint time_base, std::int64_t reference_ts, Duration drift) {
  time_base_ = time_base;
  newest_ = reference_ts;
  tracer_.force(drift.count());
  enabled_ = true;
}

std::int64_t TsbpdTime::unwrap_peek(std::uint32_t ts) const {
  return newest_ + ts_diff(ts, static_cast<std::uint32_t>(newest_));
}

void TsbpdTime::advance(TimePoint now) {
  if (!enabled_) return;
  newest_ = std::max(newest_, (now - time_base_).count());
}

std::int64_t TsbpdTime::unwrap(std::uint32_t ts) {
  const std::int64_t v = unwrap_peek(ts);
  newest_ = std::max(newest_, v);
  return v;
}

bool TsbpdTime::add_drift_sample(std::uint32_t ts, TimePoint arrival, Duration rtt) {
  if (!enabled_) return false;
  advance(arrival);
  if (first_rtt_.count() < 0) first_rtt_ = rtt;
  const Duration path_change = (rtt - first_rtt_) / 2;
  const Duration sample = arrival - base_time(unwrap_peek(ts)) - path_change;
  if (!tracer_.update(sample.count())) return false;
  time_base_ += Duration(tracer_.overdrift_us());
  return true;
}

}  // namespace srtcore::srt
