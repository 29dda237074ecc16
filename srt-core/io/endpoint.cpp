// The application side of Endpoint: opening (resolve, bind, first
// handshake), and the calls GStreamer streaming threads make. Every engine
// call here runs under the endpoint mutex; the reactor is asked to look
// again only when the engines' next deadline moved earlier than planned.
#include <algorithm>
#include <utility>

#include "io/clock.hpp"
#include "io/endpoint_impl.hpp"
#include "io/resolve.hpp"
#include "srt/reject.hpp"

namespace srtcore::io {
namespace {

// A connection's pacer may catch up this much of its schedule back to back
// after a wait for the reactor (twice kSendCoalesce), so that waiting costs
// no rate at any MAXBW.
constexpr srt::Duration kPacingCredit = std::chrono::milliseconds(2);

std::uint32_t pacing_burst(const srt::ConnectionConfig &c) {
  // MAXBW 0 follows the input rate, which is not known yet: assume 1 Gbit/s
  // as libsrt's estimate starts.
  const double bytes_per_s = c.maxbw > 0 ? static_cast<double>(c.maxbw) : 125e6;
  const double packets = bytes_per_s * std::chrono::duration<double>(kPacingCredit).count() /
                         static_cast<double>(c.payload_size + 44);
  return static_cast<std::uint32_t>(std::clamp(packets, 32.0, 8192.0));
}

std::chrono::steady_clock::time_point to_steady(srt::TimePoint t) {
  // Both count from the CLOCK_MONOTONIC epoch on Linux.
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch()));
}

std::optional<EndpointError> bad_address(std::string detail) {
  return EndpointError{EndpointError::Kind::kBadAddress, 0, std::move(detail)};
}

struct Addresses {
  srt::NetAddress local;
  std::optional<srt::NetAddress> peer;
};

// Where to bind and whom to reach, or the error to report.
std::optional<Addresses> plan_addresses(const EndpointConfig &c, EndpointError *error) {
  auto fail = [&](std::string text) {
    if (error) *error = *bad_address(std::move(text));
    return std::nullopt;
  };
  std::string why;
  using Family = srt::NetAddress::Family;
  const auto looks_v6 = [](const std::string &h) { return h.find(':') != std::string::npos; };
  if (c.mode == Mode::kListener) {
    ResolveOptions o;
    o.passive = true;
    o.prefer = looks_v6(c.host) ? Family::kV6 : Family::kV4;
    auto local = resolve_address(c.host, c.port, o, &why);
    if (!local) return fail(why);
    return Addresses{*local, std::nullopt};
  }
  if (c.host.empty()) return fail("no host to connect to: give srt://HOST:PORT");
  if (c.port == 0) return fail("no port to connect to: give srt://" + c.host + ":PORT");
  ResolveOptions po;
  po.prefer = looks_v6(c.local_address) ? Family::kV6 : Family::kV4;
  auto peer = resolve_address(c.host, c.port, po, &why);
  if (!peer) return fail(why);
  // Rendezvous peers meet on the same port unless told otherwise.
  const std::uint16_t local_port =
      c.local_port != 0 ? c.local_port : (c.mode == Mode::kRendezvous ? c.port : 0);
  ResolveOptions lo;
  lo.passive = true;
  lo.prefer = peer->family;
  auto local = resolve_address(c.local_address, local_port, lo, &why);
  if (!local) return fail(why);
  if (local->family != peer->family)
    return fail("local address " + local->to_string() + " and peer " + peer->to_string() +
                " are of different IP families");
  return Addresses{*local, peer};
}

}  // namespace

Endpoint::Impl::Impl(std::shared_ptr<Reactor> owner, const EndpointConfig &cfg,
                     EndpointObserver *obs)
    : reactor_owner(std::move(owner)), reactor(reactor_owner->impl()), config(cfg), observer(obs) {}

bool Endpoint::Impl::any_connected() const {
  return std::any_of(peers.begin(), peers.end(), [](const Peer &p) { return p.connected; }) ||
         std::any_of(groups.begin(), groups.end(),
                     [this](const auto &g) { return group_connected(*g); });
}

