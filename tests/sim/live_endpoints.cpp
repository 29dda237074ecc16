#include "live_endpoints.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "srt/control.hpp"
#include "srt/packet.hpp"

namespace srtcore::srt::simtest {

namespace {

constexpr std::size_t kMtu = 1500 - 28;

ReceiveBufferConfig buffer_config(const ReceiverConfig &c) {
  ReceiveBufferConfig b;
  b.capacity = c.capacity;
  b.latency = c.latency;
  return b;
}

std::optional<TimePoint> earlier(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

// ---- sender -------------------------------------------------------------

MiniSender::MiniSender(const SenderConfig &config)
    : config_(config),
      buf_(SendBufferConfig{config.capacity, config.cc.payload_size, config.start}, config.isn),
      cc_(config.cc),
      drop_threshold_(*SendBuffer::drop_threshold(config.peer_latency, Duration(0))) {}

bool MiniSender::submit(TimePoint origin, ByteSpan message) {
  return buf_.push(message, origin) > 0;
}

std::vector<Datagram> MiniSender::take_output() {
  return std::exchange(out_, {});
}

void MiniSender::send_data(TimePoint now, const SendPacket &p) {
  Datagram d(kHeaderSize + p.payload.size());
  DataHeader h = p.header;
  (void)write_data_header(h, d);
  std::memcpy(d.data() + kHeaderSize, p.payload.data(), p.payload.size());
  out_.push_back(std::move(d));
  pacer_.on_sent(now, cc_.period_ps());
  cc_.on_packet_sent(p.payload.size());
}

void MiniSender::send_drop_request(TimePoint now, const DropRequest &d) {
  Datagram dg(kHeaderSize + 8);
  if (write_drop_request(d, ts(now), 0, dg) > 0) out_.push_back(std::move(dg));
  ++drop_requests_;
}

void MiniSender::on_datagram(TimePoint now, ByteSpan bytes) {
  auto pkt = parse_control_packet(bytes);
  if (!pkt) return;
  if (pkt->header.type == ControlType::kAck) {
    auto ack = parse_ack(*pkt);
    if (!ack) return;
    if (ack->kind != AckKind::kLight) {
      // libsrt: an ACKACK at most every 10 ms, or again for a repeated ACK number.
      if (now - last_ackack_time_ > std::chrono::milliseconds(10) ||
          ack->ack_number == last_ackack_number_) {
        Datagram dg(kEmptyControlPacketSize);
        if (write_ackack(ack->ack_number, ts(now), 0, dg) > 0) out_.push_back(std::move(dg));
        last_ackack_number_ = ack->ack_number;
        last_ackack_time_ = now;
      }
    }
    if (!buf_.ack(ack->last_ack_seq)) return;  // acknowledges what was never sent
    lost_.remove_up_to(seq_prev(buf_.first_seq()));
    if (ack->kind != AckKind::kLight) {
      rtt_.on_peer_report(Duration(ack->rtt_us), Duration(ack->rtt_var_us), false);
      cc_.on_ack();
    }
  } else if (pkt->header.type == ControlType::kNak) {
    auto nak = parse_nak(*pkt);
    if (!nak) return;
    const std::uint32_t first = buf_.first_seq();
    const std::uint32_t last_sent = seq_prev(buf_.next_send_seq());
    for (const SeqRange r : *nak) {
      if (seq_lt(r.first, first)) {
        // Gone from the buffer: tell the receiver to stop waiting (libsrt sends DROPREQ).
        const std::uint32_t hi = seq_lt(r.last, first) ? r.last : seq_prev(first);
        send_drop_request(now, DropRequest{0, r.first, hi});
      }
      const std::uint32_t lo = seq_lt(r.first, first) ? first : r.first;
      const std::uint32_t hi = seq_gt(r.last, last_sent) ? last_sent : r.last;
      if (seq_le(lo, hi)) lost_.insert(lo, hi);
    }
  }
}

void MiniSender::on_timer(TimePoint now) {
  if (auto d = buf_.drop_too_late(now, drop_threshold_)) {
    aged_out_.push_back(*d);
    lost_.remove_up_to(seq_prev(buf_.first_seq()));
    send_drop_request(now, *d);
  }
  while (auto choice = pacer_.pick(now, !lost_.empty(), buf_.has_unsent())) {
    if (*choice == SendChoice::kRetransmit) {
      const std::uint32_t seq = *lost_.pop_front();
      if (!buf_.retransmit_allowed(seq, now, rtt_.srtt(), rtt_.rttvar())) continue;
      send_data(now, *buf_.retransmit(seq, now));
      ++retransmissions_;
    } else {
      send_data(now, *buf_.next_unsent(now));
    }
  }
}

std::optional<TimePoint> MiniSender::next_deadline() const {
  std::optional<TimePoint> t;
  if (!lost_.empty() || buf_.has_unsent()) t = pacer_.next_send_time();
  if (auto o = buf_.oldest_origin()) t = earlier(t, *o + drop_threshold_ + Duration(1));
  return t;
}

// ---- receiver -----------------------------------------------------------

MiniReceiver::MiniReceiver(const ReceiverConfig &config, TimePoint now)
    : config_(config),
      buf_(buffer_config(config), config.isn),
      acks_(now, config.isn),
      naks_timer_(RttEstimator::kInitialRtt, RttEstimator::kInitialRttVar),
      scratch_(kMaxPayloadSize) {}

std::vector<Datagram> MiniReceiver::take_output() {
  return std::exchange(out_, {});
}

void MiniReceiver::send_nak(TimePoint now, std::span<const SeqRange> ranges) {
  Datagram dg(kMtu);
  const std::size_t n = write_nak(ranges, ts(now), 0, dg);
  if (n == 0) return;
  dg.resize(n);
  out_.push_back(std::move(dg));
  naks_timer_.on_nak_sent(rtt_.srtt(), rtt_.rttvar());
  ++naks_;
}

void MiniReceiver::report_gap(TimePoint now, const SeqRange &gap) {
  losses_ += lost_.insert(gap.first, gap.last);
  naks_timer_.on_loss(now, rtt_.srtt(), rtt_.rttvar());
  const SeqRange one[] = {gap};
  send_nak(now, one);  // immediate NAK of just the new hole
}

void MiniReceiver::on_datagram(TimePoint now, ByteSpan bytes) {
  if (!is_control_packet(bytes)) {
    auto data = parse_data_packet(bytes);
    if (!data) return;
    const auto r = buf_.insert(now, data->header, data->payload);
    if (r.status == InsertStatus::kInserted) lost_.remove(data->header.seq);
    if (r.gap) report_gap(now, *r.gap);
    if (auto a = acks_.on_data(now, buf_.ack_seq())) {
      Ack ack;
      ack.kind = AckKind::kLight;
      ack.last_ack_seq = a->ack_seq;
      Datagram dg(kHeaderSize + kLightAckBodySize);
      if (write_ack(ack, ts(now), 0, dg) > 0) out_.push_back(std::move(dg));
    }
  } else {
    auto pkt = parse_control_packet(bytes);
    if (!pkt) return;
    if (pkt->header.type == ControlType::kAckAck) {
      auto num = parse_ackack(*pkt);
      if (!num) return;
      if (auto s = acks_.on_ackack(now, *num)) {
        rtt_.on_sample(s->rtt);
        buf_.tsbpd().add_drift_sample(pkt->header.timestamp, now, s->rtt);
      }
    } else if (pkt->header.type == ControlType::kDropRequest) {
      auto d = parse_drop_request(*pkt);
      if (!d) return;
      const auto res = buf_.drop_range(now, d->first, d->last);
      lost_.remove_range(d->first, d->last);
      if (res.gap) report_gap(now, *res.gap);
    }
  }
  deliver(now);
}

void MiniReceiver::deliver(TimePoint now) {
  while (auto d = buf_.poll(now, scratch_)) {
    Delivered item{*d, now, {}};
    if (d->kind == Delivery::Kind::kMessage) {
      item.payload.assign(scratch_.begin(),
                          scratch_.begin() + static_cast<std::ptrdiff_t>(d->size));
    }
    delivered_.push_back(std::move(item));
  }
  // Whatever the buffer moved past is no loss to report any more.
  lost_.remove_up_to(seq_prev(buf_.start_seq()));
}

void MiniReceiver::on_timer(TimePoint now) {
  if (now >= acks_.next_deadline()) {
    if (auto a = acks_.on_timer(now, buf_.ack_seq(), rtt_.srtt(), rtt_.rttvar())) {
      Ack ack;
      ack.kind = a->kind;
      ack.ack_number = a->ack_number;
      ack.last_ack_seq = a->ack_seq;
      ack.rtt_us = rtt_.srtt_field();
      ack.rtt_var_us = rtt_.rttvar_field();
      ack.avail_buffer = static_cast<std::uint32_t>(std::max<std::size_t>(buf_.available(), 2));
      Datagram dg(kHeaderSize + kFullAckBodySize);
      const std::size_t n = write_ack(ack, ts(now), 0, dg);
      dg.resize(n);
      if (n > 0) out_.push_back(std::move(dg));
    }
  }
  deliver(now);
  if (naks_timer_.on_timer(now, !lost_.empty())) send_nak(now, lost_.ranges());
}

std::optional<TimePoint> MiniReceiver::next_deadline() const {
  std::optional<TimePoint> t = acks_.next_deadline();
  t = earlier(t, naks_timer_.next_deadline(!lost_.empty()));
  t = earlier(t, buf_.next_delivery_time());
  return t;
}

}  // namespace srtcore::srt::simtest
