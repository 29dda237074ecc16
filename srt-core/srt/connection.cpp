// Connection: construction, the public face, events and lifecycle. The
// handshake, data path, timers and statistics live in connection_*.cpp.
#include "srt/connection.hpp"

#include <algorithm>
#include <string>
#include <utility>

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
      rcv(receive_config(config, lat, tlpktdrop), recv_isn),
      acks(now, recv_isn),
      naks(RttEstimator::kInitialRtt, RttEstimator::kInitialRttVar),
      snd_drop_threshold(tlpktdrop ? SendBuffer::drop_threshold(lat.send, Duration(0))
                                   : std::nullopt),
      rate_window_start(now),
      advertised_room(rcv.capacity()) {}

Connection::Impl::Impl(const ConnectionConfig &cfg, Role r, const NetAddress &l,
                       const NetAddress &p, Random &rnd, TimePoint now)
    : config(cfg),
      role(r),
      local(l),
      peer(p),
      random(rnd),
      start(now),
      socket_id(rnd.next_socket_id()),
      isn(rnd.next_isn()) {
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

void Connection::Impl::become_connected(TimePoint now, std::uint32_t peer_ts,
                                        std::uint32_t recv_isn, const Latencies &lat,
                                        std::uint32_t peer_flags,
                                        std::optional<Duration> handshake_rtt) {
  const bool tlpktdrop = config.tlpktdrop && (peer_flags & kSrtFlagTlPktDrop) != 0;
  s.emplace(config, start, now, isn, recv_isn, lat, tlpktdrop);
  s->rcv.tsbpd().set_time_base(now, peer_ts);
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
  m.negotiated.peer_srt_version = a.peer_hsreq.srt_version;
  m.cookie = a.cookie;
  const Latencies lat = negotiate_from_hsreq(m.config, a.peer_hsreq);
  m.become_connected(now, a.peer_timestamp, a.peer_isn, lat, a.peer_hsreq.flags, std::nullopt);
  if (m.s) m.s->peer_flow_window = a.peer_flow_window;
  // Time base from the conclusion itself, which arrived before `now`.
  if (m.s) m.s->rcv.tsbpd().set_time_base(a.arrival, a.peer_timestamp);
  m.hs_response_size = m.write_conclusion_response(now, m.hs_response);
}

Connection::~Connection() = default;

std::uint32_t Connection::local_socket_id() const {
  return impl_->socket_id;
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
  if (!m.s || m.state == ConnectionState::kClosed) return std::nullopt;
  return m.s->rcv.next_delivery_time();
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

}  // namespace srtcore::srt
