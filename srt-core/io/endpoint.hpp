// An SRT endpoint over real UDP sockets: the face that elements and
// applications use. A caller or rendezvous endpoint holds one connection; a
// listener endpoint serves many callers on one port, each its own
// connection. All socket work and every engine timer runs on the shared
// Reactor thread; the methods here are called from application threads
// (GStreamer streaming threads) and are thread-safe.
//
// Hand-off: send() and receive() lock the endpoint and call the connection
// engines directly (one copy into the send buffer, one copy out of the
// receive buffer, no intermediate queue); the reactor is woken through an
// eventfd when there is new work, and wakes blocked receivers when a
// message's delivery time comes.
//
// Bonding (EndpointConfig::bond): a bonded caller runs one bond::Group with
// one UDP socket per path, each bound to its local address; a bonded
// listener listens on several addresses and keeps one mirror group per
// bonded peer (bond::GroupAcceptor), next to its plain callers. Either way
// the application sees each group as one peer: send() hands a message to
// the group once, receive() delivers each message once, whichever link
// brought it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bond/group.hpp"
#include "srt/address.hpp"
#include "srt/connection.hpp"
#include "srt/listener.hpp"
#include "srt/stats.hpp"
#include "srt/time.hpp"

namespace srtcore::io {

class Reactor;

// CLOCK_MONOTONIC in the engines' time type.
srt::TimePoint monotonic_now();

enum class Mode : std::uint8_t { kCaller, kListener, kRendezvous };

// One path of a bonded endpoint (a member link of an SRT socket group).
struct LinkConfig {
  // Caller: the peer to reach. Listener: the address and port to listen on.
  std::string host;
  std::uint16_t port = 0;
  // Caller: where this path's socket binds (an interface's address ties the
  // path to it; "" / 0 = any / ephemeral).
  std::string local_address;
  std::uint16_t local_port = 0;
  std::uint16_t weight = 0;  // backup: higher is preferred
  // The text the application named the link by (a URI), reported back in
  // link information and signals.
  std::string name;
};

struct BondConfig {
  bond::GroupMode mode = bond::GroupMode::kBroadcast;
  // Caller: one entry per path (at least one). Listener: further addresses
  // to listen on besides host:port (may be empty).
  std::vector<LinkConfig> links;
  srt::Duration reconnect_min = std::chrono::milliseconds(100);
  srt::Duration reconnect_max = std::chrono::seconds(5);
};

struct EndpointConfig {
  Mode mode = Mode::kCaller;
  // Caller/rendezvous: the peer. Listener: the address to bind ("" = any,
  // "::" for IPv6 any).
  std::string host;
  std::uint16_t port = 0;
  // Caller/rendezvous: optional local binding ("" / 0 = any / ephemeral).
  std::string local_address;
  std::uint16_t local_port = 0;
  srt::ConnectionConfig connection;
  // Listener: serve every caller at once (a sink); otherwise callers beyond
  // the first are rejected with SRT_REJ_BACKLOG until it leaves (a source).
  bool serve_many = false;
  // Listener: callers served at once, at most (each further one is refused
  // with SRT_REJ_BACKLOG until one leaves).
  std::size_t max_connections = 1000;
  // Bonding. Caller: one socket group over bond->links (host/port above are
  // not used). Listener: accepts the members of callers' groups (libsrt
  // SRTO_GROUPCONNECT) and delivers each group as one peer, on host:port and
  // on every bond->links address. Rendezvous cannot bond.
  std::optional<BondConfig> bond;
};

// A member link of a bonded endpoint, for stats and signals.
struct LinkReport {
  std::uint32_t group_id = 0;  // our group (the PeerInfo socket_id of its peer)
  bond::LinkId id = 0;
  std::string name;       // LinkConfig::name (caller), "" when accepted
  srt::NetAddress local;  // the socket this link uses
  srt::NetAddress peer;
  bond::LinkState state = bond::LinkState::kPending;
  std::uint16_t weight = 0;
  srt::Stats stats;  // libsrt's per-socket names
};

struct PeerInfo {
  std::uint32_t socket_id = 0;  // our local id of the connection
  srt::NetAddress address;
  std::string stream_id;
};

// Called on the reactor thread; keep them short.
class EndpointObserver {
 public:
  virtual ~EndpointObserver() = default;
  // Listener: a caller's conclusion passed the cookie check. nullopt
  // accepts; a code (srt::RejectReason or >= 1000) refuses. Runs with the
  // endpoint locked: do not call the endpoint from here.
  virtual std::optional<std::uint32_t> on_caller_connecting(const srt::CallerRequest &) {
    return std::nullopt;
  }
  virtual void on_connected(const PeerInfo &, const srt::Negotiated &) {}
  virtual void on_rejected(const PeerInfo &, std::uint32_t /*code*/) {}
  // Shutdown, idle timeout or close: `detail` says which.
  virtual void on_disconnected(const PeerInfo &, const std::string & /*detail*/) {}
  // Bonded endpoints: a member link changed state (pending, idle, running,
  // broken); `detail` says why. Listener side: a member joined (from
  // kPending) or left (to kBroken) a group.
  virtual void on_link_state(const LinkReport & /*link*/, bond::LinkState /*from*/,
                             bond::LinkState /*to*/, const std::string & /*detail*/) {}
};

struct ReceivedMessage {
  srt::MessageInfo info;
  std::uint32_t socket_id = 0;  // which connection
};

// Input that never reached a connection engine (stray or hostile), and the
// socket's batching, for tests, stats and benchmarks.
struct EndpointCounters {
  std::uint64_t datagrams_received = 0;
  std::uint64_t too_short = 0;       // shorter than an SRT header
  std::uint64_t truncated = 0;       // larger than any SRT datagram
  std::uint64_t unknown_socket = 0;  // no connection with that destination id
  std::uint64_t wrong_peer = 0;      // a connection's id from another address
  std::uint64_t datagrams_sent = 0;
  std::uint64_t send_calls = 0;  // sendmmsg calls
  std::uint64_t gso_sends = 0;   // of which carried several datagrams (UDP GSO)
  std::uint64_t send_errors = 0;
  srt::ListenerStats listener;  // listener endpoints only
};

enum class WaitStatus : std::uint8_t { kReady, kTimeout, kCancelled, kFailed };

// A fatal condition for the endpoint, for element errors.
struct EndpointError {
  enum class Kind : std::uint8_t {
    kBadAddress,  // host did not resolve, port invalid
    kSocket,      // bind/socket failed (errno text in detail)
    kRejected,    // the peer refused: reject_code
    kTimeout,     // no answer within the connect timeout
    kBroken,      // connected, then the peer went silent or shut down
  };
  Kind kind;
  std::uint32_t reject_code = 0;
  std::string detail;
};

class Endpoint {
 public:
  // Resolves, binds and (caller/rendezvous) starts connecting. nullptr with
  // *error filled when the address or socket setup fails.
  static std::unique_ptr<Endpoint> open(std::shared_ptr<Reactor> reactor,
                                        const EndpointConfig &config, EndpointObserver *observer,
                                        EndpointError *error);
  ~Endpoint();  // closes every connection (shutdown sent) and the socket

