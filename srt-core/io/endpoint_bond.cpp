// Bonding in Endpoint: socket groups over several UDP sockets. A bonded
// caller has one bond::Group and one socket per path (link); a bonded
// listener has one bond::GroupAcceptor for all its listening sockets and
// one mirror Group per bonded peer. The group engines decide what goes on
// which link; this file routes each link's datagrams to its socket and peer,
// turns group events into the endpoint's state and observer calls, and opens
// and closes paths at run time.
#include <algorithm>
#include <cstring>
#include <utility>

#include "io/clock.hpp"
#include "io/endpoint_impl.hpp"
#include "io/resolve.hpp"
#include "srt/reject.hpp"

namespace srtcore::io {

Endpoint::Impl::GroupPeer *Endpoint::Impl::caller_group() {
  if (config.mode != Mode::kCaller || !config.bond || groups.empty()) return nullptr;
  return groups.front().get();
}

void Endpoint::Impl::transmit_group(srt::TimePoint now, GroupPeer &gp) {
  // Each link writes straight into its socket's batch; a full socket holds
  // back only the links that send through it.
  for (auto &[id, slot] : gp.links) {
    if (slot.sock == nullptr) continue;
    Socket &s = *slot.sock;
    for (;;) {
      if (s.out.full()) {
        flush(s);
        if (s.blocked) break;
      }
      const std::size_t n = gp.group->poll_transmit(now, id, s.out.next_slot());
      if (n == 0) break;
      s.out.commit(n, slot.destination);
    }
  }
}

LinkReport Endpoint::Impl::link_report(srt::TimePoint now, const GroupPeer &gp,
                                       bond::LinkId link) const {
  LinkReport r;
  r.group_id = gp.group->id();
  r.id = link;
  if (const auto it = gp.links.find(link); it != gp.links.end()) {
    r.name = it->second.name;
    r.local = it->second.local;
    r.peer = it->second.peer;
  }
  for (const bond::LinkStats &l : gp.group->link_stats(now)) {
    if (l.info.id != link) continue;
    r.peer = l.info.spec.peer;
    r.state = l.info.state;
    r.weight = l.info.spec.weight;
    r.stats = l.stats;
  }
  return r;
}

void Endpoint::Impl::take_group_events(srt::TimePoint now, GroupPeer &gp) {
  const bool is_listener = config.mode == Mode::kListener;
  bool any = false;
  while (auto e = gp.group->poll_event()) {
    any = true;
    switch (e->kind) {
      case bond::GroupEvent::Kind::kLinkState: {
        if (closing || e->from == e->to) break;  // (a member dropped after it broke)
        Notice n{Notice::Kind::kLinkState, gp.info, {}, 0, e->detail, {}, e->from, e->to};
        n.link = link_report(now, gp, e->link);
        n.link.state = e->to;
        notices.push_back(std::move(n));
        const auto it = gp.links.find(e->link);
        if (is_listener && e->to == bond::LinkState::kBroken && it != gp.links.end()) {
          // A member that left: its listener forgets it, and the group drops
          // it unless it was the last (then the group closes as a whole). A
          // caller that reconnects the path comes back as a new member.
          if (it->second.sock && it->second.sock->listener)
            it->second.sock->listener->forget(it->second.accepted_socket_id);
          if (!gp.group->closed()) {
            gp.group->remove_link(now, e->link);
            it->second.removed = true;
          }
        }
        break;
      }
      case bond::GroupEvent::Kind::kConnected: {
        gp.connected = true;
        gp.negotiated = e->negotiated;
        for (const auto &h : stream_headers) gp.group->send_message(now, h, std::nullopt);
        if (const auto it = gp.links.find(e->link); it != gp.links.end())
          gp.info.address = it->second.peer;
        gp.info.stream_id = is_listener ? e->negotiated.stream_id : config.connection.stream_id;
        if (!closing)
          notices.push_back({Notice::Kind::kConnected, gp.info, e->negotiated, 0, {}, {}, {}, {}});
        break;
      }
      case bond::GroupEvent::Kind::kLinkFailed:
        if (e->reject_code != 0) gp.reject_code = e->reject_code;
        break;
      case bond::GroupEvent::Kind::kBroken: {
        const bool was_connected = gp.connected;
        gp.connected = false;
        gp.ended = true;
        if (closing) break;
        const std::uint32_t code = e->reject_code != 0 ? e->reject_code : gp.reject_code;
        if (!is_listener && !error) {
          // As a single connection's: refused, never answered, or lost.
          if (code != 0 && !was_connected)
            error = EndpointError{EndpointError::Kind::kRejected, code, e->detail};
          else
            error = EndpointError{
                was_connected ? EndpointError::Kind::kBroken : EndpointError::Kind::kTimeout, 0,
                e->detail};
        }
        if (was_connected)
          notices.push_back({Notice::Kind::kDisconnected, gp.info, {}, 0, e->detail, {}, {}, {}});
        else if (!is_listener)
          notices.push_back({Notice::Kind::kRejected, gp.info, {}, code, e->detail, {}, {}, {}});
        break;
      }
    }
  }
  if (any) changed.notify_all();
}

void Endpoint::Impl::adopt_member(srt::TimePoint now, Socket &s, const srt::NetAddress &from,
                                  std::unique_ptr<srt::Connection> conn) {
  const std::uint32_t socket_id = conn->local_socket_id();
  const auto adopted = acceptor->adopt(now, std::move(conn));
  bond::Group *const group = adopted.first;
  const bond::LinkId link = adopted.second;
  if (group == nullptr) return;  // its group was refused meanwhile
  auto it = std::find_if(groups.begin(), groups.end(),
                         [group](const auto &g) { return g->group == group; });
  if (it == groups.end()) {
    auto gp = std::make_unique<GroupPeer>();
    gp->group = group;
    gp->info.socket_id = group->id();
    gp->info.address = from;
    groups.push_back(std::move(gp));
    it = std::prev(groups.end());
  }
  LinkSlot slot;
  slot.local = s.udp.local_address();
  slot.peer = from;
  slot.sock = &s;
  slot.destination = s.udp.destination(from);
  slot.accepted_socket_id = socket_id;
  (*it)->links[link] = std::move(slot);
}

void Endpoint::Impl::retire_closed_groups(srt::TimePoint now) {
  if (!acceptor) return;
  bool any = false;
  for (auto &g : groups) {
    if (!g->group->closed()) continue;
    take_group_events(now, *g);
    g->ended = true;
    any = true;
  }
  if (!any) return;
  std::erase_if(groups, [](const auto &g) { return g->ended && g->group->closed(); });
  acceptor->collect(now);
}

void Endpoint::Impl::forget_removed_members(GroupPeer &gp) {
  if (config.mode != Mode::kListener) return;
  std::erase_if(gp.links, [&gp](const auto &kv) {
    return kv.second.removed && !gp.group->link_for_socket(kv.second.accepted_socket_id);
  });
}

void Endpoint::Impl::retire_sockets(srt::TimePoint now) {
  std::lock_guard lock(mutex);
  GroupPeer *gp = caller_group();
  std::erase_if(sockets, [&](const std::unique_ptr<Socket> &s) {
    if (!s->retiring) return false;
    // The link is gone from the group once its shutdown was polled out.
    const bool gone = !gp || s->retire_socket_id == 0 ||
                      !gp->group->link_for_socket(s->retire_socket_id).has_value();
    if (!(gone && s->out.empty() && !s->blocked) && now < s->retire_by) return false;
    if (gp && s->link) gp->links.erase(*s->link);
    retired_stats += s->udp.stats();
    reactor.remove(s.get());
    return true;
  });
}

// ---- public face ---------------------------------------------------------

bool Endpoint::add_link(const LinkConfig &link, EndpointError *error) {
  Impl &m = *impl_;
  auto fail = [&](EndpointError::Kind kind, std::string text) {
    if (error) *error = EndpointError{kind, 0, std::move(text)};
    return false;
  };
  if (m.config.mode != Mode::kCaller || !m.config.bond)
    return fail(EndpointError::Kind::kBadAddress, "links can be added to a bonded caller only");
  auto path = open_caller_path(link, error);
  if (!path) return false;
  const srt::NetAddress peer_address = path->peer;
  auto s = std::make_unique<Impl::Socket>(m, std::move(path->socket));
  bool ok = false;
  m.reactor.run_sync([&] {
    const srt::TimePoint now = monotonic_now();
    {
      std::lock_guard lock(m.mutex);
      Impl::GroupPeer *gp = m.caller_group();
      if (!gp || m.closing) return;
      const bond::LinkId id = gp->group->add_link(
          now, bond::LinkSpec{peer_address, s->udp.local_address(), link.weight});
      s->link = id;
      Impl::LinkSlot slot;
      slot.name = link.name;
      slot.local = s->udp.local_address();
      slot.peer = peer_address;
      slot.sock = s.get();
      slot.destination = s->udp.destination(peer_address);
      gp->links.emplace(id, std::move(slot));
      gp->ended = false;  // a broken group has hope again
    }
    m.reactor.add(s.get(), s->udp.fd());
    m.sockets.push_back(std::move(s));
    ok = true;
  });
  if (!ok) return fail(EndpointError::Kind::kSocket, "the endpoint is closing");
  m.reactor.wake_at(monotonic_now());
  return true;
}

bool Endpoint::remove_link(const std::string &name) {
  Impl &m = *impl_;
  if (m.config.mode != Mode::kCaller || !m.config.bond) return false;
  bool ok = false;
  m.reactor.run_sync([&] {
    const srt::TimePoint now = monotonic_now();
    std::lock_guard lock(m.mutex);
    Impl::GroupPeer *gp = m.caller_group();
    if (!gp) return;
    for (auto &[id, slot] : gp->links) {
      if (slot.removed || slot.name != name) continue;
      std::uint32_t socket_id = 0;
      for (const bond::LinkInfo &l : gp->group->links())
        if (l.id == id) socket_id = l.socket_id;
      gp->group->remove_link(now, id);
      slot.removed = true;
      if (slot.sock) {
        slot.sock->retiring = true;
        slot.sock->retire_socket_id = socket_id;
        slot.sock->retire_by = now + kRetireTimeout;
      }
      ok = true;
      return;
    }
  });
  if (ok) m.reactor.wake_at(monotonic_now());  // the shutdown goes out now
  return ok;
}

std::vector<LinkReport> Endpoint::links() const {
  const Impl &m = *impl_;
  std::lock_guard lock(m.mutex);
  const srt::TimePoint now = monotonic_now();
  std::vector<LinkReport> out;
  for (const auto &g : m.groups) {
    for (const bond::LinkStats &l : g->group->link_stats(now)) {
      LinkReport r;
      r.group_id = g->group->id();
      r.id = l.info.id;
      r.peer = l.info.spec.peer;
      r.local = l.info.spec.local;
      r.state = l.info.state;
      r.weight = l.info.spec.weight;
      r.stats = l.stats;
      if (const auto it = g->links.find(l.info.id); it != g->links.end()) {
        if (it->second.removed) continue;
        r.name = it->second.name;
        r.local = it->second.local;
        r.peer = it->second.peer;
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<std::pair<std::uint32_t, bond::GroupStats>> Endpoint::group_stats() const {
  const Impl &m = *impl_;
  std::lock_guard lock(m.mutex);
  const srt::TimePoint now = monotonic_now();
  std::vector<std::pair<std::uint32_t, bond::GroupStats>> out;
  for (const auto &g : m.groups) out.emplace_back(g->group->id(), g->group->stats(now));
  return out;
}

}  // namespace srtcore::io
