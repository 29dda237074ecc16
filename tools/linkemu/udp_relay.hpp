// UDP relay that passes datagrams through two sim::LinkModels: client ->
// listen socket -> forward model -> target, and target -> backward model ->
// the last client heard from. One thread, nonblocking sockets, ppoll() timed
// by the models' deadlines on CLOCK_MONOTONIC.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "sim/link_config.hpp"
#include "sim/link_model.hpp"
#include "sim/link_stats.hpp"
#include "socket_address.hpp"
#include "io/unique_fd.hpp"

namespace srtcore::linkemu {

class RelayBatch;

using io::UniqueFd;  // one RAII fd type for the project

struct RelayConfig {
  std::string listen = "127.0.0.1:0";  // port 0: pick one, read it back with listen_address()
  std::string target;
  sim::LinkConfig forward;   // client -> target
  sim::LinkConfig backward;  // target -> client
  // Every datagram the relay takes in, with its fate (tests record loss
  // patterns with it). Called on the relay thread with its lock held: keep
  // it short and do not call back into the relay.
  std::function<void(bool forward, std::span<const std::uint8_t> bytes, sim::Fate fate)>
      on_datagram;
  // A scripted loss pattern: datagrams it returns true for are lost before
  // the link model sees them (reported as lost_random), so that two runs
  // can lose exactly the same packets. Same thread and lock as on_datagram.
  std::function<bool(bool forward, std::span<const std::uint8_t> bytes)> drop;
};

struct DirectionStats {
  sim::LinkStats link;
  std::uint64_t send_failed = 0;  // due but refused by the kernel, or no client to send to
};

struct RelayStats {
  DirectionStats forward;
  DirectionStats backward;
};

// "forward in=.. delivered=.. ... send_failed=.." (one direction, one line).
std::string format_direction(const char *name, const DirectionStats &stats);

class UdpRelay {
 public:
  // Binds and connects the sockets; throws std::invalid_argument for bad
  // addresses and std::system_error for socket failures. Time zero of the
  // cut schedules is the moment of construction.
  explicit UdpRelay(const RelayConfig &config);
  ~UdpRelay();
  UdpRelay(const UdpRelay &) = delete;
  UdpRelay &operator=(const UdpRelay &) = delete;

  SocketAddress listen_address() const { return listen_address_; }

  // Runs the relay on a background thread until stop().
  void start();
  // Runs the relay in the calling thread until stop() from another thread.
  void run();
  // Thread-safe; joins the background thread if start() made one.
  void stop();

  // Link down / up in both directions (thread-safe); takes effect for every
  // datagram the relay reads after the call returns.
  void cut();
  void restore();

  RelayStats stats() const;
  // Waits until `done(stats)` holds, re-checked after every relay turn.
  bool wait_for(const std::function<bool(const RelayStats &)> &done,
                std::chrono::milliseconds timeout) const;

 private:
  friend class RelayGroup;  // serves many relays on one thread

  static sim::TimePoint now();  // CLOCK_MONOTONIC, the models' time base

  void set_up(bool up);
  void wake() const;
  void turn(RelayBatch &batch, bool listen_ready, bool upstream_ready);
  void receive(RelayBatch &batch, int fd, sim::LinkModel &link, bool from_client,
               sim::TimePoint now);
  void flush(RelayBatch &batch, int fd, DirectionStats &stats, sim::LinkModel &link,
             const SocketAddress *destination, sim::TimePoint now);
  RelayStats stats_locked() const;

  UniqueFd listen_fd_;
  UniqueFd upstream_fd_;
  UniqueFd wake_fd_;
  SocketAddress listen_address_;
  SocketAddress target_address_;

  mutable std::mutex mutex_;
  mutable std::condition_variable turned_;  // after every relay turn
  sim::TimePoint origin_;
  sim::LinkModel forward_;
  sim::LinkModel backward_;
  DirectionStats forward_stats_;
  DirectionStats backward_stats_;
  std::optional<SocketAddress> client_;
  std::function<void(bool, std::span<const std::uint8_t>, sim::Fate)> on_datagram_;
  std::function<bool(bool, std::span<const std::uint8_t>)> drop_;

  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace srtcore::linkemu