  // Blocks until at least one connection is up (kReady), the timeout passes,
  // cancel() is called, or the endpoint failed (caller rejected/timed out).
  WaitStatus wait_connected(std::chrono::milliseconds timeout);

  // Sends each message (<= payload_size) to every connected peer. Returns
  // how many peers got them; 0 when none is connected. Messages the send
  // buffer cannot hold are dropped and counted in stats.
  std::size_t send(std::span<const srt::ByteSpan> messages,
                   std::optional<srt::TimePoint> origin = {});

  // Messages every peer gets before any other, as srtsink sends the caps
  // streamheader: to each peer connected now at once (before the next
  // send()), and to each peer that connects later when it does. Replaces the
  // previous set; empty clears it.
  void set_stream_headers(std::span<const srt::ByteSpan> messages);

  // Waits up to `timeout` for the next message due for delivery and copies
  // it into `out` (payload_size bytes suffice). nullopt with *status telling
  // why otherwise.
  std::optional<ReceivedMessage> receive(srt::MutableByteSpan out,
                                         std::chrono::milliseconds timeout, WaitStatus *status);

  // Waits until every connected peer has acknowledged everything sent (the
  // send buffers are empty), e.g. before closing at the end of a stream.
  // kReady also when no peer is connected.
  WaitStatus wait_sent(std::chrono::milliseconds timeout);

  // Unblocks wait_connected/receive/wait_sent (element unlock); uncancel()
  // re-arms.
  void cancel();
  void uncancel();

  // The first fatal error, if any (sticky).
  std::optional<EndpointError> error() const;

  // The local address actually bound (port 0 resolved).
  srt::NetAddress local_address() const;
  std::vector<PeerInfo> peers() const;
  // Per connection, libsrt-style.
  std::vector<std::pair<PeerInfo, srt::Stats>> stats() const;
  // Negotiated receive latency of the first connection (for latency queries).
  std::optional<srt::Duration> recv_latency() const;
  EndpointCounters counters() const;

  // ---- Bonding (EndpointConfig::bond) ----
  // Caller: opens one more path of the group (binding its socket); false
  // with *error when the address does not resolve or bind.
  bool add_link(const LinkConfig &link, EndpointError *error);
  // Caller: closes the path named `name` (LinkConfig::name); false when
  // there is none.
  bool remove_link(const std::string &name);
  // Every member link of every group of this endpoint, with its stats.
  std::vector<LinkReport> links() const;
  // Per group (caller: one; listener: one per bonded peer): its id and
  // totals.
  std::vector<std::pair<std::uint32_t, bond::GroupStats>> group_stats() const;

 private:
  struct Impl;
  explicit Endpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One thread running epoll over every endpoint's socket and every engine's
// deadline (timerfd), with recvmmsg/sendmmsg (UDP GSO where the kernel has
// it). Shared by all endpoints of a process unless a test makes its own.
class Reactor {
 public:
  static std::shared_ptr<Reactor> shared();
  Reactor();
  ~Reactor();
  Reactor(const Reactor &) = delete;
  Reactor &operator=(const Reactor &) = delete;

  struct Impl;
  Impl &impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace srtcore::io
