#include "bond/path_model.hpp"

#include <algorithm>
#include <cmath>

namespace srtcore::bond {

namespace {

double seconds(Duration d) {
  return static_cast<double>(d.count()) / 1e6;
}

// Growth per adjust interval of a path that is kept busy and shows no queue.
constexpr double kProbe = 1.05;
constexpr double kFastProbe = 1.2;
// A busy path: the model gave it at least this part of its capacity.
constexpr double kBusy = 0.9;
// Time constant of the given-rate average (s).
constexpr double kRateTau = 0.1;
// A full path whose queue still grows is credited this part of what it
// delivers.
constexpr double kBackOff = 0.95;

}  // namespace

PathModel::PathModel(TimePoint now, Duration latency)
    : backlog_at_(now),
      high_(std::clamp<Duration>(latency / 10, std::chrono::milliseconds(5),
                                 std::chrono::milliseconds(30))),
      max_backlog_(latency),
      adjusted_(now) {}

void PathModel::drain(TimePoint now) {
  if (now <= backlog_at_) return;
  backlog_ = std::max(0.0, backlog_ - capacity_ * seconds(now - backlog_at_));
  backlog_at_ = now;
}

double PathModel::queued(TimePoint now) const {
  if (now <= backlog_at_) return backlog_;
  return std::max(0.0, backlog_ - capacity_ * seconds(now - backlog_at_));
}

Duration PathModel::wait(TimePoint now, std::size_t size) const {
  const double wait = (queued(now) + static_cast<double>(size)) / capacity_;
  return Duration(static_cast<Duration::rep>(wait * 1e6));
}

double PathModel::utilization(TimePoint now) const {
  const double dt = seconds(now - rate_at_);
  return rate_ * std::exp(-dt / kRateTau) / capacity_;
}

void PathModel::give(TimePoint now, std::size_t size) {
  rate_ =
      rate_ * std::exp(-seconds(now - rate_at_) / kRateTau) + static_cast<double>(size) / kRateTau;
  rate_at_ = now;
  drain(now);
  if (!unanswered_since_) unanswered_since_ = now;
  backlog_ += static_cast<double>(size);
  given_ += static_cast<double>(size);
}

void PathModel::adjust(TimePoint now, const PathReport &r) {
  drain(now);
  backlog_ += r.resent;
  if (r.rtt_measured) min_rtt_ = std::min(min_rtt_, r.srtt);
  // A stream larger than every path together: the model cannot help it;
  // keep its queue bounded so that it follows as soon as capacity returns.
  backlog_ = std::min(backlog_, capacity_ * seconds(max_backlog_));
  if (now - adjusted_ < kAdjustInterval) return;
  const double given_rate = given_ / seconds(now - adjusted_);
  given_ = 0;
  adjusted_ = now;
  const Duration queue =
      r.rtt_measured && min_rtt_ != Duration::max() ? r.srtt - min_rtt_ : Duration{};
  // Jitter shows in the round trip too: a queue counts above it.
  const Duration high = high_ + r.rttvar / 2;
  if (queue > high) {
    if (!draining_) {
      // Full: it delivers its capacity, and the queue it built goes first.
      draining_ = true;
      if (r.delivered > 0) capacity_ = std::max(std::min(capacity_, r.delivered), kFloor);
      backlog_ = std::max(backlog_, capacity_ * seconds(queue - high / 2));
    } else if (r.srtt > last_srtt_ && r.delivered > 0) {
      // Still growing: it delivers less than that (headers, retransmissions).
      capacity_ = std::max(r.delivered * kBackOff, kFloor);
    }
    last_srtt_ = r.srtt;
    return;
  }
  const bool rising = r.srtt > last_srtt_ + std::chrono::milliseconds(1);
  const bool falling = r.srtt + std::chrono::microseconds(500) < last_srtt_;
  last_srtt_ = r.srtt;
  // The smoothed round trip trails the queue: probe again once it fell, or
  // stopped falling (what is left is the path's own delay or jitter).
  if (queue < high / 2 || !falling) draining_ = false;
  if (draining_) return;
  capacity_ = std::max(capacity_, r.delivered);
  // Probe a path the model keeps busy while its round trip stays flat; fast
  // when the model holds a queue the path does not show (it drains faster
  // than credited: a path that was idle, or one that got better).
  if (given_rate >= kBusy * capacity_ && !rising) {
    const bool underrated = backlog_ > capacity_ * seconds(high) && queue < high / 4;
    capacity_ *= underrated ? kFastProbe : kProbe;
  }
}

bool PathModel::silent(TimePoint now, TimePoint last_received, Duration limit) {
  if (unanswered_since_ && last_received >= *unanswered_since_) unanswered_since_.reset();
  return unanswered_since_ && now - *unanswered_since_ > limit;
}

}  // namespace srtcore::bond
