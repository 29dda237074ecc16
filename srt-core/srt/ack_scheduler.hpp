// When the receiver of data sends ACKs, and the ACK/ACKACK journal that turns
// them into RTT samples. Follows libsrt 1.5 (checkACKTimer, sendCtrlAck,
// CACKWindow):
// - every 10 ms a full ACK (a small one if the last full ACK is younger than
//   the interval) carrying a new ACK number, kept in a bounded history;
// - between them, a light ACK (no number) every 64 packets;
// - nothing when the ACK sequence equals the last one the peer confirmed with
//   an ACKACK, and an unchanged ACK sequence is repeated only after
//   SRTT + 4 RTTVar;
// - an ACKACK whose number is in the history yields an RTT sample and the
//   sequence it confirmed; older entries are discarded with it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "srt/control.hpp"
#include "srt/seq.hpp"
#include "srt/time.hpp"

namespace srtcore::srt {

struct AckSchedulerConfig {
  Duration interval = std::chrono::milliseconds(10);  // libsrt COMM_SYN_INTERVAL_US
  std::uint32_t light_ack_packets = 64;               // libsrt SELF_CLOCK_INTERVAL
  std::size_t history = 1024;                         // libsrt ACK_WND_SIZE
};

struct AckToSend {
  AckKind kind = AckKind::kFull;
  std::uint32_t ack_number = 0;  // 0 for a light ACK
  std::uint32_t ack_seq = 0;     // the ACK's sequence field
};

struct AckAckSample {
  Duration rtt{};
  std::uint32_t ack_seq = 0;  // what the acknowledged ACK carried
};

class AckScheduler {
 public:
  // `isn`: the peer's initial sequence number (nothing to acknowledge yet).
  AckScheduler(TimePoint now, std::uint32_t isn, const AckSchedulerConfig &config = {});

  // A data packet arrived; `ack_seq` is the receive buffer's ACK sequence
  // after storing it. Returns a light ACK when one is due.
  std::optional<AckToSend> on_data(TimePoint now, std::uint32_t ack_seq);

  // Call when now >= next_deadline(). Returns the periodic (full or small)
  // ACK if one should go out; the timer restarts either way.
  std::optional<AckToSend> on_timer(TimePoint now, std::uint32_t ack_seq, Duration srtt,
                                    Duration rttvar);
  TimePoint next_deadline() const { return next_timer_; }

  // A full ACK of the unchanged ACK sequence, journalled like any other:
  // sent when the receiver's free room grew a lot while the sender was last
  // told it had almost none (on_timer stays silent for an unchanged ACK, and
  // a flow-controlled sender would wait forever).
  AckToSend window_update(TimePoint now);

  // The peer echoed ACK number `ack_number`. nullopt if unknown (too old,
  // already answered, or never sent) or if it would make RTT <= 0.
  std::optional<AckAckSample> on_ackack(TimePoint now, std::uint32_t ack_number);

  std::uint32_t last_ack_seq() const { return last_ack_; }        // libsrt m_iRcvLastAck
  std::uint32_t last_ackack_seq() const { return last_ackack_; }  // libsrt m_iRcvLastAckAck
  std::uint32_t last_ack_number() const { return ack_number_; }
  std::size_t history_size() const { return history_count_; }

 private:
  struct Entry {
    std::uint32_t ack_number = 0;
    std::uint32_t ack_seq = 0;
    TimePoint sent{};
  };

  void journal(TimePoint now);

  AckSchedulerConfig config_;
  TimePoint next_timer_;
  TimePoint last_full_{};
  bool sent_full_ = false;
  std::uint32_t packets_ = 0;  // since the last periodic ACK
  std::uint32_t light_count_ = 1;
  std::uint32_t ack_number_ = 0;
  std::uint32_t last_ack_;
  std::uint32_t last_ackack_;
  std::vector<Entry> history_;  // ring, oldest at history_head_
  std::size_t history_head_ = 0;
  std::size_t history_count_ = 0;
};

}  // namespace srtcore::srt
