// Smoothed round-trip time of an SRT connection, in microseconds, with the
// integer arithmetic of libsrt (avg_iir): RTTVar = (3 RTTVar + |SRTT - rtt|)/4
// from the old SRTT, then SRTT = (7 SRTT + rtt) / 8.
//
// Two sources, as in libsrt 1.5:
// - on_sample(): the receiver of data times its full ACKs against the
//   ACKACKs that echo them (AckScheduler::on_ackack);
// - on_peer_report(): the sender of data does not measure; it takes the RTT
//   and RTTVar fields of the ACKs it receives.
//
// First sample: libsrt 1.5 replaces the initial 100 ms / 50 ms with the first
// ACKACK sample (RTT = s, RTTVar = s / 2); the draft's plain EWMA would
// instead smooth from 100 ms, so a 20 ms path needs ~20 samples (200 ms of
// ACKs) before NAK timing is right. kReset is the default. On top of it the
// connection may feed the handshake round trip as the first sample, so that
// NAK and retransmission timing fit the path from the very first data packet
// (libsrt does not: its TSBPD code notes that a handshake-based RTT "is not
// yet implemented").
#pragma once

#include <chrono>
#include <cstdint>

#include "srt/time.hpp"

namespace srtcore::srt {

class RttEstimator {
 public:
  static constexpr Duration kInitialRtt = std::chrono::milliseconds(100);
  static constexpr Duration kInitialRttVar = std::chrono::milliseconds(50);

  enum class FirstSample : std::uint8_t {
    kReset,   // first sample replaces the initial values (libsrt 1.5)
    kSmooth,  // every sample is smoothed, starting from 100 / 50 ms (draft, UDT)
  };

  explicit RttEstimator(FirstSample mode = FirstSample::kReset) : mode_(mode) {}

  // One measured round trip. Samples <= 0 are ignored (libsrt: clock shift).
  void on_sample(Duration rtt);

  // The RTT and RTTVar fields of a small or full ACK from the peer. Until the
  // first values that differ from the initial 100 / 50 ms (the peer has not
  // measured yet) nothing changes; the first real ones are taken as they are.
  // After that a sender that also receives data (`bidirectional`) smooths the
  // reported RTT as a sample; a one-way sender takes both fields as they are.
  void on_peer_report(Duration rtt, Duration rtt_var, bool bidirectional);

  Duration srtt() const { return Duration(srtt_us_); }
  Duration rttvar() const { return Duration(var_us_); }
  bool measured() const { return measured_; }
  // For ACK fields.
  std::uint32_t srtt_field() const { return static_cast<std::uint32_t>(srtt_us_); }
  std::uint32_t rttvar_field() const { return static_cast<std::uint32_t>(var_us_); }

 private:
  void smooth(std::int64_t rtt_us);

  FirstSample mode_;
  std::int64_t srtt_us_ = kInitialRtt.count();
  std::int64_t var_us_ = kInitialRttVar.count();
  bool measured_ = false;
};

}  // namespace srtcore::srt