bool Endpoint::Impl::all_sent(srt::TimePoint now) const {
  return std::all_of(
             peers.begin(), peers.end(),
             [now](const Peer &p) { return !p.connected || p.conn->stats(now).pktSndBuf == 0; }) &&
         std::all_of(groups.begin(), groups.end(), [this](const auto &g) {
           return !group_connected(*g) || g->group->all_acknowledged();
         });
}

std::optional<srt::TimePoint> Endpoint::Impl::need_wake(srt::TimePoint now) {
  std::optional<srt::TimePoint> earliest;
  for (const auto &p : peers) {
    const auto d = p.conn->next_timer_deadline();
    if (d && (!earliest || *d < *earliest)) earliest = d;
  }
  for (const auto &g : groups) {
    const auto d = g->group->next_timer_deadline();
    if (d && (!earliest || *d < *earliest)) earliest = d;
  }
  if (!earliest || *earliest >= planned) return std::nullopt;
  planned = std::max(*earliest, now + kSendCoalesce);
  return planned;
}

std::optional<std::uint32_t> Endpoint::Impl::on_caller_request(const srt::CallerRequest &request) {
  std::optional<std::uint32_t> code;
  const auto live_peers =
      std::count_if(peers.begin(), peers.end(), [](const Peer &p) { return !p.ended; });
  const auto live_groups =
      std::count_if(groups.begin(), groups.end(), [](const auto &g) { return !g->ended; });
  // Another member of a group already served is the same peer, not a second one.
  const bool member_of_served =
      request.group && std::any_of(groups.begin(), groups.end(), [&](const auto &g) {
        return !g->ended && g->group->peer_id() == request.group->group_id;
      });
  if (closing) {
    code = static_cast<std::uint32_t>(srt::RejectReason::kClose);
  } else if (!config.serve_many && !member_of_served && live_peers + live_groups > 0) {
    code = static_cast<std::uint32_t>(srt::RejectReason::kBacklog);
  } else if (observer != nullptr) {
    code = observer->on_caller_connecting(request);
  }
  if (code) {
    PeerInfo info{0, request.peer, request.stream_id};
    notices.push_back({Notice::Kind::kRejected, info, {}, *code, {}, {}, {}, {}});
  }
  return code;
}

namespace {

std::optional<UdpSocket> open_socket(const srt::NetAddress &local,
                                     const std::optional<srt::NetAddress> &peer, bool reuse,
                                     EndpointError *error) {
  UdpSocketOptions options;
  options.reuse_address = reuse;
  std::string why;
  auto socket = UdpSocket::open(local, peer, options, &why);
  if (!socket && error) *error = EndpointError{EndpointError::Kind::kSocket, 0, why};
  return socket;
}

// A path's addresses as plan_addresses sees a caller's.
std::optional<Addresses> plan_link(const LinkConfig &link, Mode mode, EndpointError *error) {
  EndpointConfig c;
  c.mode = mode;
  c.host = link.host;
  c.port = link.port;
  c.local_address = link.local_address;
  c.local_port = link.local_port;
  auto a = plan_addresses(c, error);
  if (!a && error && !link.name.empty()) error->detail = "link " + link.name + ": " + error->detail;
  return a;
}

}  // namespace

std::optional<CallerPath> open_caller_path(const LinkConfig &link, EndpointError *error) {
  auto a = plan_link(link, Mode::kCaller, error);
  if (!a) return std::nullopt;
  auto socket = open_socket(a->local, a->peer, false, error);
  if (!socket) return std::nullopt;
  return CallerPath{std::move(*socket), *a->peer};
}

