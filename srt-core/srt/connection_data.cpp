// The live data path of Connection: data in (receive buffer, loss
// detection, light ACK), control in (ACK, NAK, ACKACK, drop request,
// keepalive, shutdown), data out (pacing, retransmission with the R flag)
// and delivery to the application at TSBPD time. Nothing here allocates per
// packet: packets are written in place into the caller's span or the
// control queue's ring.
#include <algorithm>
#include <cstring>

#include "srt/connection_impl.hpp"

namespace srtcore::srt {

namespace {

constexpr Duration kAckAckInterval = std::chrono::milliseconds(10);

}  // namespace

// ---- output helpers -----------------------------------------------------------

void Connection::Impl::queue_simple(TimePoint now, ControlType type) {
  const MutableByteSpan out = ctrl.reserve(kEmptyControlPacketSize);
  if (out.empty()) return;
  std::size_t size = 0;
  if (type == ControlType::kShutdown) {
    size = write_shutdown(ts(now), peer_socket_id, out);
  } else {
    size = write_keepalive(ts(now), peer_socket_id, out);
  }
  ctrl.commit(size);
}

void Connection::Impl::queue_nak(TimePoint now, std::span<const SeqRange> ranges) {
  const MutableByteSpan out = ctrl.reserve(std::min<std::size_t>(config.mss - 28, kMaxDatagram));
  if (out.empty()) return;
  const std::size_t size = write_nak(ranges, ts(now), peer_socket_id, out);
  ctrl.commit(size);
  if (size == 0) return;
  s->naks.on_nak_sent(s->nak_srtt(), s->nak_rttvar());
  ++n.sent_nak;
}

void Connection::Impl::queue_ack(TimePoint now, const AckToSend &a) {
  Session &x = *s;
  Ack ack;
  ack.kind = a.kind;
  ack.ack_number = a.ack_number;
  ack.last_ack_seq = a.ack_seq;
  ack.rtt_us = x.rtt.srtt_field();
  ack.rtt_var_us = x.rtt.rttvar_field();
  // The true room, even 0 (libsrt says at least 2, and the sender's
  // probes into a full buffer are then lost); a window update follows when
  // room comes back (timers).
  ack.avail_buffer = static_cast<std::uint32_t>(x.rcv().available());
  if (a.kind != AckKind::kLight) {
    // The sender may act on the smallest room it was told until it
    // confirms a larger one with its ACKACK.
    x.advertised_room = std::min<std::size_t>(x.advertised_room, ack.avail_buffer);
    x.room_sent = ack.avail_buffer;
    x.room_sent_number = a.ack_number;
  }
  if (a.kind == AckKind::kFull) {
    x.link_received_acked = x.link_received;
    const Duration span = now - x.rate_window_start;
    if (span >= std::chrono::milliseconds(100)) {
      const auto us = static_cast<std::uint64_t>(span.count());
      x.last_packet_rate = static_cast<std::uint32_t>(x.rate_packets * 1'000'000 / us);
      x.last_byte_rate = static_cast<std::uint32_t>(x.rate_bytes * 1'000'000 / us);
      x.rate_packets = 0;
      x.rate_bytes = 0;
      x.rate_window_start = now;
    }
    ack.packet_recv_rate = x.last_packet_rate;
    ack.link_capacity = x.last_packet_rate;
    ack.recv_rate_bytes = x.last_byte_rate;
  }
  const MutableByteSpan out = ctrl.reserve(kHeaderSize + kFullAckBodySize);
  if (out.empty()) return;
  const std::size_t size = write_ack(ack, ts(now), peer_socket_id, out);
  ctrl.commit(size);
  if (size > 0) ++n.sent_ack;
}

void Connection::Impl::queue_drop_request(TimePoint now, const DropRequest &d) {
  const MutableByteSpan out = ctrl.reserve(kHeaderSize + 8);
  if (out.empty()) return;
  ctrl.commit(write_drop_request(d, ts(now), peer_socket_id, out));
}

// ---- receiving data -------------------------------------------------------------

void Connection::Impl::report_gap(TimePoint now, const SeqRange &gap) {
  Session &x = *s;
  n.pkt_rcv_loss += x.rcv_lost.insert(gap.first, gap.last);
  x.naks.on_loss(now, x.nak_srtt(), x.nak_rttvar());
  const SeqRange one[] = {gap};
  queue_nak(now, one);  // at once, just the new hole
}

// With a packet filter, a gap is reported at once only with arq:always;
// with onreq the FEC receiver reports what it cannot rebuild
// (on_unrecoverable), with never nothing is reported.
void Connection::Impl::on_gap(TimePoint now, const SeqRange &gap) {
  if (s->nak_on_gap()) {
    report_gap(now, gap);
    return;
  }
  n.pkt_rcv_loss += static_cast<std::uint64_t>(seq_diff(gap.last, gap.first)) + 1;
}

void Connection::Impl::on_rebuilt(const DataHeader &h, ByteSpan payload) {
  const TimePoint now = fec_now;
  Session &x = *s;
  DataHeader hh = h;
  hh.dest_socket = socket_id;
  ByteSpan pl = payload;
  if (crypto || h.key != KeyFlags::kClear) {
    std::optional<std::size_t> opened;
    if (crypto && h.key != KeyFlags::kClear && payload.size() <= plain.size()) {
      opened = crypto->decrypt_packet(hh, payload, plain.data());
    }
    if (!opened) {
      ++n.pkt_rcv_undecrypt;
      n.byte_rcv_undecrypt += payload.size();
      return;
    }
    pl = ByteSpan(plain.data(), *opened);
  }
  const InsertResult r = x.rcv().insert(now, hh, pl);
  if (r.status == InsertStatus::kInserted) {
    ++n.filter_supply;
    if (!x.rcv_lost.empty()) x.rcv_lost.remove(h.seq);
  }
  if (r.gap) on_gap(now, *r.gap);
}

void Connection::Impl::on_unrecoverable(std::uint32_t first, std::uint32_t last) {
  const TimePoint now = fec_now;
  Session &x = *s;
  x.rcv().for_each_missing(first, last, [&](const SeqRange &r) {
    n.filter_loss += static_cast<std::uint64_t>(seq_diff(r.last, r.first)) + 1;
    if (x.arq != ArqLevel::kOnReq) return;
    x.rcv_lost.insert(r.first, r.last);
    x.naks.on_loss(now, x.nak_srtt(), x.nak_rttvar());
    const SeqRange one[] = {r};
    queue_nak(now, one);
  });
}

void Connection::Impl::on_data(TimePoint now, const DataPacketView &in) {
  Session &x = *s;
  if (x.fec_rcv && is_fec_packet(in.header)) {
    // A FEC packet: never delivered and never a sign of loss (it repeats
    // a data packet's sequence number).
    fec_now = now;
    if (x.fec_realign_tries > 0) {
      // A group member's first row FEC packets: where the peer's rows
      // really start. Realigning forgets what the filter held (a row or
      // two of the stream's start go without FEC).
      if (const auto base = x.fec_rcv->row_aligned_isn(in.header, in.payload)) {
        --x.fec_realign_tries;
        x.fec_rcv = std::make_unique<FecReceiver>(x.fec_params, *base, x.fec_max_payload);
      }
    }
    if (x.fec_rcv->on_fec(in.header, in.payload, *this)) x.fec_realign_tries = 0;
    return;
  }
  DataPacketView pkt = in;
  // Encrypted without a key we hold, or clear text on an encrypted
  // connection (libsrt would deliver it; an injected packet must not
  // reach the application): dropped and counted as undecryptable.
  // With AES-GCM a packet whose tag does not verify (altered payload or
  // header, forged) goes the same way, as libsrt >= 1.5.2 (PR #2599).
  const bool clear = pkt.header.key == KeyFlags::kClear;
  std::optional<std::size_t> opened;
  if (crypto && !clear && pkt.payload.size() <= plain.size()) {
    opened = crypto->decrypt_packet(pkt.header, pkt.payload, plain.data());
  }
  const bool ok = crypto ? opened.has_value() : clear;
  if (!ok) {
    ++n.pkt_rcv_undecrypt;
    n.byte_rcv_undecrypt += pkt.payload.size();
    return;
  }
  if (crypto) pkt.payload = ByteSpan(plain.data(), *opened);
  ++x.rate_packets;
  x.rate_bytes += pkt.payload.size();
  n.window_recv_bytes += pkt.payload.size();
  const std::uint32_t seq = pkt.header.seq;
  if (x.member) {
    // A hole on this link is a loss only where no other link filled it.
    ++x.link_received;
    x.link_received_bytes += pkt.payload.size();
    if (x.link_gaps && seq_gt(seq, x.link_next)) member_gap(now, x.link_next, seq_prev(seq));
    if (seq_ge(seq, x.link_next)) x.link_next = seq_next(seq);
    const InsertResult r = x.rcv().insert(now, pkt.header, pkt.payload);
    if (r.status == InsertStatus::kDuplicate || r.status == InsertStatus::kBelated) {
      ++x.link_redundant;
    }
    if (!x.rcv_lost.empty()) x.rcv_lost.remove(seq);
    if (x.fec_rcv) {
      // Each link's filter sees what this link brought, first copy or not
      // (libsrt's filter is per member socket too); what it rebuilds goes
      // into the group's buffer, and it reports as unrecoverable only what
      // no link brought.
      fec_now = now;
      x.fec_rcv->on_data(in.header, in.payload, *this);
    }
  } else {
    const InsertResult r = x.rcv().insert(now, pkt.header, pkt.payload);
    if (r.status == InsertStatus::kInserted && !x.rcv_lost.empty()) x.rcv_lost.remove(seq);
    if (r.gap) on_gap(now, *r.gap);
    if (r.status == InsertStatus::kInserted && x.fec_rcv) {
      // FEC works on packets as they travel (encrypted, if they are).
      fec_now = now;
      x.fec_rcv->on_data(in.header, in.payload, *this);
    }
  }
  if (!x.first_ack_sent) {
    // A full ACK at once for the first packet (libsrt waits for its 10 ms
    // timer): its ACKACK gives the first RTT sample one round trip after
    // data starts, which matters most where no handshake RTT was measured
    // (the listener side).
    x.first_ack_sent = true;
    if (auto a = x.acks.on_timer(now, x.ack_seq(), x.ack_srtt(), x.ack_rttvar())) {
      queue_ack(now, *a);
    }
    return;
  }
  if (auto a = x.acks.on_data(now, x.ack_seq())) queue_ack(now, *a);
}

void Connection::Impl::member_gap(TimePoint now, std::uint32_t first, std::uint32_t last) {
  s->rcv().for_each_missing(first, last, [&](const SeqRange &r) { on_gap(now, r); });
}

// A member's loss list keeps only what the group still lacks.
void Connection::Impl::prune_member_losses() {
  Session &x = *s;
  if (x.rcv_lost.empty()) return;
  x.rcv_lost.remove_up_to(seq_prev(x.rcv().start_seq()));
  if (x.rcv_lost.empty()) return;
  const auto front = *x.rcv_lost.front();
  const std::uint32_t back = x.rcv_lost.ranges().back().last;
  LossList still(x.rcv_lost.max_ranges());
  x.rcv().for_each_missing(front, back, [&](const SeqRange &r) {
    for (const SeqRange &l : x.rcv_lost.ranges()) {
      const std::uint32_t lo = seq_gt(l.first, r.first) ? l.first : r.first;
      const std::uint32_t hi = seq_lt(l.last, r.last) ? l.last : r.last;
      if (seq_le(lo, hi)) still.insert(lo, hi);
    }
  });
  x.rcv_lost = std::move(still);
}

std::optional<MessageInfo> next_message(ReceiveBuffer &buffer, TimePoint now, MutableByteSpan out,
                                        std::uint32_t &dropped) {
  while (auto d = buffer.poll(now, out)) {
    if (d->kind == Delivery::Kind::kDrop) {
      dropped += d->packets;
      continue;
    }
    MessageInfo m;
    m.msg_no = d->msgno;
    m.first_seq = d->first_seq;
    m.size = d->size;
    m.timestamp = d->timestamp;
    m.delivery_time = d->play_time;
    m.dropped_before = dropped;
    dropped = 0;
    return m;
  }
  return std::nullopt;
}

std::optional<MessageInfo> Connection::Impl::receive(TimePoint now, MutableByteSpan out) {
  if (!s || s->member) return std::nullopt;  // a group delivers from its buffer
  auto info = next_message(s->rcv(), now, out, s->dropped_pending);
  after_delivery();
  return info;
}

void Connection::Impl::after_delivery() {
  Session &x = *s;
  // Whatever the buffer moved past is no loss to report any more.
  if (!x.rcv_lost.empty()) x.rcv_lost.remove_up_to(seq_prev(x.rcv().start_seq()));
}

// ---- receiving control ------------------------------------------------------------

void Connection::Impl::on_control(TimePoint now, const ControlPacketView &pkt) {
  switch (pkt.header.type) {
    case ControlType::kAck:
      on_ack(now, pkt);
      break;
    case ControlType::kNak:
      on_nak(now, pkt);
      break;
    case ControlType::kAckAck:
      on_ackack(now, pkt);
      break;
    case ControlType::kDropRequest:
      on_drop_request(now, pkt);
      break;
    case ControlType::kShutdown:
      fail(ConnectionEvent::Kind::kClosed, 0,
           "the peer " + peer.to_string() + " closed the connection");
      break;
    case ControlType::kUserDefined:
      on_km(now, pkt);
      break;
    case ControlType::kKeepalive:
    case ControlType::kCongestionWarning:
    case ControlType::kPeerError:
    default:
      break;
  }
}

void Connection::Impl::on_ack(TimePoint now, const ControlPacketView &pkt) {
  Session &x = *s;
  const auto ack = parse_ack(pkt);
  if (!ack) {
    ++n.dropped_input;
    return;
  }
  ++n.recv_ack;
  if (ack->kind != AckKind::kLight) {
    // libsrt: an ACKACK at most every 10 ms, or again for a repeated ACK number.
    if (now - x.last_ackack_time > kAckAckInterval || ack->ack_number == x.last_ackack_number) {
      const MutableByteSpan out = ctrl.reserve(kEmptyControlPacketSize);
      if (!out.empty()) ctrl.commit(write_ackack(ack->ack_number, ts(now), peer_socket_id, out));
      x.last_ackack_number = ack->ack_number;
      x.last_ackack_time = now;
    }
  }
  if (!x.snd.ack(ack->last_ack_seq)) {
    ++n.dropped_input;  // acknowledges what was never sent: broken or hostile peer
    return;
  }
  if (!x.snd_lost.empty()) x.snd_lost.remove_up_to(seq_prev(x.snd.first_seq()));
  if (ack->kind != AckKind::kLight) {
    const bool bidirectional = x.rcv().stats().received > 0;
    x.rtt.on_peer_report(Duration(ack->rtt_us), Duration(ack->rtt_var_us), bidirectional);
    x.peer_rtt_measured = Duration(ack->rtt_us) != RttEstimator::kInitialRtt ||
                          Duration(ack->rtt_var_us) != RttEstimator::kInitialRttVar;
    x.peer_flow_window = ack->avail_buffer;
    if (ack->kind == AckKind::kFull && ack->has_recv_rate_bytes) {
      n.peer_recv_rate_bytes = ack->recv_rate_bytes;
      n.peer_link_capacity = ack->link_capacity;
      n.peer_packet_rate = ack->packet_recv_rate;
    }
    x.cc.on_ack();
  }
}

// Head-of-line retransmission timeout. Live SRT has none: a lost last
// packet is never NAKed, and a libsrt 1.5.1 receiver whose NAK or whose
// requested retransmission was lost often repeats neither NAK nor ACK within
// a live latency. A receiver that has the oldest unacknowledged packet
// acknowledges it within one ACK interval, so when no ACK has moved past it
// one RTT (+ jitter margin + ACK interval) after it was last sent, it goes
// again. Only the head, at most once per timeout.
std::optional<TimePoint> Connection::Impl::head_timeout() const {
  const Session &x = *s;
  // With FEC and arq onreq/never, the receiver asks for what it wants (or
  // for nothing): a timeout would resend what FEC is about to rebuild.
  if (x.fec_snd && x.arq != ArqLevel::kAlways) return std::nullopt;
  const std::uint32_t head = x.snd.first_seq();
  if (!seq_lt(head, x.snd.next_send_seq()) || x.snd_lost.contains(head)) return std::nullopt;
  const auto sent = x.snd.last_send_time(head);
  if (!sent) return std::nullopt;
  return *sent + x.rtt.srtt() + 2 * x.rtt.rttvar() + kAckAckInterval + std::chrono::milliseconds(2);
}

void Connection::Impl::on_nak(TimePoint now, const ControlPacketView &pkt) {
  Session &x = *s;
  const auto nak = parse_nak(pkt);
  if (!nak) {
    ++n.dropped_input;
    return;
  }
  ++n.recv_nak;
  const std::uint32_t first = x.snd.first_seq();
  const std::uint32_t newest = seq_prev(x.snd.next_send_seq());
  for (const SeqRange r : *nak) {
    // Sanity: a peer cannot miss what we never sent.
    if (seq_gt(r.first, newest)) continue;
    if (seq_lt(r.first, first)) {
      // Gone from the buffer: tell the receiver to stop waiting (libsrt sends DROPREQ).
      const std::uint32_t hi = seq_lt(r.last, first) ? r.last : seq_prev(first);
      queue_drop_request(now, DropRequest{0, r.first, hi});
    }
    const std::uint32_t lo = seq_lt(r.first, first) ? first : r.first;
    const std::uint32_t hi = seq_gt(r.last, newest) ? newest : r.last;
    if (seq_le(lo, hi)) n.pkt_snd_loss += x.snd_lost.insert(lo, hi);
  }
}

void Connection::Impl::on_ackack(TimePoint now, const ControlPacketView &pkt) {
  Session &x = *s;
  const auto num = parse_ackack(pkt);
  if (!num) {
    ++n.dropped_input;
    return;
  }
  if (*num == x.room_sent_number) x.advertised_room = x.room_sent;
  if (auto sample = x.acks.on_ackack(now, *num)) {
    x.rtt.on_sample(sample->rtt);
    x.naks.on_rtt_update(now, x.nak_srtt(), x.nak_rttvar());
    x.rcv().tsbpd().add_drift_sample(pkt.header.timestamp, now, sample->rtt);
  }
}

void Connection::Impl::on_drop_request(TimePoint now, const ControlPacketView &pkt) {
  Session &x = *s;
  const auto d = parse_drop_request(pkt);
  if (!d) {
    ++n.dropped_input;
    return;
  }
  if (x.member) {
    // This link's sender gave them up; another link may still bring them,
    // and the group's buffer gives up at delivery time.
    if (!x.rcv_lost.empty()) x.rcv_lost.remove_range(d->first, d->last);
    return;
  }
  const auto res = x.rcv().drop_range(now, d->first, d->last);
  if (!x.rcv_lost.empty()) x.rcv_lost.remove_range(d->first, d->last);
  if (res.gap) report_gap(now, *res.gap);
}

// A KMREQ after the handshake announces the peer's new sending key (key
// refresh); we answer with the same message (or the error word when it
// cannot be unwrapped), as libsrt. A KMRSP confirms ours.
void Connection::Impl::on_km(TimePoint now, const ControlPacketView &pkt) {
  // Other extension subtypes (HSv4 HSREQ/HSRSP...) are ignored, as libsrt.
  const auto sub = static_cast<UserSubtype>(pkt.header.subtype);
  if (sub != UserSubtype::kKmReq && sub != UserSubtype::kKmRsp) return;
  const auto km = parse_km_message(pkt);
  if (!km) {
    ++n.dropped_input;
    return;
  }
  if (km->subtype == UserSubtype::kKmRsp) {
    // The peer holds our refreshed keys (or says why not: we stop asking).
    const ByteSpan ours = crypto ? crypto->km_message() : ByteSpan{};
    if (km_error_state(km->km) ||
        std::equal(ours.begin(), ours.end(), km->km.begin(), km->km.end())) {
      km_pending = false;
    }
    return;
  }
  std::array<std::uint8_t, kKmErrorSize> err{};
  ByteSpan answer = km->km;
  if (!crypto) {
    answer = ByteSpan(err.data(), write_km_error(KmState::kNoSecret, err));
  } else if (const KmState st = crypto->load_peer_km(km->km); st != KmState::kSecured) {
    ++n.dropped_input;
    answer = ByteSpan(err.data(), write_km_error(st, err));
  } else {
    ++n.km_peer_announcements;
  }
  const MutableByteSpan out = ctrl.reserve(kHeaderSize + kKmMaxSize);
  if (out.empty()) return;
  ctrl.commit(write_km_message(UserSubtype::kKmRsp, answer, ts(now), peer_socket_id, out));
}

// libsrt repeats a refresh KMREQ every 1.5 RTT, at most 10 times.
void Connection::Impl::send_kmreq(TimePoint now) {
  constexpr int kMaxKmTries = 10;
  if (!crypto || !s || km_tries >= kMaxKmTries) {
    km_pending = false;
    return;
  }
  const MutableByteSpan out = ctrl.reserve(kHeaderSize + kKmMaxSize);
  if (!out.empty()) {
    ctrl.commit(
        write_km_message(UserSubtype::kKmReq, crypto->km_message(), ts(now), peer_socket_id, out));
  }
  ++km_tries;
  km_next = now + std::max<Duration>(s->rtt.srtt() * 3 / 2, std::chrono::milliseconds(10));
}

// ---- sending data ---------------------------------------------------------------

std::size_t Connection::Impl::write_data(TimePoint now, MutableByteSpan out) {
  if (!s) return 0;
  Session &x = *s;
  // Flow control, as libsrt: no new packet while the unacknowledged flight
  // fills the room the receiver last advertised (it would land beyond its
  // buffer and be lost without a NAK). Retransmissions are always allowed.
  const auto flight = seq_diff(x.snd.next_send_seq(), x.snd.first_seq());
  const bool room = flight < x.peer_flow_window;
  auto fec_ready = [&] { return x.fec_snd && x.fec_snd->has_ready(); };
  while (auto choice = x.pacer.pick(now, fec_ready() || x.dup_pending || !x.snd_lost.empty(),
                                    room && x.snd.has_unsent())) {
    if (*choice == SendChoice::kRetransmit && fec_ready()) {
      // A FEC packet goes in the place of the next packet, paced like one.
      const std::size_t size = x.fec_snd->pop(peer_socket_id, out);
      if (size == 0) return 0;
      x.pacer.on_sent(now, x.cc.period_ps());
      x.cc.on_packet_sent(size - kHeaderSize);
      return size;
    }
    std::optional<SendPacket> p;
    if (*choice == SendChoice::kRetransmit) {
      if (x.dup_pending) {
        p = x.snd.retransmit(*x.dup_pending, now);
        x.dup_pending.reset();
      } else {
        const std::uint32_t seq = *x.snd_lost.pop_front();
        if (!x.snd.retransmit_allowed(seq, now, x.rtt.srtt(), x.rtt.rttvar())) continue;
        p = x.snd.retransmit(seq, now);
        // Lost again after a retransmission: the packet is running out of
        // time, so this one goes twice (one more packet per repeated loss
        // turns a 10 % loss per round into about 1 %).
        // So does every retransmission while the receiver has not measured
        // the RTT (its ACKs still report libsrt's initial 100 / 50 ms): a
        // libsrt receiver repeats a NAK too late for live latency then.
        if (p && (p->sends >= 3 || !x.peer_rtt_measured)) x.dup_pending = seq;
      }
      if (!p) continue;
      ++n.pkt_retrans;
      n.byte_retrans += p->payload.size();
    } else {
      if (crypto && crypto->on_new_packet(random)) {
        km_pending = true;
        km_tries = 0;
        send_kmreq(now);
      }
      p = x.snd.next_unsent(now);
      ++n.pkt_sent_unique;
      n.byte_sent_unique += p->payload.size();
    }
    const std::size_t tag = crypto ? crypto->overhead() : 0;
    const std::size_t size = kHeaderSize + p->payload.size() + tag;
    if (out.size() < size) return 0;
    DataHeader h = p->header;
    h.dest_socket = peer_socket_id;
    std::memcpy(out.data() + kHeaderSize, p->payload.data(), p->payload.size());
    if (crypto) {
      // In place in the outgoing datagram (GCM: the tag right after the
      // payload); never clear text instead.
      h.key = crypto->encrypt_packet(h, out.subspan(kHeaderSize, p->payload.size()),
                                     out.data() + kHeaderSize + p->payload.size());
      if (h.key == KeyFlags::kClear) return 0;
    }
    (void)write_data_header(h, out);
    if (x.fec_snd && *choice == SendChoice::kNew) {
      x.fec_snd->feed(h, out.subspan(kHeaderSize, p->payload.size() + tag));
    }
    ++n.pkt_sent;
    n.byte_sent += p->payload.size();
    n.window_sent_bytes += p->payload.size();
    x.pacer.on_sent(now, x.cc.period_ps());
    x.cc.on_packet_sent(p->payload.size());
    return size;
  }
  return 0;
}

}  // namespace srtcore::srt
