// What a simulated link does to the datagrams it carries. Probabilities are in
// [0, 1]; durations are nanoseconds; a default LinkConfig is a perfect link.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sim/time.hpp"

namespace srtcore::sim {

// Two-state Gilbert-Elliott loss: the chain moves once per datagram, so a bad
// spell lasts 1/r datagrams on average and the long-run share of bad state is
// p / (p + r).
struct GilbertElliott {
  double p = 0.0;          // good -> bad, per datagram
  double r = 1.0;          // bad -> good, per datagram
  double loss_good = 0.0;  // loss probability while good
  double loss_bad = 1.0;   // loss probability while bad
};

enum class JitterShape {
  uniform,  // offset uniform in [-jitter, +jitter]
  normal,   // offset normal with sigma = jitter, clipped to +-3 sigma
};

// Link down over [start, end), measured from the model's origin.
struct CutInterval {
  Duration start{};
  Duration end{};
};

struct LinkConfig {
  std::uint64_t seed = 1;

  double loss = 0.0;  // independent random loss
  std::optional<GilbertElliott> burst;

  Duration delay{};   // fixed one-way propagation delay
  Duration jitter{};  // added to delay per datagram; total never below zero
  JitterShape jitter_shape = JitterShape::uniform;
  // False keeps FIFO order (a datagram never overtakes an earlier one, as on
  // one path); true lets jitter reorder as on a multi-path network.
  bool jitter_reorders = false;

  // Probability that a datagram is held back by reorder_delay so that later
  // datagrams overtake it.
  double reorder = 0.0;
  Duration reorder_delay = std::chrono::milliseconds(5);

  double duplicate = 0.0;  // probability a second copy is delivered too

  std::uint64_t rate_bps = 0;                      // bottleneck rate; 0 = unlimited
  std::size_t queue_bytes = std::size_t{1} << 20;  // bottleneck queue; tail drop when full

  std::vector<CutInterval> cuts;  // scheduled black-outs

  // Bound on datagram bytes held for delivery (large delays at high rates);
  // the excess is dropped and counted as dropped_queue.
  std::size_t max_in_flight_bytes = std::size_t{64} << 20;
};

}  // namespace srtcore::sim
