#include "sim/pipe.hpp"

#include <utility>

#include "sim/rng.hpp"

namespace srtcore::sim {

std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

Pipe::Pipe(LinkConfig a_to_b, LinkConfig b_to_a, TimePoint origin)
    : a_to_b_(std::move(a_to_b), origin), b_to_a_(std::move(b_to_a), origin) {}

Pipe Pipe::symmetric(const LinkConfig &config, TimePoint origin) {
  LinkConfig forward = config;
  LinkConfig backward = config;
  forward.seed = derive_seed(config.seed, 0);
  backward.seed = derive_seed(config.seed, 1);
  return Pipe(std::move(forward), std::move(backward), origin);
}

void Pipe::set_up(bool up) {
  a_to_b_.set_up(up);
  b_to_a_.set_up(up);
}

std::optional<TimePoint> Pipe::next_deadline() const {
  return earliest(a_to_b_.next_deadline(), b_to_a_.next_deadline());
}

}  // namespace srtcore::sim
