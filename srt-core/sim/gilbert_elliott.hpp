// Gilbert-Elliott burst-loss channel, stepped once per datagram.
#pragma once

#include "sim/link_config.hpp"
#include "sim/rng.hpp"

namespace srtcore::sim {

class GilbertElliottChannel {
 public:
  explicit GilbertElliottChannel(const GilbertElliott &params) : params_(params) {}

  // Decides the datagram's fate in the current state, then moves the chain,
  // so a bad spell of n datagrams loses n in a row when loss_bad = 1.
  bool lose(Xoshiro256 &rng) {
    const bool lost = rng.chance(bad_ ? params_.loss_bad : params_.loss_good);
    bad_ = bad_ ? !rng.chance(params_.r) : rng.chance(params_.p);
    return lost;
  }
  bool bad() const { return bad_; }

 private:
  GilbertElliott params_;
  bool bad_ = false;
};

}  // namespace srtcore::sim