std::unique_ptr<Endpoint> Endpoint::open(std::shared_ptr<Reactor> reactor,
                                         const EndpointConfig &config, EndpointObserver *observer,
                                         EndpointError *error) {
  if (!reactor) reactor = Reactor::shared();
  if (config.connection.mss > kMaxSendDatagram || config.connection.mss < 76) {
    if (error) *error = *bad_address("MSS must be between 76 and 1500 bytes");
    return nullptr;
  }
  if (config.bond && config.mode == Mode::kRendezvous) {
    if (error)
      *error = *bad_address(
          "rendezvous connections cannot be bonded (as in libsrt): use caller and listener");
    return nullptr;
  }
  if (config.bond && config.mode == Mode::kCaller && config.bond->links.empty()) {
    if (error) *error = *bad_address("a bonded caller needs at least one link");
    return nullptr;
  }

  EndpointConfig effective = config;
  if (effective.connection.pacing_burst == srt::ConnectionConfig{}.pacing_burst)
    effective.connection.pacing_burst = pacing_burst(effective.connection);
  auto impl = std::make_unique<Impl>(reactor, effective, observer);
  Impl &m = *impl;
  const srt::TimePoint now = monotonic_now();

  if (config.bond && config.mode == Mode::kCaller) {
    // One socket per path, bound where the path says and connected to its peer.
    std::vector<CallerPath> paths;
    for (const LinkConfig &link : config.bond->links) {
      auto path = open_caller_path(link, error);
      if (!path) return nullptr;
      paths.push_back(std::move(*path));
    }
    bond::GroupConfig gc;
    gc.mode = config.bond->mode;
    gc.connection = m.config.connection;
    gc.reconnect_min = config.bond->reconnect_min;
    gc.reconnect_max = config.bond->reconnect_max;
    auto gp = std::make_unique<Impl::GroupPeer>();
    gp->owned = std::make_unique<bond::Group>(gc, m.random, now);
    gp->group = gp->owned.get();
    gp->info.socket_id = gp->group->id();
    gp->info.address = paths.front().peer;
    gp->info.stream_id = config.connection.stream_id;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      CallerPath &path = paths[i];
      auto s = std::make_unique<Impl::Socket>(m, std::move(path.socket));
      const bond::LinkId id = gp->group->add_link(
          now, bond::LinkSpec{path.peer, s->udp.local_address(), config.bond->links[i].weight});
      s->link = id;
      Impl::LinkSlot slot;
      slot.name = config.bond->links[i].name;
      slot.local = s->udp.local_address();
      slot.peer = path.peer;
      slot.sock = s.get();
      slot.destination = s->udp.destination(path.peer);
      gp->links.emplace(id, std::move(slot));
      m.sockets.push_back(std::move(s));
    }
    m.groups.push_back(std::move(gp));
  } else if (config.mode == Mode::kListener) {
    // host:port, then every bond link's address: one socket and listener each.
    std::vector<srt::NetAddress> addresses;
    auto first = plan_addresses(config, error);
    if (!first) return nullptr;
    addresses.push_back(first->local);
    if (config.bond) {
      for (const LinkConfig &link : config.bond->links) {
        auto a = plan_link(link, Mode::kListener, error);
        if (!a) return nullptr;
        addresses.push_back(a->local);
      }
      bond::AcceptorConfig ac;
      ac.group.connection = m.config.connection;
      ac.group.reconnect_min = config.bond->reconnect_min;
      ac.group.reconnect_max = config.bond->reconnect_max;
      m.acceptor = std::make_unique<bond::GroupAcceptor>(ac, m.random);
    }
    for (const srt::NetAddress &address : addresses) {
      auto socket = open_socket(address, std::nullopt, false, error);
      if (!socket) return nullptr;
      auto s = std::make_unique<Impl::Socket>(m, std::move(*socket));
      srt::ListenerConfig lc;
      lc.connection = m.config.connection;
      lc.max_connections = config.max_connections;
      lc.group_connect = m.acceptor != nullptr;
      s->listener.emplace(lc, s->udp.local_address(), m.random);
      // Runs on the reactor thread with the endpoint locked.
      s->listener->set_accept_callback(
          [&m](const srt::CallerRequest &request) { return m.on_caller_request(request); });
      if (m.acceptor) {
        s->listener->set_group_callback([&m](srt::TimePoint t, const srt::CallerRequest &r) {
          return m.acceptor->decide(t, r);
        });
      }
      m.sockets.push_back(std::move(s));
    }
  } else {
    auto addresses = plan_addresses(config, error);
    if (!addresses) return nullptr;
    auto socket =
        open_socket(addresses->local, addresses->peer, config.mode == Mode::kRendezvous, error);
    if (!socket) return nullptr;
    m.sockets.push_back(std::make_unique<Impl::Socket>(m, std::move(*socket)));
    Impl::Socket &s = *m.sockets.back();
    Impl::Peer peer;
    const auto role =
        config.mode == Mode::kRendezvous ? srt::Role::kRendezvous : srt::Role::kCaller;
    peer.conn = std::make_unique<srt::Connection>(m.config.connection, role, s.udp.local_address(),
                                                  *addresses->peer, m.random, now);
    peer.sock = &s;
    peer.info.socket_id = peer.conn->local_socket_id();
    peer.info.address = *addresses->peer;
    peer.info.stream_id = config.connection.stream_id;
    peer.destination = s.udp.destination(*addresses->peer);
    m.add_peer(std::move(peer));
  }
  m.local = m.sockets.front()->udp.local_address();
  Reactor::Impl &r = reactor->impl();
  r.run_sync([&r, &m] {
    r.add(&m, -1);
    for (auto &s : m.sockets) r.add(s.get(), s->udp.fd());
  });
  r.wake_at(now);  // the first handshake goes out now
  return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
}

