// Sending: every message gets the group's sequence and message numbers and
// is kept in the group's history until the peer group acknowledges it; the
// mode decides which links carry it. Backup: which links are active, and
// handing a newly activated link everything not yet acknowledged.
#include <algorithm>

#include "bond/group_impl.hpp"

namespace srtcore::bond {

namespace {

// Backup links in order of preference: weight, then the order they were added.
bool preferred(const Link *a, const Link *b) {
  if (a->spec.weight != b->spec.weight) return a->spec.weight > b->spec.weight;
  return a->id < b->id;
}

}  // namespace

bool Group::Impl::carries(const Link &l) const {
  if (l.removing || !l.joined || !l.conn) return false;
  return config.mode == GroupMode::kBackup ? l.state == LinkState::kRunning : l.connected();
}

bool Group::Impl::send(TimePoint now, ByteSpan message, TimePoint origin) {
  if (!synced || !any_connected() || message.empty() ||
      message.size() > config.connection.payload_size) {
    return false;
  }
  const std::uint32_t seq = history.end_seq();
  const std::uint32_t msgno = history.next_msgno();
  const TimePoint t = std::clamp(origin, start, now);
  if (history.push(message, t) == 0) return false;
  ++n.pktSent;
  n.byteSent += message.size();
  // Balancing: one link carries it, the others keep it to retransmit.
  const Link *carrier = nullptr;
  if (config.mode == GroupMode::kBalancing) {
    carrier = pick_carrier(now, message.size());
    if (carriers.empty()) carriers_first = seq;
    carriers.push_back(carrier ? carrier->id : 0);
  }
  for (auto &l : links) {
    if (carries(*l)) {
      l->conn->send_numbered(now, message, t, seq, msgno, !carrier || carrier == l.get());
    }
  }
  return true;
}

// The peer group holds everything below the oldest sequence still
// unacknowledged on the links that carry the stream.
void Group::Impl::update_history_ack() {
  std::optional<std::uint32_t> acked;
  for (const auto &l : links) {
    if (!carries(*l)) continue;
    const std::uint32_t a = l->conn->send_first_seq();
    if (!acked || srt::seq_gt(a, *acked)) acked = a;
  }
  if (acked) history.release_before(*acked);
  trim_carriers();
}

void Group::Impl::activate(TimePoint now, Link &l, const char *why) {
  // Whatever the peer group has not acknowledged goes on this link too, with
  // its original numbers, so a switch loses nothing.
  const std::uint32_t first = history.first_seq();
  const std::uint32_t end = history.end_seq();
  const std::uint32_t held_end = l.conn->send_end_seq();
  std::uint32_t seq = first;
  if (srt::seq_lt(first, held_end) && srt::seq_ge(first, l.conn->send_first_seq())) {
    // The link still holds the start of it: those go as retransmissions.
    const std::uint32_t hi = srt::seq_lt(held_end, end) ? held_end : end;
    l.conn->resend(first, srt::seq_prev(hi));
    n.pktSndGroupRexmit += srt::seq_diff(hi, first);
    seq = hi;
  }
  for (; srt::seq_lt(seq, end); seq = srt::seq_next(seq)) {
    const auto p = history.peek(seq);
    if (!p) continue;
    l.conn->send_numbered(now, p->payload, p->origin, seq, p->header.msgno);
    ++n.pktSndGroupRexmit;
  }
  ++n.linkActivations;
  l.running_since = now;
  l.quality.warm_up(now);
  set_state(l, LinkState::kRunning, why);
}

void Group::Impl::deactivate(Link &l, const char *why) {
  l.running_since.reset();
  set_state(l, LinkState::kIdle, why);
}

// The active set. The most preferred link that is stable (and not serving a
// penalty for failing earlier) leads; while it has not yet carried stably
// for takeback_hold, the links that ran before it keep running beside it,
// so a switch in either direction loses nothing. Without a stable link,
// every connected link carries. A link silenced for being unstable waits a
// penalty (doubling up to 32 x takeback_hold) before it may lead again.
void Group::Impl::backup_policy(TimePoint now) {
  std::vector<Link *> up;
  for (auto &l : links) {
    if (!l->removing && l->joined && l->connected()) up.push_back(l.get());
  }
  if (up.empty()) return;
  std::sort(up.begin(), up.end(), preferred);
  Link *lead = nullptr;
  for (Link *l : up) {
    if (l->benched_until && now >= *l->benched_until) {
      l->benched_until.reset();
      l->quality.reset();
    }
    l->quality.update(now, l->conn->health(), l->running_since);
    if (!l->quality.stable()) l->stable_since.reset();
    if (!lead && l->quality.stable() && !l->benched_until) lead = l;
  }
  if (!lead) {
    for (Link *l : up) {
      if (l->state != LinkState::kRunning) activate(now, *l, "no stable link: every link carries");
    }
    return;
  }
  if (lead->state != LinkState::kRunning) {
    activate(now, *lead, "the most preferred stable link");
    lead->stable_since = now;
  }
  if (!lead->stable_since) lead->stable_since = now;
  // While a running link is in trouble, every other healthy standby carries
  // too: an idle link's health is unknown until it carries (a path that died
  // while idle shows only then), and a second failover would cost more than
  // the latency.
  const bool trouble = std::any_of(up.begin(), up.end(), [](const Link *l) {
    return l->state == LinkState::kRunning && !l->quality.stable();
  });
  if (trouble) {
    for (Link *l : up) {
      if (l->state != LinkState::kRunning && l->quality.stable() && !l->benched_until) {
        activate(now, *l, "standing in for an unstable link");
        l->stable_since = now;
      }
    }
  }
  if (now - *lead->stable_since < config.takeback_hold) return;
  lead->penalty = config.takeback_hold;  // it proved itself
  for (Link *l : up) {
    if (l == lead || l->state != LinkState::kRunning) continue;
    if (!l->quality.stable()) {
      l->benched_until = now + l->penalty;
      l->penalty = std::min(l->penalty * 2, 32 * config.takeback_hold);
      deactivate(*l, l->quality.reason());
    } else {
      deactivate(*l, "a more preferred link is stable");
    }
  }
}

bool Group::send_message(TimePoint now, ByteSpan message, std::optional<TimePoint> origin) {
  return impl_->send(now, message, origin.value_or(now));
}

std::size_t Group::send_capacity() const {
  return impl_->history.free();
}

bool Group::all_acknowledged() const {
  const Impl &m = *impl_;
  return std::none_of(m.links.begin(), m.links.end(), [&](const auto &l) {
    return m.carries(*l) && l->conn->health().unacknowledged > 0;
  });
}

}  // namespace srtcore::bond
