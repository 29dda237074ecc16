// An in-process linkemu relay to 127.0.0.1:port with the same random loss
// and delay each way (seeds `seed` forward, `seed + 1` backward), started.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "udp_relay.hpp"

inline std::unique_ptr<srtcore::linkemu::UdpRelay> relay_to(std::uint16_t port, double loss,
                                                            std::chrono::milliseconds delay,
                                                            std::uint64_t seed) {
  srtcore::linkemu::RelayConfig config;
  config.target = "127.0.0.1:" + std::to_string(port);
  for (auto *dir : {&config.forward, &config.backward}) {
    dir->loss = loss;
    dir->delay = delay;
  }
  config.forward.seed = seed;
  config.backward.seed = seed + 1;
  auto relay = std::make_unique<srtcore::linkemu::UdpRelay>(config);
  relay->start();
  return relay;
}
