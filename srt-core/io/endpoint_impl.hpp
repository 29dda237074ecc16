// Endpoint's inside: the socket, the engines and the state both threads
// share. The reactor thread feeds datagrams and timers in (endpoint_io.cpp);
// application threads send, receive and wait (endpoint.cpp). One mutex
// guards the engines; each side takes it once per batch.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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

struct Endpoint::Impl final : ReactorClient {
  Impl(std::shared_ptr<Reactor> reactor, const EndpointConfig &config, EndpointObserver *observer,
       UdpSocket socket);
  ~Impl() override = default;

  // ---- reactor side (endpoint_io.cpp) ----
  void on_readable(srt::TimePoint now) override;
  void on_writable(srt::TimePoint now) override;
  std::optional<srt::TimePoint> on_tick(srt::TimePoint now) override;
  // Shutdown to every peer, sockets flushed, client removed (reactor thread).
  void close_all(srt::TimePoint now);

  struct Peer {
    std::unique_ptr<srt::Connection> conn;
    PeerInfo info;
    SockAddr destination;
    srt::Negotiated negotiated;
    bool connected = false;
    bool ended = false;  // closed/broken/rejected: dropped once its last datagram went
  };

  // Reactor side helpers, with `mutex` held.
  void dispatch(srt::TimePoint now, const RecvBatch &in, std::size_t index);
  void accept_from_listener(srt::TimePoint now, const srt::NetAddress &from, srt::ByteSpan bytes);
  void transmit(srt::TimePoint now, Peer &peer);
  void take_events(Peer &peer);
  void flush();  // sends `out` (no lock needed: reactor thread only)
  Peer *find_peer(std::uint32_t socket_id);

  // Observer calls gathered under the lock, made after it is released.
  struct Notice {
    enum class Kind : std::uint8_t { kConnected, kRejected, kDisconnected } kind;
    PeerInfo peer;
    srt::Negotiated negotiated;
    std::uint32_t code = 0;
    std::string detail;
  };
  void notify_observer();

  // ---- application side (endpoint.cpp), with `mutex` held ----
  // After an engine call from an application thread: make sure the reactor
  // looks at the engines by their new deadline. Returns the time to pass to
  // Reactor::Impl::wake_at after unlocking, if any.
  std::optional<srt::TimePoint> need_wake(srt::TimePoint now);
  bool any_connected() const;
  bool all_sent(srt::TimePoint now) const;

  std::shared_ptr<Reactor> reactor_owner;
  Reactor::Impl &reactor;
  const EndpointConfig config;
  EndpointObserver *const observer;
  srt::SystemRandom random;

  // Reactor thread only.
  UdpSocket socket;
  SendBatch out;
  bool blocked = false;  // the socket buffer is full: wait for EPOLLOUT
  std::vector<Notice> notices;
  std::uint8_t reply[kMaxSendDatagram] = {};

  mutable std::mutex mutex;
  std::condition_variable changed;  // connected, message due, failure, cancel
  std::optional<srt::Listener> listener;
  std::vector<Peer> peers;
  std::optional<EndpointError> error;
  bool cancelled = false;
  bool closing = false;
  std::size_t round_robin = 0;
  EndpointCounters counters;  // demux fields here; socket fields copied each turn
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
