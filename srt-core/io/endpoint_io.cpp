// The reactor side of Endpoint: demultiplexing datagrams to the listener and
// the connections, running their timers, gathering what they transmit into
// one batch per turn, and telling application threads what changed.
#include <algorithm>
#include <cstring>

#include "io/clock.hpp"
#include "io/endpoint_impl.hpp"
#include "srt/packet.hpp"
#include "srt/bytes.hpp"
#include "srt/hs_encryption.hpp"
#include "srt/reject.hpp"

namespace srtcore::io {
namespace {

// Bounds one on_readable call so that a flood on one socket cannot starve
// the others; epoll reports the rest on the next turn.
constexpr int kMaxReceiveRounds = 8;

// Timed work closer than this waits for it, so that paced packets leave in
// groups (one wake-up, one GSO send) instead of one wake-up each; small
// against every SRT timer (ACK 10 ms, NAK >= 20 ms).
constexpr srt::Duration kTimerGranularity = std::chrono::microseconds(100);

// One receive batch per reactor thread, shared by its endpoints: datagrams
// are dispatched before the next socket is read.
RecvBatch &reactor_batch() {
  thread_local std::unique_ptr<RecvBatch> batch;
  if (!batch) batch = std::make_unique<RecvBatch>();
  return *batch;
}

}  // namespace

Endpoint::Impl::Peer *Endpoint::Impl::find_peer(std::uint32_t socket_id) {
  const auto it = peer_index.find(socket_id);
  return it == peer_index.end() ? nullptr : &peers[it->second];
}

void Endpoint::Impl::add_peer(Peer peer) {
  peer_index[peer.info.socket_id] = peers.size();
  peers.push_back(std::move(peer));
}

void Endpoint::Impl::drop_ended_peers() {
  const std::size_t before = peers.size();
  std::erase_if(peers, [](const Peer &p) {
    if (!p.ended || p.sock->blocked) return false;
    if (p.sock->listener) p.sock->listener->forget(p.info.socket_id);
    return true;
  });
  if (peers.size() == before) return;
  peer_index.clear();
  for (std::size_t i = 0; i < peers.size(); ++i) peer_index[peers[i].info.socket_id] = i;
}

void Endpoint::Impl::read(Socket &s, srt::TimePoint now) {
  RecvBatch &in = reactor_batch();
  for (int round = 0; round < kMaxReceiveRounds; ++round) {
    const std::size_t read = s.udp.receive(in);
    if (in.size() > 0) {
      if (round > 0) now = monotonic_now();
      std::lock_guard lock(mutex);
      for (std::size_t i = 0; i < in.size(); ++i) dispatch(now, s, in, i);
    }
    if (read < RecvBatch::kSlots) break;
  }
}

void Endpoint::Impl::dispatch(srt::TimePoint now, Socket &s, const RecvBatch &in,
                              std::size_t index) {
  const srt::ByteSpan bytes = in.datagram(index);
  const auto from = in.from(index);
  const std::optional<std::uint32_t> dest_socket = srt::peek_dest_socket(bytes);
  if (!dest_socket || !from) {
    ++counters.too_short;
    return;
  }
  const std::uint32_t dest = *dest_socket;
  if (dest == 0) {
    // A connection request (listener), or a handshake of a caller or
    // rendezvous peer that does not know our socket id yet: the socket
    // tells whose it is.
    if (s.listener) {
      accept_from_listener(now, s, *from, bytes);
      return;
    }
    if (GroupPeer *g = s.link ? caller_group() : nullptr) {
      const auto slot = g->links.find(*s.link);
      if (slot != g->links.end() && slot->second.peer == *from) {
        g->group->handle_datagram(now, *s.link, bytes);
        return;
      }
    }
    for (Peer &p : peers) {
      if (p.sock == &s && p.info.address == *from) {
        p.conn->handle_datagram(now, bytes);
        return;
      }
    }
    ++counters.unknown_socket;
    return;
  }
  if (Peer *p = find_peer(dest)) {
    if (!(p->info.address == *from)) {
      ++counters.wrong_peer;
      return;
    }
    p->conn->handle_datagram(now, bytes);
    return;
  }
  // A group member: a reconnected link has a new socket id, so stale ids
  // end up unknown.
  for (auto &g : groups) {
    const auto link = g->group->link_for_socket(dest);
    if (!link) continue;
    const auto slot = g->links.find(*link);
    if (slot != g->links.end() && !(slot->second.peer == *from)) {
      ++counters.wrong_peer;
      return;
    }
    g->group->handle_datagram(now, *link, bytes);
    return;
  }
  ++counters.unknown_socket;
}

void Endpoint::Impl::accept_from_listener(srt::TimePoint now, Socket &s,
                                          const srt::NetAddress &from, srt::ByteSpan bytes) {
  // The acceptor may drop a closed group while deciding: report ours first.
  retire_closed_groups(now);
  if (s.out.full()) flush(s);
  if (s.out.full()) return;  // socket blocked: the caller repeats its request
  auto result = s.listener->handle_datagram(now, from, bytes, s.out.next_slot());
  if (result.reply_size > 0) s.out.commit(result.reply_size, s.udp.destination(from));
  if (result.km_refused) {
    const auto code = static_cast<std::uint32_t>(*result.km_refused);
    notices.push_back({Notice::Kind::kRejected,
                       PeerInfo{0, from, {}},
                       {},
                       code,
                       srt::encryption_hint(code, !config.connection.passphrase.empty())});
  }
  if (!result.accepted) return;
  if (acceptor && result.accepted->negotiated().peer_group) {
    adopt_member(now, s, from, std::move(result.accepted));
    return;
  }
  Peer peer;
  peer.info.socket_id = result.accepted->local_socket_id();
  peer.info.address = from;
  peer.sock = &s;
  peer.destination = s.udp.destination(from);
  peer.conn = std::move(result.accepted);
  add_peer(std::move(peer));
}

void Endpoint::Impl::transmit(srt::TimePoint now, Peer &peer) {
  Socket &s = *peer.sock;
  for (;;) {
    if (s.out.full()) {
      flush(s);
      if (s.blocked) return;
    }
    const std::size_t n = peer.conn->poll_transmit(now, s.out.next_slot());
    if (n == 0) return;
    s.out.commit(n, peer.destination);
  }
}

void Endpoint::Impl::take_events(srt::TimePoint now, Peer &peer) {
  const bool is_listener = config.mode == Mode::kListener;
  while (auto e = peer.conn->poll_event()) {
    switch (e->kind) {
      case srt::ConnectionEvent::Kind::kConnected:
        peer.connected = true;
        peer.negotiated = e->negotiated;
        // Before any live data: send() takes the same lock after this.
        for (const auto &h : stream_headers) peer.conn->send_message(now, h, std::nullopt);
        peer.info.stream_id = is_listener ? e->negotiated.stream_id : config.connection.stream_id;
        notices.push_back({Notice::Kind::kConnected, peer.info, e->negotiated, 0, {}});
        break;
      case srt::ConnectionEvent::Kind::kRejected:
        peer.ended = true;
        if (!is_listener && !error)
          error = EndpointError{EndpointError::Kind::kRejected, e->reject_code, e->detail};
        notices.push_back({Notice::Kind::kRejected, peer.info, {}, e->reject_code, e->detail});
        break;
      case srt::ConnectionEvent::Kind::kBroken:
      case srt::ConnectionEvent::Kind::kClosed: {
        const bool was_connected = peer.connected;
        peer.ended = true;
        peer.connected = false;
        if (closing) break;  // our own close: nobody to tell
        std::string detail = e->detail;
        if (e->kind == srt::ConnectionEvent::Kind::kClosed && detail.empty())
          detail = "the peer closed the connection";
        if (!is_listener && !error) {
          const auto kind =
              was_connected ? EndpointError::Kind::kBroken : EndpointError::Kind::kTimeout;
          error = EndpointError{kind, 0, detail};
        }
        if (was_connected)
          notices.push_back({Notice::Kind::kDisconnected, peer.info, {}, 0, detail});
        else if (!is_listener)
          notices.push_back({Notice::Kind::kRejected, peer.info, {}, e->reject_code, detail});
        break;
      }
    }
    changed.notify_all();
  }
}

bool Endpoint::Impl::any_blocked() const {
  return std::any_of(sockets.begin(), sockets.end(), [](const auto &s) { return s->blocked; });
}

void Endpoint::Impl::update_counters() {
  UdpSocketStats st = retired_stats;
  srt::ListenerStats ls;
  for (const auto &s : sockets) {
    st += s->udp.stats();
    if (s->listener) {
      const srt::ListenerStats &l = s->listener->stats();
      ls.inductions += l.inductions;
      ls.accepted += l.accepted;
      ls.rejected += l.rejected;
      ls.repeated += l.repeated;
      ls.full += l.full;
      ls.malformed += l.malformed;
      ls.bad_cookie += l.bad_cookie;
      ls.bad_version += l.bad_version;
      ls.ignored += l.ignored;
    }
  }
  counters.datagrams_received = st.received;
  counters.truncated = st.received_truncated;
  counters.datagrams_sent = st.sent;
  counters.send_calls = st.send_calls;
  counters.gso_sends = st.gso_sends;
  counters.send_errors = st.send_errors;
  counters.listener = ls;
}

std::optional<srt::TimePoint> Endpoint::Impl::on_tick(srt::TimePoint now) {
  std::optional<srt::TimePoint> next;
  bool retiring = false;
  {
    std::lock_guard lock(mutex);
    std::optional<srt::TimePoint> delivery;
    for (auto &peer : peers) {
      auto d = peer.conn->next_timer_deadline();
      if (d && *d <= now) peer.conn->handle_timeout(now);
      if (!peer.sock->blocked) transmit(now, peer);
      take_events(now, peer);
      d = peer.conn->next_timer_deadline();
      if (d && (!next || *d < *next)) next = d;
      if (peer.connected && receivers_waiting > 0) {
        auto t = peer.conn->next_delivery_time();
        if (t) *t += kDeliveryCoalesce;
        if (t && (!delivery || *t < *delivery)) delivery = t;
      }
    }
    for (auto &g : groups) {
      bond::Group &group = *g->group;
      auto d = group.next_timer_deadline();
      if (d && *d <= now) group.handle_timeout(now);
      transmit_group(now, *g);
      take_group_events(now, *g);
      forget_removed_members(*g);
      d = group.next_timer_deadline();
      if (d && (!next || *d < *next)) next = d;
      if (g->connected && receivers_waiting > 0) {
        auto t = group.next_delivery_time();
        if (t) *t += kDeliveryCoalesce;
        if (t && (!delivery || *t < *delivery)) delivery = t;
      }
    }
    retire_closed_groups(now);
    // A peer that ended goes once its last datagram (a shutdown) is out.
    drop_ended_peers();
    if (drain_waiters > 0) changed.notify_all();
    if (delivery && *delivery < receivers_wake) {
      receivers_wake = *delivery;
      changed.notify_all();
    }
    for (const auto &s : sockets) {
      if (!s->retiring) continue;
      retiring = true;
      if (!next || s->retire_by < *next) next = s->retire_by;
    }
    // While a socket is full only EPOLLOUT can help; do not spin on
    // transmission deadlines meanwhile.
    if (any_blocked() && next && *next <= now) next = now + std::chrono::milliseconds(1);
    if (next && *next < now + kTimerGranularity) next = now + kTimerGranularity;
    if (last_app_send > now - kStreamingHold && (!next || *next > now + kSendCoalesce))
      next = now + kSendCoalesce;
    planned = next.value_or(srt::TimePoint::max());
    update_counters();
  }
  flush_all();
  if (retiring) retire_sockets(now);
  notify_observer();
  return next;
}

void Endpoint::Impl::writable(Socket &s) {
  flush(s);
  if (!s.blocked) reactor.want_writable(&s, false);
}

void Endpoint::Impl::flush(Socket &s) {
  if (s.out.empty()) {
    s.out.clear();
    return;
  }
  if (s.udp.send(s.out)) {
    if (s.blocked) reactor.want_writable(&s, false);
    s.blocked = false;
  } else if (!s.blocked) {
    s.blocked = true;
    reactor.want_writable(&s, true);
  }
}

void Endpoint::Impl::flush_all() {
  for (auto &s : sockets) flush(*s);
}

void Endpoint::Impl::notify_observer() {
  if (notices.empty()) return;
  std::vector<Notice> batch;
  batch.swap(notices);
  if (observer == nullptr) return;
  for (const auto &n : batch) {
    switch (n.kind) {
      case Notice::Kind::kConnected:
        observer->on_connected(n.peer, n.negotiated);
        break;
      case Notice::Kind::kRejected:
        observer->on_rejected(n.peer, n.code);
        break;
      case Notice::Kind::kDisconnected:
        observer->on_disconnected(n.peer, n.detail);
        break;
      case Notice::Kind::kLinkState:
        observer->on_link_state(n.link, n.from, n.to, n.detail);
        break;
    }
  }
}

void Endpoint::Impl::close_all(srt::TimePoint now) {
  {
    std::lock_guard lock(mutex);
    closing = true;
    for (auto &peer : peers) {
      peer.conn->close(now);
      transmit(now, peer);
      while (peer.conn->poll_event()) {
      }
    }
    for (auto &g : groups) {
      g->group->close(now);
      transmit_group(now, *g);
      while (g->group->poll_event()) {
      }
    }
    changed.notify_all();
  }
  flush_all();
  notices.clear();
  reactor.remove(this);
  for (auto &s : sockets) reactor.remove(s.get());
}

}  // namespace srtcore::io