Endpoint::Endpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Endpoint::~Endpoint() {
  Impl &m = *impl_;
  m.reactor.run_sync([&m] { m.close_all(monotonic_now()); });
}

WaitStatus Endpoint::wait_connected(std::chrono::milliseconds timeout) {
  Impl &m = *impl_;
  std::unique_lock lock(m.mutex);
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (m.cancelled) return WaitStatus::kCancelled;
    if (m.any_connected()) return WaitStatus::kReady;
    if (m.error) return WaitStatus::kFailed;
    if (m.changed.wait_until(lock, until) == std::cv_status::timeout) {
      if (m.any_connected()) return WaitStatus::kReady;
      return m.cancelled ? WaitStatus::kCancelled : WaitStatus::kTimeout;
    }
  }
}

std::size_t Endpoint::send(std::span<const srt::ByteSpan> messages,
                           std::optional<srt::TimePoint> origin) {
  Impl &m = *impl_;
  std::optional<srt::TimePoint> wake;
  std::size_t reached = 0;
  {
    std::lock_guard lock(m.mutex);
    const srt::TimePoint now = monotonic_now();
    for (auto &peer : m.peers) {
      if (!peer.connected || peer.ended) continue;
      for (const auto &message : messages) peer.conn->send_message(now, message, origin);
      ++reached;
    }
    // A group puts each message on its links as its mode says.
    for (auto &g : m.groups) {
      if (!m.group_connected(*g)) continue;
      for (const auto &message : messages) g->group->send_message(now, message, origin);
      ++reached;
    }
    if (reached > 0) {
      m.last_app_send = now;
      wake = m.need_wake(now);
    }
  }
  if (wake) m.reactor.wake_at(*wake);
  return reached;
}

void Endpoint::set_stream_headers(std::span<const srt::ByteSpan> messages) {
  Impl &m = *impl_;
  std::optional<srt::TimePoint> wake;
  {
    std::lock_guard lock(m.mutex);
    m.stream_headers.clear();
    for (const auto &h : messages) m.stream_headers.emplace_back(h.begin(), h.end());
    if (!messages.empty()) {
      const srt::TimePoint now = monotonic_now();
      for (auto &peer : m.peers) {
        if (!peer.connected || peer.ended) continue;
        for (const auto &h : messages) peer.conn->send_message(now, h, std::nullopt);
      }
      for (auto &g : m.groups) {
        if (!m.group_connected(*g)) continue;
        for (const auto &h : messages) g->group->send_message(now, h, std::nullopt);
      }
      wake = m.need_wake(now);
    }
  }
  if (wake) m.reactor.wake_at(*wake);
}

