// Endpoint's inside: the sockets, the engines and the state both threads
// share. The reactor thread feeds datagrams and timers in (endpoint_io.cpp);
// application threads send, receive and wait (endpoint.cpp); bonding's
// groups, paths and reports are in endpoint_bond.cpp. One mutex guards the
// engines; each side takes it once per batch.
//
// Sockets: a plain caller or rendezvous endpoint has one; a listener one
// per listening address (host:port, and every bond link address), each with
// its own srt::Listener; a bonded caller one per path (link), connected to
// that path's peer. Each socket is its own ReactorClient (its fd, its send
// batch); the Impl itself is a timer-only client that runs every engine.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bond/acceptor.hpp"
#include "bond/group.hpp"
#include "io/datagram_batch.hpp"
#include "io/endpoint.hpp"
#include "io/reactor_impl.hpp"
#include "io/udp_socket.hpp"
#include "srt/connection.hpp"
#include "srt/listener.hpp"
#include "srt/random.hpp"

namespace srtcore::io {

// Data handed over by send() goes out within this time rather than at
// once, so that consecutive messages share one wake-up and one (GSO) send.
// Small against any SRT latency.
inline constexpr srt::Duration kSendCoalesce = std::chrono::milliseconds(1);
// A receiver waits this long past a message's delivery time, to take the
// messages due meanwhile in the same wake-up.
inline constexpr srt::Duration kDeliveryCoalesce = std::chrono::microseconds(500);
// How long after the last send() the reactor keeps that cadence.
inline constexpr srt::Duration kStreamingHold = std::chrono::milliseconds(20);
// A removed path's socket closes once its shutdown went out, or after this.
inline constexpr srt::Duration kRetireTimeout = std::chrono::seconds(1);

// A bonded caller's path: its socket, bound where the path says, and the
// peer it reaches (endpoint.cpp). Errors as for Endpoint::open.
struct CallerPath {
  UdpSocket socket;
  srt::NetAddress peer;
};
std::optional<CallerPath> open_caller_path(const LinkConfig &link, EndpointError *error);

struct Endpoint::Impl final : ReactorClient {
  Impl(std::shared_ptr<Reactor> reactor, const EndpointConfig &config, EndpointObserver *observer);
  ~Impl() override = default;

  // One UDP socket and its send batch (a batch is per socket: flushed per
  // socket). Reactor thread only, except where noted.
  struct Socket final : ReactorClient {
    Socket(Impl &o, UdpSocket s) : owner(o), udp(std::move(s)) {}
    void on_readable(srt::TimePoint now) override { owner.read(*this, now); }
    void on_writable(srt::TimePoint) override { owner.writable(*this); }
    // The owner's on_tick does the work for every socket.
    std::optional<srt::TimePoint> on_tick(srt::TimePoint) override { return std::nullopt; }

    Impl &owner;
    UdpSocket udp;
    SendBatch out;
    bool blocked = false;  // the socket buffer is full: wait for EPOLLOUT
    // Listener endpoints: the listener of this address (engine: under the
    // mutex).
    std::optional<srt::Listener> listener;
    // Bonded caller: the link (path) this socket carries.
    std::optional<bond::LinkId> link;
    // remove_link: closed once the link's last datagram went out.
    bool retiring = false;
    std::uint32_t retire_socket_id = 0;
    srt::TimePoint retire_by{};
  };

  // ---- reactor side (endpoint_io.cpp) ----
  void read(Socket &s, srt::TimePoint now);
  void writable(Socket &s);
  // The Impl has no socket of its own: a timer-only client.
  void on_readable(srt::TimePoint) override {}
  void on_writable(srt::TimePoint) override {}
  std::optional<srt::TimePoint> on_tick(srt::TimePoint now) override;
  // Shutdown to every peer, sockets flushed, clients removed (reactor thread).
  void close_all(srt::TimePoint now);

  struct Peer {
    std::unique_ptr<srt::Connection> conn;
    Socket *sock = nullptr;  // the socket it talks through
    PeerInfo info;
    SockAddr destination;
    srt::Negotiated negotiated;
    bool connected = false;
    bool ended = false;  // closed/broken/rejected: dropped once its last datagram went
  };

  // A member link of a group as the I/O sees it.
  struct LinkSlot {
    std::string name;  // LinkConfig::name (caller links)
    srt::NetAddress local;
    srt::NetAddress peer;
    Socket *sock = nullptr;  // reactor thread only
    SockAddr destination;
    std::uint32_t accepted_socket_id = 0;  // listener: for Listener::forget
    bool removed = false;                  // remove_link: gone from reports
  };

  // A socket group: the caller's one, or one per bonded peer of a listener.
  // The application sees it as one peer (PeerInfo::socket_id = its id).
  struct GroupPeer {
    bond::Group *group = nullptr;
    std::unique_ptr<bond::Group> owned;  // caller; the acceptor owns the listener's
    PeerInfo info;
    srt::Negotiated negotiated;
    bool connected = false;
    bool ended = false;             // broken (caller) or closed (listener: every member gone)
    std::uint32_t reject_code = 0;  // the last refusal of a link
    std::map<bond::LinkId, LinkSlot> links;
  };

