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
                     EndpointObserver *obs, UdpSocket sock)
    : reactor_owner(std::move(owner)),
      reactor(reactor_owner->impl()),
      config(cfg),
      observer(obs),
      socket(std::move(sock)) {}

bool Endpoint::Impl::any_connected() const {
  return std::any_of(peers.begin(), peers.end(), [](const Peer &p) { return p.connected; });
}

bool Endpoint::Impl::all_sent(srt::TimePoint now) const {
  return std::all_of(peers.begin(), peers.end(), [now](const Peer &p) {
    return !p.connected || p.conn->stats(now).pktSndBuf == 0;
  });
}

std::optional<srt::TimePoint> Endpoint::Impl::need_wake(srt::TimePoint now) {
  std::optional<srt::TimePoint> earliest;
  for (const auto &p : peers) {
    const auto d = p.conn->next_timer_deadline();
    if (d && (!earliest || *d < *earliest)) earliest = d;
  }
  if (!earliest || *earliest >= planned) return std::nullopt;
  planned = std::max(*earliest, now + kSendCoalesce);
  return planned;
}

std::unique_ptr<Endpoint> Endpoint::open(std::shared_ptr<Reactor> reactor,
                                         const EndpointConfig &config, EndpointObserver *observer,
                                         EndpointError *error) {
  if (!reactor) reactor = Reactor::shared();
  if (config.connection.mss > kMaxSendDatagram || config.connection.mss < 76) {
    if (error) *error = *bad_address("MSS must be between 76 and 1500 bytes");
    return nullptr;
  }
  auto addresses = plan_addresses(config, error);
  if (!addresses) return nullptr;

  UdpSocketOptions options;
  options.reuse_address = config.mode == Mode::kRendezvous;
  std::string why;
  auto socket = UdpSocket::open(addresses->local, addresses->peer, options, &why);
  if (!socket) {
    if (error) *error = EndpointError{EndpointError::Kind::kSocket, 0, why};
    return nullptr;
  }

  EndpointConfig effective = config;
  if (effective.connection.pacing_burst == srt::ConnectionConfig{}.pacing_burst)
    effective.connection.pacing_burst = pacing_burst(effective.connection);
  auto impl = std::make_unique<Impl>(reactor, effective, observer, std::move(*socket));
  Impl &m = *impl;
  const srt::TimePoint now = monotonic_now();
  const srt::NetAddress local = m.socket.local_address();
  if (config.mode == Mode::kListener) {
    srt::ListenerConfig lc;
    lc.connection = m.config.connection;
    lc.backlog = config.backlog;
    m.listener.emplace(lc, local, m.random);
    // Runs on the reactor thread with the endpoint locked.
    m.listener->set_accept_callback(
        [&m](const srt::CallerRequest &request) -> std::optional<std::uint32_t> {
          std::optional<std::uint32_t> code;
          const auto live = std::count_if(m.peers.begin(), m.peers.end(),
                                          [](const Impl::Peer &p) { return !p.ended; });
          if (m.closing) {
            code = static_cast<std::uint32_t>(srt::RejectReason::kClose);
          } else if (!m.config.serve_many && live > 0) {
            code = static_cast<std::uint32_t>(srt::RejectReason::kBacklog);
          } else if (m.observer != nullptr) {
            code = m.observer->on_caller_connecting(request);
          }
          if (code) {
            PeerInfo info{0, request.peer, request.stream_id};
            m.notices.push_back({Impl::Notice::Kind::kRejected, info, {}, *code, {}});
          }
          return code;
        });
  } else {
    Impl::Peer peer;
    const auto role =
        config.mode == Mode::kRendezvous ? srt::Role::kRendezvous : srt::Role::kCaller;
    peer.conn = std::make_unique<srt::Connection>(m.config.connection, role, local,
                                                  *addresses->peer, m.random, now);
    peer.info.socket_id = peer.conn->local_socket_id();
    peer.info.address = *addresses->peer;
    peer.info.stream_id = config.connection.stream_id;
    peer.destination = m.socket.destination(*addresses->peer);
    m.peers.push_back(std::move(peer));
  }
  Reactor::Impl &r = reactor->impl();
  r.run_sync([&r, &m] { r.add(&m, m.socket.fd()); });
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
    if (reached > 0) {
      m.last_app_send = now;
      wake = m.need_wake(now);
    }
  }
  if (wake) m.reactor.wake_at(*wake);
  return reached;
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
    const std::size_t n = m.peers.size();
    std::optional<srt::TimePoint> next = until;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (m.round_robin + k) % n;
      Impl::Peer &peer = m.peers[i];
      if (!peer.connected) continue;
      if (auto info = peer.conn->receive_message(now, out)) {
        m.round_robin = i + 1;
        ReceivedMessage r{*info, peer.info.socket_id};
        const auto wake = m.need_wake(now);
        lock.unlock();
        if (wake) m.reactor.wake_at(*wake);
        st = WaitStatus::kReady;
        return r;
      }
      auto t = peer.conn->next_delivery_time();
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
  return impl_->socket.local_address();  // fixed at open()
}

std::vector<PeerInfo> Endpoint::peers() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<PeerInfo> out;
  for (const auto &p : impl_->peers)
    if (p.connected) out.push_back(p.info);
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
  return std::nullopt;
}

EndpointCounters Endpoint::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace srtcore::io
