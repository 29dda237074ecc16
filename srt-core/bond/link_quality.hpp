// Is a member link fit to carry a live stream on its own? libsrt's backup
// groups judge only silence; a link that keeps answering but loses a quarter
// of its packets stays "stable" there and the stream loses data. Here a
// link is unstable when
//   - it fell silent while it had data in flight, for longer than
//     clamp(2 SRTT + 4 RTTVar, min_stable_timeout, latency) (as libsrt), or
//   - its loss rate, at its round-trip time, makes a packet likely to miss
//     its delivery time even with retransmissions (loss from the peer's
//     NAKs, or from the receive rate its ACKs report against what we sent:
//     a group receiver does not NAK what another link brought), or
//   - a retransmission has been waiting for more than half the latency.
#pragma once

#include <cstdint>
#include <optional>

#include "srt/connection.hpp"
#include "srt/time.hpp"

namespace srtcore::bond {

using srt::Duration;
using srt::TimePoint;

struct QualityConfig {
  Duration latency = std::chrono::milliseconds(120);  // the peer applies to what we send
  Duration min_stable_timeout = std::chrono::milliseconds(60);
  // A packet lost this often on its way (after every retransmission the
  // latency allows) marks the link unstable.
  double max_residual_loss = 1e-4;
};

class LinkQuality {
 public:
  explicit LinkQuality(const QualityConfig &config) : config_(config) {}

  // Feed a snapshot of the link at `now` (called every few milliseconds).
  // `carrying_since`: when the link last started to carry data; silence is
  // judged only from then on (an idle link hears nothing, rightly).
  void update(TimePoint now, const srt::LinkHealth &h, std::optional<TimePoint> carrying_since);
  // The verdict of the last update, and why (for link-state events).
  bool stable() const { return !reason_; }
  const char *reason() const { return reason_ ? reason_ : "stable"; }
  double loss_rate() const { return loss_; }
  // Loss seen as what the peer received against what we sent on this link
  // (with balancing, NAKs for the group's holes come on any link).
  double rate_loss() const { return rate_loss_; }
  // Unstable because nothing came back while data was in flight.
  bool silent() const { return reason_ == kSilent; }
  // Expected share of packets lost for good at the current loss and RTT.
  double residual_loss(const srt::LinkHealth &h) const;
  void reset();
  // The link starts carrying now (after a burst of resends): the rate
  // comparison waits until the peer's reports cover steady sending.
  void warm_up(TimePoint now) { warm_until_ = now + std::chrono::milliseconds(500); }

 private:
  static constexpr const char *kSilent = "silent while data is in flight";
  QualityConfig config_;
  const char *reason_ = nullptr;
  void update_rate_loss(TimePoint now, const srt::LinkHealth &h);

  double loss_ = 0.0;       // the larger of the two below
  double nak_loss_ = 0.0;   // exponentially weighted NAKed / sent
  double rate_loss_ = 0.0;  // 1 - peer's receive rate / our send rate
  std::uint64_t last_sent_ = 0, last_lost_ = 0;
  std::uint64_t rate_sent_ = 0;
  TimePoint rate_since_{};
  TimePoint rate_tick_{};
  double rate_received_ = 0;  // the peer's reported rate integrated since rate_since_
  TimePoint warm_until_{};
  bool have_sample_ = false;
};

}  // namespace srtcore::bond
