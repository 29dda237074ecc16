// Many UdpRelays served by one thread (one epoll set, one batch buffer), for
// benchmarks that emulate a link per connection: a hundred relay threads on
// two CPUs would take the CPU the transports under test need, and the
// network they stand for costs the host nothing.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "udp_relay.hpp"

namespace srtcore::linkemu {

class RelayGroup {
 public:
  RelayGroup();
  ~RelayGroup();
  RelayGroup(const RelayGroup &) = delete;
  RelayGroup &operator=(const RelayGroup &) = delete;

  // Before start() only. Throws as the UdpRelay constructor does.
  UdpRelay &add(const RelayConfig &config);
  std::size_t size() const { return relays_.size(); }
  UdpRelay &at(std::size_t i) { return *relays_.at(i); }

  // Runs every relay on one background thread until stop().
  void start();
  void stop();

 private:
  void run();

  std::vector<std::unique_ptr<UdpRelay>> relays_;
  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace srtcore::linkemu
