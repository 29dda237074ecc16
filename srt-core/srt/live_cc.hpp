// Live congestion control (libsrt LiveCC): no window, just a pace.
//
//   period = (average payload + 44) * 1e6 / MAXBW   microseconds per packet
//
// 44 = 16 SRT + 28 IPv4/UDP header bytes. MAXBW -1 means 1 Gbps
// (125,000,000 bytes/s); 0 means INPUTBW, or the measured input rate when
// INPUTBW is 0, times (1 + OHEADBW / 100). The average payload is libsrt's
// avg_iir<128> over sent packets, starting at the configured payload size;
// like libsrt, the period is recomputed on ACK (and on configuration
// changes), not per packet.
//
// Pacer turns the period into send times. It keeps the schedule in
// picoseconds, so microsecond rounding never accumulates (the rate is off by
// under one part per million), and
// lets a late sender catch up by at most `max_burst` packets back to back
// instead of losing the time (or bursting without bound after idling).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "srt/packet.hpp"
#include "srt/time.hpp"

namespace srtcore::srt {

inline constexpr std::int64_t kMaxBwInfinite = 125'000'000;  // 1 Gbps in bytes/s
inline constexpr std::size_t kPacketOverhead = 44;           // SRT + UDP + IPv4 headers

struct LiveCcConfig {
  std::int64_t max_bw = -1;                            // SRTO_MAXBW, bytes/s
  std::int64_t input_bw = 0;                           // SRTO_INPUTBW, bytes/s
  std::int64_t min_input_bw = 0;                       // SRTO_MININPUTBW, bytes/s
  int overhead_percent = 25;                           // SRTO_OHEADBW
  std::size_t payload_size = kLiveDefaultPayloadSize;  // SRTO_PAYLOADSIZE
};

// libsrt CSndBuffer input-rate sampling: packets and bytes (payload + 44)
// handed to the sender, over 500 ms at first (or 2000 packets, whichever
// comes first), then every second.
class InputRateEstimator {
 public:
  static constexpr Duration kFastStart = std::chrono::milliseconds(500);
  static constexpr Duration kRunning = std::chrono::seconds(1);
  static constexpr std::uint64_t kFastStartPackets = 2000;

  void on_input(TimePoint now, std::size_t payload_bytes);
  // Bytes per second; nullopt until the first period closes.
  std::optional<std::int64_t> rate() const { return rate_; }

 private:
  bool started_ = false;
  TimePoint period_start_{};
  Duration period_ = kFastStart;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  std::optional<std::int64_t> rate_;
};

class LiveCc {
 public:
  explicit LiveCc(const LiveCcConfig &config = {});

  void set_config(const LiveCcConfig &config);
  // For MAXBW 0 with INPUTBW 0: the sender buffer's measured input rate.
  void set_measured_input_rate(std::int64_t bytes_per_second);
  // Every data packet sent (new or retransmitted), as libsrt's TEV_SEND.
  void on_packet_sent(std::size_t payload_bytes);
  // libsrt recomputes the period on ACK and on the retransmission timer.
  void on_ack() { update_period(); }

  std::int64_t bandwidth() const { return bw_; }  // bytes/s in effect
  std::size_t average_payload() const { return avg_payload_; }
  // Picoseconds per packet (libsrt keeps a double in microseconds).
  std::int64_t period_ps() const { return period_ps_; }
  Duration period() const { return Duration(period_ps_ / 1'000'000); }

 private:
  void update_period();

  LiveCcConfig config_;
  std::int64_t measured_ = kMaxBwInfinite;  // libsrt INPUTRATE_INITIAL_BYTESPS
  std::int64_t bw_ = kMaxBwInfinite;
  std::size_t avg_payload_;
  std::int64_t period_ps_ = 0;
};

enum class SendChoice : std::uint8_t { kRetransmit, kNew };

class Pacer {
 public:
  explicit Pacer(std::uint32_t max_burst = 4) : max_burst_(max_burst < 1 ? 1 : max_burst) {}

  // Earliest time the next packet may go.
  TimePoint next_send_time() const;
  bool ready(TimePoint now) const { return now >= next_send_time(); }
  // What to send at `now`, if anything. Retransmissions go before new data
  // by default: a lost packet is closer to its deadline than a new one.
  // libsrt 1.5 in live mode does the opposite (isRetransmissionAllowed: no
  // retransmission while an original packet waits); `original_first`
  // reproduces that.
  std::optional<SendChoice> pick(TimePoint now, bool have_retransmit, bool have_new,
                                 bool original_first = false) const;
  // A packet went out at `now`; the next may follow `period_ps` later.
  void on_sent(TimePoint now, std::int64_t period_ps);

 private:
  std::uint32_t max_burst_;
  bool started_ = false;
  // The schedule: whole microseconds plus a picosecond remainder in [0, 1 us),
  // so it neither overflows nor rounds.
  TimePoint next_us_{};
  std::int64_t next_frac_ps_ = 0;
};

}  // namespace srtcore::srt
