// Minimal live SRT endpoints assembled from the sub-engines, for virtual-time
// simulations before the real connection engine exists: no handshake, no
// crypto, one direction of data. They speak the real wire format (packets
// are written and parsed with srt/packet.hpp and srt/control.hpp), so what
// crosses the simulated link is what libsrt would see.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "srt/ack_scheduler.hpp"
#include "srt/live_cc.hpp"
#include "srt/loss_list.hpp"
#include "srt/nak_scheduler.hpp"
#include "srt/receive_buffer.hpp"
#include "srt/rtt.hpp"
#include "srt/send_buffer.hpp"
#include "srt/time.hpp"

namespace srtcore::srt::simtest {

using Datagram = std::vector<std::uint8_t>;

struct SenderConfig {
  std::uint32_t isn = 0;
  TimePoint start{};  // connection start: timestamps count from here
  Duration peer_latency = std::chrono::milliseconds(120);
  LiveCcConfig cc{};
  std::size_t capacity = 8192;
};

// SendBuffer + LiveCc pacer + retransmission of NAK'd packets.
class MiniSender {
 public:
  explicit MiniSender(const SenderConfig &config);

  bool submit(TimePoint origin, ByteSpan message);
  // The round trip the handshake measured, as the first RTT sample.
  void seed_rtt(Duration rtt) { rtt_.on_sample(rtt); }
  void on_datagram(TimePoint now, ByteSpan bytes);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  // Datagrams produced since the last call.
  std::vector<Datagram> take_output();

  const SendBuffer &buffer() const { return buf_; }
  std::uint64_t retransmissions() const { return retransmissions_; }
  std::uint64_t drop_requests() const { return drop_requests_; }
  // Ranges given up by age (SendBuffer::drop_too_late).
  const std::vector<DropRequest> &aged_out() const { return aged_out_; }

 private:
  void send_data(TimePoint now, const SendPacket &p);
  void send_drop_request(TimePoint now, const DropRequest &d);
  std::uint32_t ts(TimePoint now) const { return wire_timestamp(config_.start, now); }

  SenderConfig config_;
  SendBuffer buf_;
  LiveCc cc_;
  Pacer pacer_;
  SenderLossList lost_;
  RttEstimator rtt_;
  Duration drop_threshold_;
  std::uint32_t last_ackack_number_ = 0;
  TimePoint last_ackack_time_{};
  std::vector<Datagram> out_;
  std::uint64_t retransmissions_ = 0;
  std::uint64_t drop_requests_ = 0;
  std::vector<DropRequest> aged_out_;
};

struct ReceiverConfig {
  std::uint32_t isn = 0;  // the sender's
  TimePoint start{};
  Duration latency = std::chrono::milliseconds(120);
  std::size_t capacity = 8192;
};

// What the application got, in order.
struct Delivered {
  Delivery item;
  TimePoint at;
  std::vector<std::uint8_t> payload;  // messages only
};

// ReceiveBuffer + LossList + ACK/NAK scheduling + RTT and drift.
class MiniReceiver {
 public:
  MiniReceiver(const ReceiverConfig &config, TimePoint now);

  // The handshake's work: the peer's timestamp `peer_ts` arrived at `arrival`.
  void set_time_base(TimePoint arrival, std::uint32_t peer_ts) {
    buf_.tsbpd().set_time_base(arrival, peer_ts);
  }
  // The round trip the handshake measured, as the first RTT sample.
  void seed_rtt(Duration rtt) { rtt_.on_sample(rtt); }
  void on_datagram(TimePoint now, ByteSpan bytes);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  std::vector<Datagram> take_output();

  const std::vector<Delivered> &delivered() const { return delivered_; }
  const ReceiveBuffer &buffer() const { return buf_; }
  const RttEstimator &rtt() const { return rtt_; }
  std::uint64_t naks_sent() const { return naks_; }
  std::uint64_t losses_detected() const { return losses_; }

 private:
  void send_nak(TimePoint now, std::span<const SeqRange> ranges);
  void report_gap(TimePoint now, const SeqRange &gap);
  void deliver(TimePoint now);
  std::uint32_t ts(TimePoint now) const { return wire_timestamp(config_.start, now); }

  ReceiverConfig config_;
  ReceiveBuffer buf_;
  LossList lost_;
  AckScheduler acks_;
  NakScheduler naks_timer_;
  RttEstimator rtt_;
  std::vector<Datagram> out_;
  std::vector<Delivered> delivered_;
  std::vector<std::uint8_t> scratch_;
  std::uint64_t naks_ = 0;
  std::uint64_t losses_ = 0;
};

}  // namespace srtcore::srt::simtest
