// Many UdpRelays served by a few threads (each with one epoll set and one
// batch buffer), for benchmarks and tests that emulate a link per
// connection: a hundred relay threads on two CPUs would take the CPU the
// transports under test need (the network they stand for costs the host
// nothing), while a single thread gets only its one share of a busy machine.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "udp_relay.hpp"

namespace srtcore::linkemu {

class RelayGroup {
 public:
  // Relays are dealt to `threads` threads in turn.
  explicit RelayGroup(std::size_t threads = 1);
  ~RelayGroup();
  RelayGroup(const RelayGroup &) = delete;
  RelayGroup &operator=(const RelayGroup &) = delete;

  // Before start() only. Throws as the UdpRelay constructor does.
  UdpRelay &add(const RelayConfig &config);
  std::size_t size() const { return relays_.size(); }
  UdpRelay &at(std::size_t i) { return *relays_.at(i); }

  // Runs the relays on the group's threads until stop().
  void start();
  void stop();

 private:
  struct Shard {
    Shard();
    UniqueFd epoll_fd;
    UniqueFd wake_fd;
    std::vector<UdpRelay *> relays;
    std::thread thread;
  };
  void run(Shard &shard);

  std::vector<std::unique_ptr<UdpRelay>> relays_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<bool> stopping_{false};
};

}  // namespace srtcore::linkemu
