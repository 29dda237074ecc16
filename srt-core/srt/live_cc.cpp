#include "srt/live_cc.hpp"

#include <algorithm>

namespace srtcore::srt {

void InputRateEstimator::on_input(TimePoint now, std::size_t payload_bytes) {
  if (!started_) {
    started_ = true;
    period_start_ = now;
    return;  // libsrt starts the clock with the first packet and counts from the next
  }
  if (now < period_start_) return;
  ++packets_;
  bytes_ += payload_bytes + kPacketOverhead;
  const Duration elapsed = now - period_start_;
  const bool early = period_ < kRunning && packets_ > kFastStartPackets;
  if ((early || elapsed > period_) && elapsed.count() > 0) {
    rate_ =
        static_cast<std::int64_t>(bytes_ * 1'000'000 / static_cast<std::uint64_t>(elapsed.count()));
    packets_ = 0;
    bytes_ = 0;
    period_start_ = now;
    period_ = kRunning;
  }
}

LiveCc::LiveCc(const LiveCcConfig &config) : config_(config), avg_payload_(config.payload_size) {
  update_period();
}

void LiveCc::set_config(const LiveCcConfig &config) {
  config_ = config;
  update_period();
}

void LiveCc::set_measured_input_rate(std::int64_t bytes_per_second) {
  measured_ = bytes_per_second;
  update_period();
}

void LiveCc::on_packet_sent(std::size_t payload_bytes) {
  avg_payload_ = (avg_payload_ * 127 + payload_bytes) / 128;
}

void LiveCc::update_period() {
  if (config_.max_bw > 0) {
    bw_ = config_.max_bw;
  } else if (config_.max_bw < 0) {
    bw_ = kMaxBwInfinite;
  } else {
    // MAXBW 0: input rate plus overhead (the estimate starts at 1 Gbps, as
    // libsrt's does); a zero rate keeps the old pace.
    const std::int64_t in =
        config_.input_bw > 0 ? config_.input_bw : std::max(config_.min_input_bw, measured_);
    if (in > 0) bw_ = in * (100 + config_.overhead_percent) / 100;
  }
  const auto pkt = static_cast<std::int64_t>(avg_payload_ + kPacketOverhead);
  period_ps_ = pkt * 1'000'000'000'000 / bw_;
}

namespace {
constexpr std::int64_t kPsPerUs = 1'000'000;
}  // namespace

TimePoint Pacer::next_send_time() const {
  if (!started_) return TimePoint::min();
  // Round up: never earlier than the schedule.
  return next_frac_ps_ > 0 ? next_us_ + Duration(1) : next_us_;
}

std::optional<SendChoice> Pacer::pick(TimePoint now, bool have_retransmit, bool have_new,
                                      bool original_first) const {
  if (!ready(now)) return std::nullopt;
  if (original_first && have_new) return SendChoice::kNew;
  if (have_retransmit) return SendChoice::kRetransmit;
  if (have_new) return SendChoice::kNew;
  return std::nullopt;
}

void Pacer::on_sent(TimePoint now, std::int64_t period_ps) {
  // Idle for long (or first packet): start the schedule afresh.
  if (!started_ || now - next_us_ > std::chrono::hours(1)) {
    started_ = true;
    next_us_ = now;
    next_frac_ps_ = 0;
  }
  // A sender behind schedule keeps at most max_burst - 1 periods of credit;
  // times are picoseconds relative to next_us_.
  const std::int64_t now_ps = (now - next_us_).count() * kPsPerUs;
  const std::int64_t floor = now_ps - static_cast<std::int64_t>(max_burst_ - 1) * period_ps;
  std::int64_t next = std::max(next_frac_ps_, floor) + period_ps;
  std::int64_t whole = next / kPsPerUs;
  if (next < 0 && next % kPsPerUs != 0) --whole;  // floor division
  next_us_ += Duration(whole);
  next_frac_ps_ = next - whole * kPsPerUs;
}

}  // namespace srtcore::srt
