// Group links: opening caller connections (and again, with backoff, after
// they break), adopting accepted members, joining a connected member to the
// group's sequence space and buffers, and link states and their events.
#include <algorithm>
#include <string>

#include "bond/group_impl.hpp"

namespace srtcore::bond {

namespace {

// Refusals that another attempt would only repeat.
bool permanent(std::uint32_t code) {
  using srt::RejectReason;
  switch (static_cast<RejectReason>(code)) {
    case RejectReason::kBacklog:
    case RejectReason::kResource:
    case RejectReason::kSystem:
    case RejectReason::kClose:
    case RejectReason::kTimeout:
    case RejectReason::kUnknown:
      return false;
    default:
      return true;
  }
}

}  // namespace

Link *Group::Impl::find(LinkId link) {
  for (auto &l : links) {
    if (l->id == link) return l.get();
  }
  return nullptr;
}

const Link *Group::Impl::find(LinkId link) const {
  for (const auto &l : links) {
    if (l->id == link) return l.get();
  }
  return nullptr;
}

bool Group::Impl::any_connected() const {
  return std::any_of(links.begin(), links.end(),
                     [](const auto &l) { return !l->removing && l->connected(); });
}

Link &Group::Impl::make_link(const LinkSpec &spec, bool caller) {
  links.push_back(std::make_unique<Link>(next_link_id++, spec, caller, quality));
  Link &l = *links.back();
  l.backoff = config.reconnect_min;
  l.penalty = config.takeback_hold;
  return l;
}

void Group::Impl::open_connection(TimePoint now, Link &l) {
  srt::ConnectionConfig c = config.connection;
  c.group = srt::GroupExt{id, static_cast<srt::GroupType>(config.mode), 0, l.spec.weight};
  // Every member announces the group's next sequence, so both sides agree on
  // the sequence space whichever member the peer sees first.
  c.isn = history.end_seq();
  l.conn = std::make_unique<srt::Connection>(c, srt::Role::kCaller, l.spec.local, l.spec.peer,
                                             random, now);
  l.joined = false;
  l.retry_at.reset();
  l.quality.reset();
  l.stable_since.reset();
  take_link_events(now, l);  // a configuration error fails at once
}

void Group::Impl::set_state(Link &l, LinkState to, std::string detail) {
  if (l.state == to) return;
  GroupEvent e{GroupEvent::Kind::kLinkState, l.id, l.state, to, 0, std::move(detail), {}};
  l.state = to;
  events.push_back(std::move(e));
}

void Group::Impl::take_link_events(TimePoint now, Link &l) {
  if (!l.conn) return;
  while (auto e = l.conn->poll_event()) {
    if (e->kind == srt::ConnectionEvent::Kind::kConnected) {
      on_link_connected(now, l, *e);
    } else {
      on_link_failed(now, l, *e);
    }
    if (!l.conn) return;
  }
}

void Group::Impl::on_link_connected(TimePoint now, Link &l, const srt::ConnectionEvent &e) {
  const srt::Negotiated &neg = e.negotiated;
  const bool first = !any_connected();
  // With no member left, a new peer group id means the peer started its
  // group afresh (its members were all gone): follow it. Beside connected
  // siblings it is a different peer, which libsrt refuses too.
  if (!neg.peer_group || neg.peer_group->type != static_cast<srt::GroupType>(config.mode) ||
      (peer && peer->group_id != neg.peer_group->group_id && !first)) {
    // libsrt refuses a member answered by another group than its siblings.
    l.conn->close(now);
    srt::ConnectionEvent f{srt::ConnectionEvent::Kind::kRejected,
                           static_cast<std::uint32_t>(srt::RejectReason::kGroup),
                           "the peer answered for another group than this link's siblings", neg};
    on_link_failed(now, l, f);
    return;
  }
  if (first) peer = neg.peer_group;
  if (!l.caller) l.spec.weight = neg.peer_group->weight;  // the peer's choice
  srt::Connection::GroupJoin j;
  j.now = now;
  j.link_gaps = config.mode != GroupMode::kBalancing;
  if (first) {
    // The first connected member lends the group its numbers and clock.
    start = l.conn->start_time();
    history.rebase(neg.send_isn, start);
    j.start = start;
    j.send_seq = neg.send_isn;
    rcv = l.conn->join_group(j);
    recv_latency = neg.recv_latency;
    drop_threshold = srt::SendBuffer::drop_threshold(neg.send_latency, Duration(0));
    quality.latency = neg.send_latency;
    synced = true;
  } else {
    j.start = start;
    j.send_seq = history.end_seq();
    j.rcv = rcv;
    j.recv_seq = rcv->end_seq();
    l.conn->join_group(j);
  }
  l.joined = true;
  l.running_since = config.mode == GroupMode::kBackup ? std::nullopt : std::optional(now);
  l.backoff = config.reconnect_min;
  l.quality = LinkQuality(quality);
  l.path.emplace(now, quality.latency);
  l.resent_seen = l.conn->health().retransmitted;
  const LinkState to = config.mode == GroupMode::kBackup ? LinkState::kIdle : LinkState::kRunning;
  GroupEvent ev{GroupEvent::Kind::kLinkState, l.id, l.state, to, 0, "connected", neg};
  l.state = to;
  events.push_back(std::move(ev));
  if (!ever_connected) {
    ever_connected = true;
    events.push_back(
        GroupEvent{GroupEvent::Kind::kConnected, l.id, to, to, 0, "the group is connected", neg});
  }
  if (config.mode == GroupMode::kBackup) backup_policy(now);
}

void Group::Impl::on_link_failed(TimePoint now, Link &l, const srt::ConnectionEvent &in) {
  srt::ConnectionEvent e = in;
  if (l.caller && config.mode == GroupMode::kBalancing &&
      e.kind == srt::ConnectionEvent::Kind::kRejected &&
      e.reject_code == static_cast<std::uint32_t>(srt::RejectReason::kGroup)) {
    // The likely cause: libsrt 1.5 knows no balancing groups.
    e.detail += "; balancing is ours only: use bond-mode=broadcast or backup against libsrt";
  }
  const bool was_connected = l.connected();
  events.push_back(GroupEvent{GroupEvent::Kind::kLinkFailed, l.id, l.state, LinkState::kBroken,
                              e.reject_code, e.detail, e.negotiated});
  set_state(l, LinkState::kBroken, e.detail);
  l.joined = false;
  l.running_since.reset();
  const bool refused = e.kind == srt::ConnectionEvent::Kind::kRejected && permanent(e.reject_code);
  if (l.caller && config.reconnect && !l.removing && !closed && !refused) {
    l.retry_at = now + l.backoff;
    l.backoff = std::min(l.backoff * 2, config.reconnect_max);
  }
  if (was_connected && config.mode == GroupMode::kBackup) backup_policy(now);
  const bool hope = std::any_of(links.begin(), links.end(), [](const auto &x) {
    return !x->removing && (x->connected() || x->state == LinkState::kPending || x->retry_at);
  });
  if (!hope && !closed) {
    closed = true;
    events.push_back(GroupEvent{GroupEvent::Kind::kBroken, l.id, l.state, l.state, e.reject_code,
                                "every link of the group failed; the last one: " + e.detail,
                                e.negotiated});
  }
}

void Group::Impl::collect_removed() {
  std::erase_if(links, [](const auto &l) {
    if (!l->removing) return false;
    // Keep it until its shutdown went out.
    return !l->conn || !l->conn->next_timer_deadline() ||
           *l->conn->next_timer_deadline() != TimePoint::min();
  });
}

// ---- public face: links ------------------------------------------------------------

LinkId Group::add_link(TimePoint now, const LinkSpec &spec) {
  Impl &m = *impl_;
  Link &l = m.make_link(spec, true);
  m.closed = false;
  m.open_connection(now, l);
  return l.id;
}

LinkId Group::adopt(TimePoint now, std::unique_ptr<srt::Connection> accepted) {
  Impl &m = *impl_;
  LinkSpec spec;
  spec.peer = accepted->peer();
  Link &l = m.make_link(spec, false);
  l.conn = std::move(accepted);
  m.closed = false;
  m.take_link_events(now, l);
  return l.id;
}

bool Group::remove_link(TimePoint now, LinkId link) {
  Impl &m = *impl_;
  Link *l = m.find(link);
  if (!l || l->removing) return false;
  l->removing = true;
  l->retry_at.reset();
  const LinkState from = l->state;
  if (l->conn) {
    l->conn->close(now);
    while (l->conn->poll_event()) {
    }
  }
  m.events.push_back(
      GroupEvent{GroupEvent::Kind::kLinkState, link, from, LinkState::kBroken, 0, "removed", {}});
  l->state = LinkState::kBroken;
  if (from == LinkState::kRunning && m.config.mode == GroupMode::kBackup) m.backup_policy(now);
  return true;
}

std::vector<LinkInfo> Group::links() const {
  std::vector<LinkInfo> v;
  for (const auto &l : impl_->links) {
    if (l->removing) continue;
    LinkInfo i;
    i.id = l->id;
    i.spec = l->spec;
    i.state = l->state;
    i.socket_id = l->conn ? l->conn->local_socket_id() : 0;
    i.caller = l->caller;
    v.push_back(i);
  }
  return v;
}

std::optional<LinkId> Group::link_for_socket(std::uint32_t socket_id) const {
  for (const auto &l : impl_->links) {
    if (l->conn && l->conn->local_socket_id() == socket_id) return l->id;
  }
  return std::nullopt;
}

}  // namespace srtcore::bond
