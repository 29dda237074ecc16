// When the receiver of data repeats its loss report. A loss is NAKed at once
// when detected (the connection sends the new range); while any loss
// remains, the whole list is NAKed again every
//   max((SRTT + 4 * RTTVar) / 2, 20 ms)
// (libsrt sendCtrl(UMSG_LOSSREPORT) with LiveCC's updateNAKInterval, which
// halves the interval, and its 20 ms minNAKInterval). As in libsrt the
// interval is recomputed after every loss report, immediate or periodic, and
// the periodic timer runs on its own: immediate NAKs for new holes do not
// push it back (else, with a hole every few packets, old losses would never
// be reported again). Repeats that cross a retransmission in flight are the
// sender's to ignore (SendBuffer::retransmit_allowed).
//
// One difference: libsrt's timer also ticks while there is no loss, so its
// first periodic report follows the immediate one by anything from 0 to one
// interval (libsrt issue #701); here the timer starts with the first loss,
// so the first repeat comes a full interval after it.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

#include "srt/time.hpp"

namespace srtcore::srt {

class NakScheduler {
 public:
  static constexpr Duration kMinInterval = std::chrono::milliseconds(20);

  static Duration interval_for(Duration srtt, Duration rttvar) {
    const Duration d = (srtt + 4 * rttvar) / 2;
    return d < kMinInterval ? kMinInterval : d;
  }

  // `srtt`, `rttvar`: the estimate at connection time (100 / 50 ms before any sample).
  NakScheduler(Duration srtt, Duration rttvar) : interval_(interval_for(srtt, rttvar)) {}

  // Losses were found at `now` (and NAKed immediately): starts the periodic
  // timer, with the interval of the current RTT estimate, if it is idle.
  void on_loss(TimePoint now, Duration srtt, Duration rttvar) {
    if (armed_) return;
    interval_ = interval_for(srtt, rttvar);
    armed_ = true;
    last_ = now;
    next_ = now + interval_;
  }
  // The RTT estimate changed (the first measurement replaces the initial
  // 100 ms): a repeat armed with the old, longer interval comes sooner, so
  // a loss found before the first ACKACK is not left waiting 150 ms.
  void on_rtt_update(TimePoint now, Duration srtt, Duration rttvar) {
    interval_ = interval_for(srtt, rttvar);
    if (armed_ && next_ > last_ + interval_) next_ = std::max(now, last_ + interval_);
  }
  // Any NAK went out: the interval follows the current RTT estimate.
  void on_nak_sent(Duration srtt, Duration rttvar) { interval_ = interval_for(srtt, rttvar); }

  // Serve the timer: true when a periodic NAK of the whole list is due now.
  // The timer restarts from `now`; with no losses left it goes idle.
  bool on_timer(TimePoint now, bool has_losses) {
    if (!has_losses) {
      armed_ = false;
      return false;
    }
    if (!armed_) {  // losses the caller did not announce: due now
      armed_ = true;
      next_ = now;
    }
    if (now < next_) return false;
    last_ = now;
    next_ = now + interval_;
    return true;
  }
  // nullopt without losses; TimePoint::min() (serve now) for losses that
  // were never announced with on_loss().
  std::optional<TimePoint> next_deadline(bool has_losses) const {
    if (!has_losses) return std::nullopt;
    return armed_ ? next_ : TimePoint::min();
  }
  Duration interval() const { return interval_; }

 private:
  Duration interval_;
  TimePoint next_{};
  TimePoint last_{};  // when the timer was armed or last fired
  bool armed_ = false;
};

}  // namespace srtcore::srt