std::optional<ReceivedMessage> Endpoint::receive(srt::MutableByteSpan out,
                                                 std::chrono::milliseconds timeout,
                                                 WaitStatus *status) {
  Impl &m = *impl_;
  WaitStatus local_status = WaitStatus::kTimeout;
  WaitStatus &st = status ? *status : local_status;
  std::unique_lock lock(m.mutex);
  const srt::TimePoint until = monotonic_now() + timeout;
  for (;;) {
    if (m.cancelled) {
      st = WaitStatus::kCancelled;
      return std::nullopt;
    }
    const srt::TimePoint now = monotonic_now();
    // Plain peers, then groups, taking turns.
    const std::size_t n = m.peers.size() + m.groups.size();
    std::optional<srt::TimePoint> next = until;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (m.round_robin + k) % n;
      std::optional<srt::MessageInfo> info;
      std::optional<srt::TimePoint> t;
      std::uint32_t socket_id = 0;
      if (i < m.peers.size()) {
        Impl::Peer &peer = m.peers[i];
        if (!peer.connected) continue;
        info = peer.conn->receive_message(now, out);
        if (!info) t = peer.conn->next_delivery_time();
        socket_id = peer.info.socket_id;
      } else {
        Impl::GroupPeer &g = *m.groups[i - m.peers.size()];
        if (!g.connected) continue;
        info = g.group->receive_message(now, out);
        if (!info) t = g.group->next_delivery_time();
        socket_id = g.info.socket_id;
      }
      if (info) {
        m.round_robin = i + 1;
        ReceivedMessage r{*info, socket_id};
        const auto wake = m.need_wake(now);
        lock.unlock();
        if (wake) m.reactor.wake_at(*wake);
        st = WaitStatus::kReady;
        return r;
      }
      // Wake a little after the message is due, so that one wake-up takes
      // the messages due meanwhile too (their delivery_time stays exact).
      if (t) *t += kDeliveryCoalesce;
      if (t && *t < *next) next = t;
    }
    if (m.error && !m.any_connected()) {
      st = WaitStatus::kFailed;
      return std::nullopt;
    }
    if (now >= until) {
      st = WaitStatus::kTimeout;
      return std::nullopt;
    }
    ++m.receivers_waiting;
    m.receivers_wake = std::min(m.receivers_wake, *next);
    m.changed.wait_until(lock, to_steady(*next));
    if (--m.receivers_waiting == 0) m.receivers_wake = srt::TimePoint::max();
  }
}

WaitStatus Endpoint::wait_sent(std::chrono::milliseconds timeout) {
  Impl &m = *impl_;
  std::unique_lock lock(m.mutex);
  const auto until = std::chrono::steady_clock::now() + timeout;
  ++m.drain_waiters;
  WaitStatus st = WaitStatus::kTimeout;
  for (;;) {
    if (m.cancelled) {
      st = WaitStatus::kCancelled;
      break;
    }
    if (m.all_sent(monotonic_now())) {
      st = WaitStatus::kReady;
      break;
    }
    if (m.changed.wait_until(lock, until) == std::cv_status::timeout) break;
  }
  --m.drain_waiters;
  return st;
}

void Endpoint::cancel() {
  std::lock_guard lock(impl_->mutex);
  impl_->cancelled = true;
  impl_->changed.notify_all();
}

void Endpoint::uncancel() {
  std::lock_guard lock(impl_->mutex);
  impl_->cancelled = false;
}

std::optional<EndpointError> Endpoint::error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->error;
}

srt::NetAddress Endpoint::local_address() const {
  return impl_->local;  // fixed at open()
}

std::vector<PeerInfo> Endpoint::peers() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<PeerInfo> out;
  for (const auto &p : impl_->peers)
    if (p.connected) out.push_back(p.info);
  for (const auto &g : impl_->groups) {
    if (!impl_->group_connected(*g)) continue;
    PeerInfo info = g->info;
    // Where the group is reached now: its first connected link's peer.
    for (const bond::LinkInfo &l : g->group->links()) {
      if (l.state == bond::LinkState::kIdle || l.state == bond::LinkState::kRunning) {
        info.address = l.spec.peer;
        break;
      }
    }
    out.push_back(info);
  }
  return out;
}

std::vector<std::pair<PeerInfo, srt::Stats>> Endpoint::stats() const {
  std::lock_guard lock(impl_->mutex);
  const srt::TimePoint now = monotonic_now();
  std::vector<std::pair<PeerInfo, srt::Stats>> out;
  for (const auto &p : impl_->peers)
    if (p.connected) out.emplace_back(p.info, p.conn->stats(now));
  return out;
}

std::optional<srt::Duration> Endpoint::recv_latency() const {
  std::lock_guard lock(impl_->mutex);
  for (const auto &p : impl_->peers)
    if (p.connected) return p.negotiated.recv_latency;
  for (const auto &g : impl_->groups)
    if (impl_->group_connected(*g)) return g->group->recv_latency();
  return std::nullopt;
}

EndpointCounters Endpoint::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace srtcore::io