  // Reactor side helpers, with `mutex` held.
  void dispatch(srt::TimePoint now, Socket &s, const RecvBatch &in, std::size_t index);
  void accept_from_listener(srt::TimePoint now, Socket &s, const srt::NetAddress &from,
                            srt::ByteSpan bytes);
  void transmit(srt::TimePoint now, Peer &peer);
  void take_events(srt::TimePoint now, Peer &peer);
  void flush(Socket &s);  // sends its batch (no lock needed: reactor thread only)
  void flush_all();
  Peer *find_peer(std::uint32_t socket_id);
  void add_peer(Peer peer);
  void drop_ended_peers();  // those whose last datagram went
  bool any_blocked() const;
  void update_counters();

  // ---- groups (endpoint_bond.cpp), reactor side with `mutex` held ----
  void transmit_group(srt::TimePoint now, GroupPeer &gp);
  void take_group_events(srt::TimePoint now, GroupPeer &gp);
  // Listener: a member the Listener accepted on `s` joins its group.
  void adopt_member(srt::TimePoint now, Socket &s, const srt::NetAddress &from,
                    std::unique_ptr<srt::Connection> conn);
  // Listener: groups whose members are all gone are reported and dropped
  // (before the acceptor may drop them itself).
  void retire_closed_groups(srt::TimePoint now);
  // Bonded caller: sockets of removed links whose shutdown went out.
  void retire_sockets(srt::TimePoint now);
  // Listener: slots of members the group dropped.
  void forget_removed_members(GroupPeer &gp);
  LinkReport link_report(srt::TimePoint now, const GroupPeer &gp, bond::LinkId link) const;
  GroupPeer *caller_group();
  bool group_connected(const GroupPeer &gp) const { return gp.connected && !gp.ended; }

  // Observer calls gathered under the lock, made after it is released.
  struct Notice {
    enum class Kind : std::uint8_t { kConnected, kRejected, kDisconnected, kLinkState } kind;
    PeerInfo peer;
    srt::Negotiated negotiated;
    std::uint32_t code = 0;
    std::string detail;
    LinkReport link;
    bond::LinkState from = bond::LinkState::kPending;
    bond::LinkState to = bond::LinkState::kPending;
  };
  void notify_observer();

  // ---- application side (endpoint.cpp), with `mutex` held ----
  // After an engine call from an application thread: make sure the reactor
  // looks at the engines by their new deadline. Returns the time to pass to
  // Reactor::Impl::wake_at after unlocking, if any.
  std::optional<srt::TimePoint> need_wake(srt::TimePoint now);
  bool any_connected() const;
  bool all_sent(srt::TimePoint now) const;
  // Decides a caller's conclusion for every listening socket.
  std::optional<std::uint32_t> on_caller_request(const srt::CallerRequest &request);

  std::shared_ptr<Reactor> reactor_owner;
  Reactor::Impl &reactor;
  const EndpointConfig config;
  EndpointObserver *const observer;
  srt::SystemRandom random;
  srt::NetAddress local;  // the first socket's address, fixed at open()

  // Reactor thread only (and open() before registration).
  std::vector<std::unique_ptr<Socket>> sockets;
  std::vector<Notice> notices;

  mutable std::mutex mutex;
  std::condition_variable changed;  // connected, message due, failure, cancel
  std::vector<Peer> peers;
  // Socket id -> index in peers: a datagram finds its connection in constant
  // time however many callers a listener serves.
  std::unordered_map<std::uint32_t, std::size_t> peer_index;
  // Stream headers (Endpoint::set_stream_headers): sent to each peer first.
  std::vector<std::vector<std::uint8_t>> stream_headers;
  std::vector<std::unique_ptr<GroupPeer>> groups;
  std::unique_ptr<bond::GroupAcceptor> acceptor;  // bonded listener
  std::optional<EndpointError> error;
  bool cancelled = false;
  bool closing = false;
  std::size_t round_robin = 0;
  EndpointCounters counters;     // demux fields here; socket fields copied each turn
  UdpSocketStats retired_stats;  // of sockets closed with their paths
  // When the reactor will next run on_tick for us (its last answer, or a
  // sooner request from an application thread).
  srt::TimePoint planned = srt::TimePoint::min();
  // The last send() with data: while the application streams, the reactor
  // looks every kSendCoalesce by itself, so send() needs no wake-up call.
  srt::TimePoint last_app_send = srt::TimePoint::min();
  // Receivers blocked in receive(): the earliest time one will look again.
  std::size_t receivers_waiting = 0;
  std::size_t drain_waiters = 0;  // threads in wait_sent(): woken every turn
  srt::TimePoint receivers_wake = srt::TimePoint::max();
};

}  // namespace srtcore::io
