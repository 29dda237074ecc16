#include "srt/rtt.hpp"

namespace srtcore::srt {

void RttEstimator::smooth(std::int64_t rtt_us) {
  const std::int64_t dev = rtt_us > srtt_us_ ? rtt_us - srtt_us_ : srtt_us_ - rtt_us;
  var_us_ = (var_us_ * 3 + dev) / 4;
  srtt_us_ = (srtt_us_ * 7 + rtt_us) / 8;
}

void RttEstimator::on_sample(Duration rtt) {
  const std::int64_t us = rtt.count();
  if (us <= 0) return;
  if (!measured_ && mode_ == FirstSample::kReset) {
    srtt_us_ = us;
    var_us_ = us / 2;
  } else {
    smooth(us);
  }
  measured_ = true;
}

void RttEstimator::on_peer_report(Duration rtt, Duration rtt_var, bool bidirectional) {
  const bool initial = rtt == kInitialRtt && rtt_var == kInitialRttVar;
  if (!measured_) {
    // libsrt's test is "both differ" for the first report and "either
    // differs" later; a peer that measured exactly 100 ms / x waits one ACK.
    if (rtt == kInitialRtt || rtt_var == kInitialRttVar) return;
    srtt_us_ = rtt.count();
    var_us_ = rtt_var.count();
    measured_ = true;
    return;
  }
  if (!bidirectional) {
    srtt_us_ = rtt.count();
    var_us_ = rtt_var.count();
  } else if (!initial) {
    smooth(rtt.count());
  }
}

}  // namespace srtcore::srt
