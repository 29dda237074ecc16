#include "bond/link_quality.hpp"

#include <algorithm>
#include <cmath>

namespace srtcore::bond {

namespace {

// Loss is averaged over about this many packets, so that one burst of a
// few losses does not flip a healthy link while a steady 5 % shows within a
// second at live rates.
constexpr double kLossWindowPackets = 400.0;
// Until this many packets were sent, the loss estimate means nothing.
constexpr std::uint64_t kMinPackets = 50;
// Below this send rate (packets/s) the rate comparison is noise.
constexpr double kMinRate = 50.0;

}  // namespace

void LinkQuality::reset() {
  reason_ = nullptr;
  loss_ = nak_loss_ = rate_loss_ = 0.0;
  have_sample_ = false;
}

// The peer reports its receive rate (packets/s over its last 100 ms or
// more) with each full ACK. Integrated over a second and set against what
// we sent in that second, the bursts of a video stream and the offset
// between the two windows average out; one short window would flag a
// healthy link after every keyframe.
void LinkQuality::update_rate_loss(TimePoint now, const srt::LinkHealth &h) {
  const double dt = static_cast<double>((now - rate_tick_).count()) / 1e6;
  rate_tick_ = now;
  if (now < warm_until_) {
    rate_sent_ = h.sent_total;
    rate_since_ = now;
    rate_received_ = 0;
    return;
  }
  if (dt > 0 && dt < 1.0) rate_received_ += static_cast<double>(h.peer_packet_rate) * dt;
  if (now - rate_since_ < std::chrono::seconds(1)) return;
  const auto sent = static_cast<double>(h.sent_total - rate_sent_);
  const double seconds = static_cast<double>((now - rate_since_).count()) / 1e6;
  rate_sent_ = h.sent_total;
  rate_since_ = now;
  const double received = rate_received_;
  rate_received_ = 0;
  if (sent / seconds < kMinRate || received <= 0) return;
  const double sample = std::clamp(1.0 - received / sent, 0.0, 1.0);
  rate_loss_ = rate_loss_ * 0.5 + sample * 0.5;
}

double LinkQuality::residual_loss(const srt::LinkHealth &h) const {
  if (loss_ <= 0.0) return 0.0;
  // Retransmission rounds that fit in the latency: each round costs a round
  // trip, its jitter, and the receiver's NAK reaction.
  const Duration round = h.srtt + 4 * h.rttvar + std::chrono::milliseconds(10);
  const double rounds = std::floor(static_cast<double>((config_.latency - h.srtt / 2).count()) /
                                   static_cast<double>(std::max<Duration::rep>(round.count(), 1)));
  if (rounds < 1.0) return loss_;
  return std::pow(loss_, rounds + 1.0);
}

void LinkQuality::update(TimePoint now, const srt::LinkHealth &h,
                         std::optional<TimePoint> carrying_since) {
  if (!have_sample_ || h.sent_unique < last_sent_) {
    last_sent_ = h.sent_unique;
    last_lost_ = h.nak_reported;
    rate_sent_ = h.sent_total;
    rate_since_ = now;
    rate_tick_ = now;
    rate_received_ = 0;
    have_sample_ = true;
  }
  const std::uint64_t sent = h.sent_unique - last_sent_;
  const std::uint64_t lost = h.nak_reported >= last_lost_ ? h.nak_reported - last_lost_ : 0;
  if (sent > 0) {
    const double w = std::min(1.0, static_cast<double>(sent) / kLossWindowPackets);
    const double sample = std::min(1.0, static_cast<double>(lost) / static_cast<double>(sent));
    nak_loss_ = nak_loss_ * (1.0 - w) + sample * w;
    last_sent_ = h.sent_unique;
    last_lost_ = h.nak_reported;
  }
  update_rate_loss(now, h);
  loss_ = std::max(nak_loss_, rate_loss_);

  reason_ = nullptr;
  const Duration silence_limit = std::clamp(2 * h.srtt + 4 * h.rttvar, config_.min_stable_timeout,
                                            std::max(config_.latency, config_.min_stable_timeout));
  if (carrying_since && h.unacknowledged > 0 &&
      now - std::max(h.last_received, *carrying_since) > silence_limit) {
    reason_ = kSilent;
    return;
  }
  if (h.sent_unique >= kMinPackets && residual_loss(h) > config_.max_residual_loss) {
    reason_ = "too lossy to deliver within the latency";
    return;
  }
  if (h.srtt > config_.latency) {
    reason_ = "round trip longer than the latency";
    return;
  }
  if (h.retransmit_backlog > 0 && h.oldest_unacked &&
      now - *h.oldest_unacked > config_.latency / 2) {
    reason_ = "retransmissions falling behind the latency";
    return;
  }
}

}  // namespace srtcore::bond
