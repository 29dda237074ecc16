// Timers of Connection: handshake repeats and connect timeout, periodic
// full ACK, periodic NAK, the sender's too-late drop, keepalive and peer
// idle timeout; and the deadline the owner must call back at.
#include <algorithm>
#include <string>

#include "srt/connection_impl.hpp"

namespace srtcore::srt {

namespace {

void take_earlier(std::optional<TimePoint> &t, std::optional<TimePoint> c) {
  if (c && (!t || *c < *t)) t = c;
}

// The sender was last told of little room, and much more is free now.
bool window_update_due(const Session &x) {
  return x.advertised_room * 4 < x.rcv().capacity() &&
         x.rcv().available() >= 2 * x.advertised_room + 2;
}

// A balancing member brought data since its last ACK: it answers even when
// the group's hole (another link's packet) holds the ACK sequence, so that
// the sender hears this link is alive and keeps measuring its round trip.
bool link_news(const Session &x) {
  return x.member && !x.link_gaps && x.link_received != x.link_received_acked;
}

}  // namespace

void Connection::Impl::timers(TimePoint now) {
  if (state == ConnectionState::kConnecting) {
    handshake_timer(now);
    return;
  }
  if (state != ConnectionState::kConnected || !s) return;
  Session &x = *s;
  if (now - last_received >= config.peer_idle_timeout) {
    fail(ConnectionEvent::Kind::kBroken, 0,
         "nothing received from " + peer.to_string() + " for " +
             std::to_string(config.peer_idle_timeout.count() / 1000) +
             " ms (peer idle timeout): the peer or the network path is gone");
    return;
  }
  count_rates(now);
  if (now >= x.acks.next_deadline()) {
    if (auto a = x.acks.on_timer(now, x.ack_seq(), x.ack_srtt(), x.ack_rttvar())) {
      queue_ack(now, *a);
    } else if (window_update_due(x) || link_news(x)) {
      queue_ack(now, x.acks.window_update(now));
    }
  }
  if (x.member) prune_member_losses();
  if (config.nakreport && x.naks.on_timer(now, !x.rcv_lost.empty())) {
    // A repeat means a report or its retransmission was lost already: the
    // path is dropping packets now, and a lost report costs a whole round of
    // the latency. It goes twice (ours; libsrt sends one), as repeated
    // retransmissions do; the sender's retransmit_allowed keeps the second
    // copy from causing a second retransmission.
    queue_nak(now, x.rcv_lost.ranges());
    queue_nak(now, x.rcv_lost.ranges());
  }
  if (x.snd_drop_threshold) {
    if (auto d = x.snd.drop_too_late(now, *x.snd_drop_threshold)) {
      if (!x.snd_lost.empty()) x.snd_lost.remove_up_to(seq_prev(x.snd.first_seq()));
      queue_drop_request(now, *d);
    }
  }
  if (auto t = head_timeout(); t && now >= *t) x.snd_lost.insert(x.snd.first_seq());
  if (km_pending && now >= km_next) send_kmreq(now);
  if (now - last_sent >= kKeepaliveInterval && ctrl.empty()) {
    queue_simple(now, ControlType::kKeepalive);
    last_sent = now;
  }
}

std::optional<TimePoint> Connection::Impl::deadline(bool with_delivery) const {
  if (!ctrl.empty()) return TimePoint::min();  // poll_transmit has something now
  if (state == ConnectionState::kConnecting) {
    if (phase == HsPhase::kDone) return std::nullopt;
    return std::min(hs_next, connect_deadline);
  }
  if (state != ConnectionState::kConnected || !s) return std::nullopt;
  const Session &x = *s;
  std::optional<TimePoint> t;
  // The ACK timer matters only while there is something the sender has not
  // confirmed, or room to announce: an idle connection wakes for its
  // keepalive once a second, not a hundred times.
  if (x.ack_seq() != x.acks.last_ackack_seq() || window_update_due(x) || link_news(x)) {
    t = x.acks.next_deadline();
  }
  if (config.nakreport) take_earlier(t, x.naks.next_deadline(!x.rcv_lost.empty()));
  if (x.snd_drop_threshold) {
    if (auto o = x.snd.oldest_origin()) take_earlier(t, *o + *x.snd_drop_threshold + Duration(1));
  }
  const bool room = seq_diff(x.snd.next_send_seq(), x.snd.first_seq()) < x.peer_flow_window;
  const bool fec_ready = x.fec_snd && x.fec_snd->has_ready();
  if (fec_ready || x.dup_pending || !x.snd_lost.empty() || (room && x.snd.has_unsent())) {
    take_earlier(t, x.pacer.next_send_time());
  }
  take_earlier(t, head_timeout());
  if (km_pending) take_earlier(t, km_next);
  if (with_delivery && !x.member) take_earlier(t, x.rcv().next_delivery_time());
  take_earlier(t, last_sent + kKeepaliveInterval);
  take_earlier(t, last_received + config.peer_idle_timeout);
  return t;
}

}  // namespace srtcore::srt
