// Connection: construction, the public face, events and lifecycle. The
// handshake, data path, timers and statistics live in connection_*.cpp.
#include "srt/connection.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <variant>

#include "srt/connection_impl.hpp"

namespace srtcore::srt {

namespace {

ReceiveBufferConfig receive_config(const ConnectionConfig &c, const Latencies &lat,
                                   bool tlpktdrop) {
  ReceiveBufferConfig r;
  r.capacity = c.recv_buffer_packets;
  r.max_payload = kMaxPayloadSize;
  r.latency = lat.recv;
  r.tlpktdrop = tlpktdrop;
  return r;
}

LiveCcConfig cc_config(const ConnectionConfig &c) {
  LiveCcConfig l;
  l.max_bw = c.maxbw;
  l.input_bw = c.inputbw;
  l.overhead_percent = std::clamp(c.oheadbw, 5, 100);
  l.payload_size = c.payload_size;
  return l;
}

}  // namespace

Session::Session(const ConnectionConfig &config, TimePoint start, TimePoint now,
                 std::uint32_t send_isn, std::uint32_t recv_isn, const Latencies &lat,
                 bool tlpktdrop)
    : snd(SendBufferConfig{config.send_buffer_packets, config.payload_size, start}, send_isn),
      cc(cc_config(config)),
      pacer(config.pacing_burst),
      rcv_buf(std::make_shared<ReceiveBuffer>(receive_config(config, lat, tlpktdrop), recv_isn)),
      acks(now, recv_isn),
      naks(RttEstimator::kInitialRtt, RttEstimator::kInitialRttVar),
      snd_drop_threshold(tlpktdrop ? SendBuffer::drop_threshold(lat.send, Duration(0))
                                   : std::nullopt),
      rate_window_start(now),
      advertised_room(rcv_buf->capacity()) {}

Connection::Impl::Impl(const ConnectionConfig &cfg, Role r, const NetAddress &l,
                       const NetAddress &p, Random &rnd, TimePoint now)
    : config(cfg),
      role(r),
      local(l),
      peer(p),
      random(rnd),
      start(now),
      socket_id(rnd.next_socket_id()),
      isn(cfg.isn ? *cfg.isn & kSeqMask : rnd.next_isn()) {
  config.payload_size = std::clamp<std::size_t>(config.payload_size, 1, kMaxPayloadSize);
  config.recv_buffer_packets = std::max<std::size_t>(config.recv_buffer_packets, 32);
  config.send_buffer_packets = std::max<std::size_t>(config.send_buffer_packets, 32);
  last_received = now;
  last_sent = now;
  n.rate_start = now;
}

void Connection::Impl::fail(ConnectionEvent::Kind kind, std::uint32_t code, std::string detail) {
  if (state == ConnectionState::kClosed) return;
  state = ConnectionState::kClosed;
  phase = HsPhase::kDone;
  ConnectionEvent e{kind, code, std::move(detail), negotiated};
  emit(std::move(e));
}

void Connection::Impl::start_filter() {
  if (negotiated.packet_filter.empty()) return;
  const auto checked = check_filter_string(negotiated.packet_filter, true);
  const auto *p = std::get_if<FecParams>(&checked);
  if (!p) return;  // settled in the handshake: cannot happen
  Session &x = *s;
  const std::size_t tag = crypto ? crypto->overhead() : 0;
  x.arq = p->arq;
  x.fec_snd = std::make_unique<FecSender>(*p, isn, config.payload_size + tag);
  const std::size_t max_payload =
      std::min<std::size_t>(kMaxPayloadSize, config.mss - 28 - kHeaderSize);
  x.fec_rcv = std::make_unique<FecReceiver>(*p, negotiated.recv_isn, max_payload);
  x.fec_params = *p;
  x.fec_max_payload = max_payload;
}

void Connection::Impl::become_connected(TimePoint now, std::uint32_t peer_ts,
                                        std::uint32_t recv_isn, const Latencies &lat,
                                        std::uint32_t peer_flags,
                                        std::optional<Duration> handshake_rtt) {
  const bool tlpktdrop = config.tlpktdrop && (peer_flags & kSrtFlagTlPktDrop) != 0;
  // GCM (also taken in auto mode): the tag must fit in the datagram.
  if (crypto && crypto->gcm()) {
    config.payload_size = std::min(config.payload_size, kMaxGcmPayloadSize);
  }
  negotiated.recv_isn = recv_isn;
  if (!negotiated.packet_filter.empty()) {
    // The FEC packet carries a 4-byte header before the padded payload.
    const std::size_t tag = crypto ? crypto->overhead() : 0;
    config.payload_size = std::min(config.payload_size, kMaxPayloadSize - kFecHeaderSize - tag);
  }
  s.emplace(config, start, now, isn, recv_isn, lat, tlpktdrop);
  start_filter();
  s->rcv().tsbpd().set_time_base(now, peer_ts);
  s->peer_flow_window = static_cast<std::int64_t>(config.flow_window);
  if (handshake_rtt && handshake_rtt->count() > 0) {
    // Our addition to libsrt: NAK and retransmission timing fit the path
    // from the first packet instead of assuming 100 ms.
    s->rtt.on_sample(*handshake_rtt);
    s->naks.on_nak_sent(s->nak_srtt(), s->nak_rttvar());
  }
  negotiated.recv_latency = lat.recv;
  negotiated.send_latency = lat.send;
  negotiated.peer_socket_id = peer_socket_id;
  negotiated.send_isn = isn;
  negotiated.key_length = crypto ? crypto->key_length() : 0;
  negotiated.crypto_mode = !crypto         ? CryptoMode::kAuto
                           : crypto->gcm() ? CryptoMode::kAesGcm
                                           : CryptoMode::kAesCtr;
  if (crypto) crypto->set_refresh(effective_refresh_rate(config), effective_preannounce(config));
  negotiated.recv_isn = recv_isn;
  if (handshake_rtt) negotiated.handshake_rtt = *handshake_rtt;
  state = ConnectionState::kConnected;
  phase = HsPhase::kDone;
  last_received = now;
  ConnectionEvent e{ConnectionEvent::Kind::kConnected, 0, "connected", negotiated};
  emit(std::move(e));
}

// ---- public face ------------------------------------------------------------

Connection::Connection(const ConnectionConfig &config, Role role, const NetAddress &local,
                       const NetAddress &peer, Random &random, TimePoint now)
    : impl_(std::make_unique<Impl>(config, role, local, peer, random, now)) {
  if (config.stream_id.size() > kMaxTextExtensionSize) {
    impl_->fail(ConnectionEvent::Kind::kBroken, 0,
                "the stream id is " + std::to_string(config.stream_id.size()) +
                    " bytes long; SRT allows at most 512");
    return;
  }
  if (const auto why = check_encryption_config(config)) {
    impl_->fail(ConnectionEvent::Kind::kBroken, 0, *why);
    return;
  }
  if (!config.packet_filter.empty()) {
    const auto checked = check_filter_string(config.packet_filter, false);
    std::string why;
    if (const auto *e = std::get_if<std::string>(&checked)) why = "packetfilter: " + *e;
    // Each member runs its own filter over the packets its link carries,
    // as libsrt's: with backup and balancing a link carries only part of
    // the sequence, and its rows and columns would never be complete.
    if (config.group && config.group->type != GroupType::kBroadcast) {
      why =
          "packetfilter: on group members only in broadcast mode (backup and balancing "
          "links carry part of the stream, so their FEC rows never complete)";
    }
    if (config.crypto_mode == CryptoMode::kAesGcm) {
      why = "packetfilter: not supported with AES-GCM (rebuilt packets cannot be authenticated)";
    }
    if (!why.empty()) {
      impl_->fail(ConnectionEvent::Kind::kBroken, static_cast<std::uint32_t>(RejectReason::kFilter),
                  why);
      return;
    }
  }
  if (role == Role::kRendezvous && config.group) {
    impl_->fail(ConnectionEvent::Kind::kBroken, static_cast<std::uint32_t>(RejectReason::kGroup),
                "rendezvous connections cannot join a socket group (as in libsrt): use caller "
                "and listener");
    return;
  }
  if (role == Role::kRendezvous) {
    impl_->start_rendezvous(now);
  } else {
    impl_->role = Role::kCaller;
    impl_->start_caller(now);
  }
}

Connection::Connection(const ConnectionConfig &config, const Accepted &a, Random &random,
                       TimePoint now)
    : impl_(std::make_unique<Impl>(config, Role::kAccepted, a.local, a.peer, random, now)) {
  Impl &m = *impl_;
  m.socket_id = a.local_socket_id != 0 ? a.local_socket_id : random.next_socket_id();
  m.peer_socket_id = a.peer_socket_id;
  // As libsrt: the accepted side sends from the caller's ISN too.
  m.isn = a.peer_isn;
  m.config.mss = std::min(m.config.mss, a.peer_mss);
  m.negotiated.stream_id = a.stream_id;
  m.negotiated.packet_filter = a.packet_filter;
  m.config.packet_filter = a.packet_filter;  // our HSRSP says FILTERCAP when one runs
  m.negotiated.peer_srt_version = a.peer_hsreq.srt_version;
  m.negotiated.group = a.local_group;
  m.negotiated.peer_group = a.peer_group;
  m.cookie = a.cookie;
  m.crypto = a.crypto;
  m.km_state = m.crypto ? KmState::kSecured : KmState::kUnsecured;
  const Latencies lat = negotiate_from_hsreq(m.config, a.peer_hsreq);
  m.become_connected(now, a.peer_timestamp, a.peer_isn, lat, a.peer_hsreq.flags, std::nullopt);
  if (m.s) m.s->peer_flow_window = a.peer_flow_window;
  // Time base from the conclusion itself, which arrived before `now`.
  if (m.s) m.s->rcv().tsbpd().set_time_base(a.arrival, a.peer_timestamp);
  m.hs_response_size = m.write_conclusion_response(now, m.hs_response);
}

Connection::~Connection() = default;

std::uint32_t Connection::local_socket_id() const {
  return impl_->socket_id;
}
const Negotiated &Connection::negotiated() const {
  return impl_->negotiated;
}
TimePoint Connection::start_time() const {
  return impl_->start;
}
const NetAddress &Connection::peer() const {
  return impl_->peer;
}
ConnectionState Connection::state() const {
  return impl_->state;
}
Role Connection::role() const {
  return impl_->role;
}

ByteSpan Connection::handshake_response() const {
  return ByteSpan(impl_->hs_response.data(), impl_->hs_response_size);
}

void Connection::handle_datagram(TimePoint now, ByteSpan bytes) {
  Impl &m = *impl_;
  if (m.state == ConnectionState::kClosed) return;
  if (bytes.size() < kHeaderSize) {
    ++m.n.dropped_input;
    return;
  }
  const std::uint32_t dest = get_u32(bytes.data() + 12);
  // A rendezvous responder waiting for the agreement takes any packet of
  // the session as one (libsrt does the same).
  if (!m.s && m.phase == HsPhase::kRdvFine && dest == m.socket_id &&
      !(is_control_packet(bytes) && get_u16(bytes.data()) == 0x8000)) {
    m.rendezvous_responder_connect(now);
  }
  if (!is_control_packet(bytes)) {
    if (dest != m.socket_id || !m.s) {
      ++m.n.dropped_input;
      return;
    }
    m.last_received = now;
    m.on_data(now, *parse_data_packet(bytes));
    return;
  }
  const auto pkt = *parse_control_packet(bytes);
  // Handshakes may come with destination 0 (rendezvous, listener answers).
  const bool hs = pkt.header.type == ControlType::kHandshake;
  if (dest != m.socket_id && !(hs && dest == 0)) {
    ++m.n.dropped_input;
    return;
  }
  if (hs) {
    m.handle_handshake(now, pkt);
    return;
  }
  if (!m.s) {
    ++m.n.dropped_input;
    return;
  }
  m.last_received = now;
  m.on_control(now, pkt);
}

bool Connection::send_message(TimePoint now, ByteSpan message, std::optional<TimePoint> origin) {
  Impl &m = *impl_;
  if (m.state != ConnectionState::kConnected || !m.s || message.empty() ||
      message.size() > m.config.payload_size) {
    ++m.n.send_rejected;
    return false;
  }
  // A source time before the connection started cannot be stamped.
  const TimePoint t = std::clamp(origin.value_or(now), m.start, now);
  if (m.s->snd.push(message, t) == 0) {
    ++m.n.send_rejected;
    return false;
  }
  m.s->input_rate.on_input(now, message.size());
  if (m.config.maxbw == 0 && m.config.inputbw == 0) {
    if (auto r = m.s->input_rate.rate()) m.s->cc.set_measured_input_rate(*r);
  }
  return true;
}

std::size_t Connection::send_capacity() const {
  return impl_->s ? impl_->s->snd.free() : 0;
}

std::size_t Connection::poll_transmit(TimePoint now, MutableByteSpan out) {
  Impl &m = *impl_;
  std::size_t size = m.ctrl.pop(out);
  if (size == 0 && m.state == ConnectionState::kConnected) size = m.write_data(now, out);
  if (size > 0) m.last_sent = now;
  return size;
}

std::optional<ConnectionEvent> Connection::poll_event() {
  Impl &m = *impl_;
  if (m.events.empty()) return std::nullopt;
  ConnectionEvent e = std::move(m.events.front());
  m.events.pop_front();
  return e;
}

std::optional<MessageInfo> Connection::receive_message(TimePoint now, MutableByteSpan out) {
  return impl_->receive(now, out);
}

std::optional<TimePoint> Connection::next_deadline() const {
  return impl_->deadline();
}

std::optional<TimePoint> Connection::next_timer_deadline() const {
  return impl_->deadline(false);
}

std::optional<TimePoint> Connection::next_delivery_time() const {
  const Impl &m = *impl_;
  if (!m.s || m.s->member || m.state == ConnectionState::kClosed) return std::nullopt;
  return m.s->rcv().next_delivery_time();
}

void Connection::handle_timeout(TimePoint now) {
  impl_->timers(now);
}

void Connection::close(TimePoint now) {
  Impl &m = *impl_;
  if (m.state == ConnectionState::kClosed) return;
  if (m.state == ConnectionState::kConnected) m.queue_simple(now, ControlType::kShutdown);
  m.fail(ConnectionEvent::Kind::kClosed, 0, "connection closed locally");
}

Stats Connection::stats(TimePoint now) const {
  return impl_->stats(now);
}

KmState Connection::km_state() const {
  return impl_->km_state;
}

// ---- group membership ----------------------------------------------------------

std::shared_ptr<ReceiveBuffer> Connection::join_group(const GroupJoin &join) {
  Impl &m = *impl_;
  if (!m.s) return nullptr;
  Session &x = *m.s;
  m.start = join.start;
  // Nothing was sent yet (the group joins right after the handshake): the
  // link continues in the group's sequence space and timestamp origin.
  x.snd_lost.clear();
  x.dup_pending.reset();
  x.snd.rebase(join.send_seq, join.start);
  x.member = true;
  x.link_gaps = join.link_gaps;
  if (x.fec_rcv) x.fec_realign_tries = 4;
  if (join.rcv) {
    // This link's handshake ISN means nothing in the group's sequence space.
    x.rcv_buf = join.rcv;
    x.rcv_lost.clear();
    x.link_next = join.recv_seq & kSeqMask;
    x.acks = AckScheduler(join.now, x.link_next);
  } else {
    x.link_next = x.rcv().end_seq();
  }
  x.advertised_room = x.rcv().capacity();
  return x.rcv_buf;
}

bool Connection::member() const {
  return impl_->s && impl_->s->member;
}

bool Connection::send_numbered(TimePoint now, ByteSpan message, TimePoint origin, std::uint32_t seq,
                               std::uint32_t msgno, bool carry) {
  Impl &m = *impl_;
  if (m.state != ConnectionState::kConnected || !m.s || message.empty() ||
      message.size() > m.config.payload_size || !msgno_valid(msgno) || !seq_valid(seq)) {
    ++m.n.send_rejected;
    return false;
  }
  Session &x = *m.s;
  if (seq_lt(seq, x.snd.end_seq())) return true;  // held already
  if (seq != x.snd.end_seq()) {
    x.snd.rebase(seq, m.start);
    x.snd_lost.clear();
    x.dup_pending.reset();
  }
  const TimePoint t = std::clamp(origin, m.start, now);
  if (x.snd.push_numbered(message, t, msgno, !carry) == 0) {
    ++m.n.send_rejected;
    return false;
  }
  if (!carry) return true;
  x.input_rate.on_input(now, message.size());
  if (m.config.maxbw == 0 && m.config.inputbw == 0) {
    if (auto r = x.input_rate.rate()) x.cc.set_measured_input_rate(*r);
  }
  return true;
}

void Connection::resend(std::uint32_t first, std::uint32_t last) {
  Impl &m = *impl_;
  if (!m.s) return;
  Session &x = *m.s;
  const std::uint32_t lo = seq_lt(first, x.snd.first_seq()) ? x.snd.first_seq() : first;
  const std::uint32_t sent_end = x.snd.next_send_seq();
  if (!seq_lt(lo, sent_end)) return;
  const std::uint32_t hi = seq_lt(last, sent_end) ? last : seq_prev(sent_end);
  if (seq_le(lo, hi)) x.snd_lost.insert(lo, hi);
}

void Connection::report_losses(TimePoint now, std::span<const SeqRange> ranges) {
  Impl &m = *impl_;
  if (!m.s || m.state != ConnectionState::kConnected || ranges.empty()) return;
  Session &x = *m.s;
  for (const SeqRange &r : ranges) m.n.pkt_rcv_loss += x.rcv_lost.insert(r.first, r.last);
  x.naks.on_loss(now, x.nak_srtt(), x.nak_rttvar());
  // One NAK for all of them: the control queue holds a few dozen packets.
  m.queue_nak(now, ranges);
}

std::uint32_t Connection::send_first_seq() const {
  return impl_->s ? impl_->s->snd.first_seq() : 0;
}

std::uint32_t Connection::send_end_seq() const {
  return impl_->s ? impl_->s->snd.end_seq() : 0;
}

LinkHealth Connection::health() const {
  const Impl &m = *impl_;
  LinkHealth h;
  h.last_received = m.last_received;
  h.sent_unique = m.n.pkt_sent_unique;
  h.sent_total = m.n.pkt_sent;
  h.peer_packet_rate = m.n.peer_packet_rate;
  h.peer_recv_rate_bytes = m.n.peer_recv_rate_bytes;
  h.retransmitted = m.n.pkt_retrans;
  h.nak_reported = m.n.pkt_snd_loss;
  if (!m.s) return h;
  const Session &x = *m.s;
  h.srtt = x.rtt.srtt();
  h.rttvar = x.rtt.rttvar();
  h.rtt_measured = x.rtt.measured();
  h.retransmit_backlog = static_cast<std::size_t>(x.snd_lost.size());
  h.unacknowledged = x.snd.size();
  h.oldest_unacked = x.snd.oldest_origin();
  return h;
}

}  // namespace srtcore::srt
