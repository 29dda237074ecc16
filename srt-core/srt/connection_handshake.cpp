// The handshake state machines of Connection: caller (induction, then
// conclusion with HSREQ) and HSv5 rendezvous (waveahand, conclusion,
// agreement; the cookie contest picks the initiator, who sends HSREQ), plus
// the accepted side's conclusion response. libsrt's handshake.md and
// core.cpp (processConnectResponse, processRendezvous) are the reference.
#include <algorithm>
#include <string>

#include "srt/connection_impl.hpp"

namespace srtcore::srt {

namespace {

constexpr std::size_t kHandshakeMax =
    kMaxHandshakeResponse + 4 + kMaxTextExtensionSize;  // + stream id

std::string reject_detail(const char *who, std::uint32_t code) {
  return std::string(who) + " rejected the connection: " + reject_reason_text(code) + " (code " +
         std::to_string(code) + ")";
}

KmState km_state_after(RejectReason r) {
  if (r == RejectReason::kCrypto) return KmState::kBadCryptoMode;
  return r == RejectReason::kBadSecret ? KmState::kBadSecret : KmState::kNoSecret;
}

}  // namespace

std::string Connection::Impl::refusal_detail(const char *who, std::uint32_t code) const {
  std::string d = reject_detail(who, code);
  const std::string hint = encryption_hint(code, !config.passphrase.empty(), config.crypto_mode);
  if (!hint.empty()) d += ": " + hint;
  return d;
}

bool Connection::Impl::accept_kmrsp(TimePoint now, const PeerConclusion &pc, bool rendezvous) {
  const auto refused = check_kmrsp(crypto.get(), pc.km);
  if (!refused) {
    km_state = crypto ? KmState::kSecured : KmState::kUnsecured;
    return true;
  }
  km_state = km_state_after(*refused);
  if (rendezvous) {
    reject_peer(now, *refused, peer_socket_id);
    return false;
  }
  // The listener made a connection for us: tell it we will not use it.
  queue_simple(now, ControlType::kShutdown);
  const auto code = static_cast<std::uint32_t>(*refused);
  fail(ConnectionEvent::Kind::kRejected, code,
       refusal_detail("we", code) + " (the listener's key material answer does not match)");
  return false;
}

std::optional<std::string> Connection::Impl::check_group_answer(
    const std::optional<GroupExt> &answer) const {
  if (!config.group) return std::nullopt;  // a GROUP block we did not ask for is ignored
  if (!answer) {
    return "the listener at " + peer.to_string() +
           " does not accept group members: a libsrt listener needs groupconnect=1, ours "
           "accepts them when bonding is on";
  }
  if (answer->type != config.group->type) {
    return "the listener at " + peer.to_string() + " answered for a group of another type";
  }
  return std::nullopt;
}

void Connection::Impl::start_caller(TimePoint now) {
  phase = HsPhase::kInduction;
  // The keys come with the induction answer (it may advertise a key length).
  if (!config.passphrase.empty()) km_state = KmState::kSecuring;
  connect_deadline = now + config.connect_timeout;
  send_handshake_request(now);
}

void Connection::Impl::start_rendezvous(TimePoint now) {
  phase = HsPhase::kRdvWaving;
  cookie = random.next_u32();
  connect_deadline = now + config.connect_timeout;
  if (!config.passphrase.empty()) {
    // Used if we turn out to be the initiator; a responder takes the peer's.
    km_state = KmState::kSecuring;
    crypto = StreamCrypto::create(config.passphrase, initiator_key_length(config, 0), random,
                                  initiator_uses_gcm(config));
    if (!crypto) {
      fail(ConnectionEvent::Kind::kBroken, 0, "could not make encryption keys (OpenSSL failed)");
      return;
    }
  }
  send_handshake_request(now);
}

// Writes one of our handshakes into the control queue.
void Connection::Impl::queue_handshake(TimePoint now, std::uint32_t type, bool with_hsreq,
                                       bool with_hsrsp) {
  const MutableByteSpan out = ctrl.reserve(kHandshakeMax);
  if (out.empty()) return;
  HandshakeBody b;
  b.version = kHandshakeVersion5;
  b.isn = isn;
  b.mtu = config.mss;
  b.flow_window = static_cast<std::uint32_t>(
      std::min<std::size_t>(config.flow_window, config.recv_buffer_packets));
  b.type = type;
  b.socket_id = socket_id;
  b.cookie = cookie;
  b.peer_ip = peer.handshake_ip();
  std::uint32_t dest = peer_socket_id;
  if (role == Role::kCaller) {
    dest = 0;  // a listener's requests all go to socket 0
    if (phase == HsPhase::kInduction) {
      b.version = kHandshakeVersion4;
      b.extension = kUdtDgram;
      b.cookie = 0;
    }
  }
  const bool km = crypto && (with_hsreq || with_hsrsp);
  // The encryption field says the key length (libsrt: bytes / 8).
  if (km) b.encryption = static_cast<std::uint16_t>(crypto->key_length() / 8);
  HandshakeBuilder hb(out, b, ts(now), dest);
  if (with_hsreq) hb.add_hsreq(ExtType::kHsReq, make_hsreq(config));
  if (with_hsrsp) hb.add_hsreq(ExtType::kHsRsp, make_hsrsp(config, rdv_latencies));
  if (km) hb.add_km(with_hsreq ? ExtType::kKmReq : ExtType::kKmRsp, crypto->km_message());
  // The stream id goes with the HSREQ: a caller's, or a rendezvous initiator's.
  if (with_hsreq && !config.stream_id.empty()) hb.add_stream_id(config.stream_id);
  if (with_hsreq && role == Role::kCaller && config.group) hb.add_group(*config.group);
  // The filter goes with the HSREQ (ours) and with the HSRSP (the merge).
  if (with_hsreq && !config.packet_filter.empty()) hb.add_filter(config.packet_filter);
  if (with_hsrsp && !negotiated.packet_filter.empty()) hb.add_filter(negotiated.packet_filter);
  ctrl.commit(hb.size());
}

void Connection::Impl::send_handshake_request(TimePoint now) {
  hs_last_sent = now;
  hs_next = now + kHandshakeRepeat;
  switch (phase) {
    case HsPhase::kInduction:
      queue_handshake(now, hs_type::kInduction, false, false);
      break;
    case HsPhase::kConclusion:
      queue_handshake(now, hs_type::kConclusion, true, false);
      break;
    case HsPhase::kRdvWaving:
      queue_handshake(now, hs_type::kWaveAHand, false, false);
      break;
    case HsPhase::kRdvAttention:
      queue_handshake(now, hs_type::kConclusion, initiator, false);
      break;
    case HsPhase::kRdvFine:
      queue_handshake(now, hs_type::kConclusion, false, true);
      break;
    case HsPhase::kDone:
      break;
  }
}

void Connection::Impl::handshake_timer(TimePoint now) {
  if (phase == HsPhase::kDone || state != ConnectionState::kConnecting) return;
  if (now >= connect_deadline) {
    fail(ConnectionEvent::Kind::kBroken, static_cast<std::uint32_t>(RejectReason::kTimeout),
         "no handshake answer from " + peer.to_string() + " within the connect timeout (" +
             std::to_string(config.connect_timeout.count() / 1000) +
             " ms): check the host, the port, and that the peer is running in the matching "
             "mode (listener for a caller, rendezvous for rendezvous)");
    return;
  }
  if (now >= hs_next) send_handshake_request(now);
}

void Connection::Impl::reject_peer(TimePoint now, RejectReason reason, std::uint32_t dest) {
  const MutableByteSpan out = ctrl.reserve(kHeaderSize + kHandshakeBodySize);
  if (!out.empty()) {
    HandshakeBody b;
    b.isn = isn;
    b.mtu = config.mss;
    b.type = rejection_handshake_type(reason);
    b.socket_id = socket_id;
    b.cookie = cookie;
    b.peer_ip = peer.handshake_ip();
    ctrl.commit(write_handshake(b, ts(now), dest, out));
  }
  const auto code = static_cast<std::uint32_t>(reason);
  if (reason == RejectReason::kBadSecret || reason == RejectReason::kUnsecure ||
      reason == RejectReason::kCrypto) {
    km_state = km_state_after(reason);
  }
  fail(ConnectionEvent::Kind::kRejected, code, refusal_detail("we", code));
}

void Connection::Impl::handle_handshake(TimePoint now, const ControlPacketView &pkt) {
  const auto hs = parse_handshake(pkt);
  if (!hs) {
    ++n.dropped_input;
    return;
  }
  if (role == Role::kCaller) {
    caller_on_handshake(now, pkt, *hs);
  } else if (role == Role::kRendezvous) {
    rendezvous_on_handshake(now, pkt, *hs);
  }
  // Accepted side: repeated conclusions reach the Listener (destination 0),
  // which answers them; anything else here is stale.
}

void Connection::Impl::caller_on_handshake(TimePoint now, const ControlPacketView &pkt,
                                           const HandshakeView &hs) {
  if (state != ConnectionState::kConnecting) return;  // repeated answers after connecting
  if (const auto code = rejection_reason_code(hs.body.type)) {
    std::string detail = refusal_detail("the listener", *code);
    if (*code == static_cast<std::uint32_t>(RejectReason::kBadSecret) ||
        *code == static_cast<std::uint32_t>(RejectReason::kUnsecure) ||
        *code == static_cast<std::uint32_t>(RejectReason::kCrypto)) {
      km_state = km_state_after(static_cast<RejectReason>(*code));
    }
    if (config.group && *code == static_cast<std::uint32_t>(RejectReason::kGroup)) {
      detail +=
          ": it does not take members of this group (a libsrt listener needs "
          "groupconnect=1, and libsrt 1.5 knows only broadcast and backup groups)";
    }
    fail(ConnectionEvent::Kind::kRejected, *code, detail);
    return;
  }
  if (phase == HsPhase::kInduction) {
    if (hs.body.type != hs_type::kInduction) return;
    if (hs.body.version < kHandshakeVersion5 || hs.body.extension != kHandshakeMagic) {
      fail(ConnectionEvent::Kind::kRejected, static_cast<std::uint32_t>(RejectReason::kVersion),
           "the listener at " + peer.to_string() +
               " speaks only the HSv4 handshake (libsrt older than 1.3): not supported");
      return;
    }
    cookie = hs.body.cookie;
    if (!config.passphrase.empty()) {
      crypto =
          StreamCrypto::create(config.passphrase, initiator_key_length(config, hs.body.encryption),
                               random, initiator_uses_gcm(config));
      if (!crypto) {
        fail(ConnectionEvent::Kind::kBroken, 0, "could not make encryption keys (OpenSSL failed)");
        return;
      }
    }
    phase = HsPhase::kConclusion;
    send_handshake_request(now);
    return;
  }
  if (phase != HsPhase::kConclusion || hs.body.type != hs_type::kConclusion) return;
  if (hs.body.version < kHandshakeVersion5) {
    ++n.dropped_input;
    return;
  }
  PeerConclusion pc;
  if (const auto reason = read_conclusion(hs.extensions, hs.body.extension, ExtType::kHsRsp, pc)) {
    // The listener made a connection for us: tell it we will not use it.
    peer_socket_id = hs.body.socket_id;
    queue_simple(now, ControlType::kShutdown);
    const auto code = static_cast<std::uint32_t>(*reason);
    fail(ConnectionEvent::Kind::kRejected, code,
         std::string("the listener's answer is unacceptable: ") + reject_reason_text(code));
    return;
  }
  peer_socket_id = hs.body.socket_id;
  if (!accept_kmrsp(now, pc, false)) return;
  if (const auto why = check_group_answer(pc.group)) {
    queue_simple(now, ControlType::kShutdown);
    fail(ConnectionEvent::Kind::kRejected, static_cast<std::uint32_t>(RejectReason::kGroup), *why);
    return;
  }
  const auto filter = settle_filter(config.packet_filter, pc.filter, false);
  if (!filter) {
    queue_simple(now, ControlType::kShutdown);
    fail(ConnectionEvent::Kind::kRejected, static_cast<std::uint32_t>(RejectReason::kFilter),
         "the listener's packet filter '" + pc.filter.value_or("") +
             "' does not match ours: " + config.packet_filter);
    return;
  }
  negotiated.packet_filter = *filter;
  config.mss = std::min(config.mss, std::max<std::uint32_t>(hs.body.mtu, 76));
  negotiated.peer_srt_version = pc.hs->srt_version;
  negotiated.stream_id = config.stream_id;
  negotiated.group = config.group;
  negotiated.peer_group = pc.group;
  const Latencies lat = latencies_from_hsrsp(config, *pc.hs);
  become_connected(now, pkt.header.timestamp, hs.body.isn, lat, pc.hs->flags, now - hs_last_sent);
  if (s) s->peer_flow_window = hs.body.flow_window;
}

void Connection::Impl::rendezvous_on_handshake(TimePoint now, const ControlPacketView &pkt,
                                               const HandshakeView &hs) {
  if (const auto code = rejection_reason_code(hs.body.type)) {
    if (state == ConnectionState::kConnecting) {
      fail(ConnectionEvent::Kind::kRejected, *code, reject_detail("the peer", *code));
    }
    return;
  }
  if (hs.body.version < kHandshakeVersion5) {
    if (state == ConnectionState::kConnecting) {
      reject_peer(now, RejectReason::kVersion, hs.body.socket_id);
    }
    return;
  }
  const std::uint32_t type = hs.body.type;
  if (state == ConnectionState::kConnected) {
    // The peer missed our agreement (initiator) or our HSRSP (responder).
    if (type != hs_type::kConclusion) return;
    if (initiator) {
      queue_handshake(now, hs_type::kAgreement, false, false);
    } else {
      queue_handshake(now, hs_type::kConclusion, false, true);
    }
    return;
  }
  if (state != ConnectionState::kConnecting) return;
  if (type != hs_type::kWaveAHand && type != hs_type::kConclusion && type != hs_type::kAgreement) {
    return;
  }

  if (phase == HsPhase::kRdvWaving) {
    // Cookie contest: the larger cookie (32-bit difference) initiates.
    const auto contest = static_cast<std::int32_t>(cookie - hs.body.cookie);
    if (contest == 0) {
      cookie = random.next_u32();  // a draw (talking to ourselves?): try again
      return;
    }
    initiator = contest > 0;
    peer_cookie = hs.body.cookie;
    peer_socket_id = hs.body.socket_id;
    phase = HsPhase::kRdvAttention;
    if (type == hs_type::kWaveAHand) {
      send_handshake_request(now);
      return;
    }
  }
  if (hs.body.socket_id != peer_socket_id) return;  // not the peer we are talking to

  if (initiator) {
    if (type != hs_type::kConclusion) return;
    PeerConclusion pc;
    if (!(hs.body.extension & kExtFlagHsReq)) {
      send_handshake_request(now);  // the responder has not seen our HSREQ yet
      return;
    }
    auto reason = read_conclusion(hs.extensions, hs.body.extension, ExtType::kHsRsp, pc);
    if (!reason && pc.group) reason = RejectReason::kGroup;  // libsrt: no groups in rendezvous
    const auto filter = settle_filter(config.packet_filter, pc.filter, false);
    if (!reason && !filter) reason = RejectReason::kFilter;
    if (reason) {
      reject_peer(now, *reason, peer_socket_id);
      return;
    }
    if (!accept_kmrsp(now, pc, true)) return;
    negotiated.packet_filter = *filter;
    config.mss = std::min(config.mss, std::max<std::uint32_t>(hs.body.mtu, 76));
    negotiated.peer_srt_version = pc.hs->srt_version;
    negotiated.stream_id = config.stream_id;
    const Latencies lat = latencies_from_hsrsp(config, *pc.hs);
    queue_handshake(now, hs_type::kAgreement, false, false);
    become_connected(now, pkt.header.timestamp, hs.body.isn, lat, pc.hs->flags, now - hs_last_sent);
    if (s) s->peer_flow_window = hs.body.flow_window;
    return;
  }

  // Responder.
  if (type == hs_type::kAgreement) {
    if (phase == HsPhase::kRdvFine) rendezvous_responder_connect(now);
    return;
  }
  if (type != hs_type::kConclusion) return;
  if (!(hs.body.extension & kExtFlagHsReq)) {
    if (phase == HsPhase::kRdvAttention) send_handshake_request(now);
    return;
  }
  PeerConclusion pc;
  auto reason = read_conclusion(hs.extensions, hs.body.extension, ExtType::kHsReq, pc);
  if (!reason && pc.group) reason = RejectReason::kGroup;  // libsrt: no groups in rendezvous
  const auto filter = settle_filter(config.packet_filter, pc.filter, true);
  if (!reason && !filter) reason = RejectReason::kFilter;
  if (reason) {
    reject_peer(now, *reason, peer_socket_id);
    return;
  }
  negotiated.packet_filter = *filter;
  KmDecision km = respond_to_kmreq(config, pc.km);
  if (km.reject) {
    reject_peer(now, *km.reject, peer_socket_id);
    return;
  }
  crypto = std::move(km.crypto);
  km_state = crypto ? KmState::kSecured : KmState::kUnsecured;
  config.mss = std::min(config.mss, std::max<std::uint32_t>(hs.body.mtu, 76));
  negotiated.peer_srt_version = pc.hs->srt_version;
  negotiated.stream_id = pc.stream_id;
  rdv_latencies = negotiate_from_hsreq(config, *pc.hs);
  rdv_peer_isn = hs.body.isn;
  rdv_peer_flags = pc.hs->flags;
  rdv_peer_ts = pkt.header.timestamp;
  rdv_arrival = now;
  if (phase != HsPhase::kRdvFine) hs_last_sent = now;
  phase = HsPhase::kRdvFine;
  // Answer every HSREQ conclusion, and repeat until the agreement comes.
  queue_handshake(now, hs_type::kConclusion, false, true);
  hs_next = now + kHandshakeRepeat;
}

// The responder's connection is confirmed (agreement, or the initiator's
// first data or control packet).
void Connection::Impl::rendezvous_responder_connect(TimePoint now) {
  become_connected(now, rdv_peer_ts, rdv_peer_isn, rdv_latencies, rdv_peer_flags,
                   now - hs_last_sent);
  // The time base comes from the HSREQ conclusion, as on a listener.
  if (s) s->rcv().tsbpd().set_time_base(rdv_arrival, rdv_peer_ts);
}

std::size_t Connection::Impl::write_conclusion_response(TimePoint now, MutableByteSpan out) {
  HandshakeBody b;
  b.version = kHandshakeVersion5;
  b.isn = isn;
  b.mtu = config.mss;
  b.flow_window = static_cast<std::uint32_t>(
      std::min<std::size_t>(config.flow_window, config.recv_buffer_packets));
  b.type = hs_type::kConclusion;
  b.socket_id = socket_id;
  b.cookie = cookie;
  b.peer_ip = peer.handshake_ip();
  if (crypto) b.encryption = static_cast<std::uint16_t>(crypto->key_length() / 8);
  HandshakeBuilder hb(out, b, ts(now), peer_socket_id);
  hb.add_hsreq(ExtType::kHsRsp,
               make_hsrsp(config, Latencies{negotiated.recv_latency, negotiated.send_latency}));
  if (crypto) hb.add_km(ExtType::kKmRsp, crypto->km_message());
  if (negotiated.group) hb.add_group(*negotiated.group);
  if (!negotiated.packet_filter.empty()) hb.add_filter(negotiated.packet_filter);
  return hb.size();
}

}  // namespace srtcore::srt
