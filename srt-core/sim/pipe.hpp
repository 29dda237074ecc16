// Virtual-time helpers for simulations: a two-way path made of two
// independent LinkModels, and deadline arithmetic for event loops.
//
//   Pipe path = Pipe::symmetric(config);
//   path.a_to_b().send(now, bytes_from_a);
//   while (auto d = path.a_to_b().poll(now)) b.handle_datagram(d->due, d->bytes);
//   now = *earliest(path.next_deadline(), engine_deadlines);
#pragma once

#include <optional>

#include "sim/link_config.hpp"
#include "sim/link_model.hpp"
#include "sim/time.hpp"

namespace srtcore::sim {

// The earlier of two optional deadlines (nullopt means "none").
std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b);

class Pipe {
 public:
  Pipe(LinkConfig a_to_b, LinkConfig b_to_a, TimePoint origin = TimePoint{});
  // Same impairments both ways, each direction with its own seed derived from config.seed.
  static Pipe symmetric(const LinkConfig &config, TimePoint origin = TimePoint{});

  LinkModel &a_to_b() { return a_to_b_; }
  LinkModel &b_to_a() { return b_to_a_; }
  const LinkModel &a_to_b() const { return a_to_b_; }
  const LinkModel &b_to_a() const { return b_to_a_; }

  // Cuts or restores both directions, as a broken cable would.
  void set_up(bool up);
  std::optional<TimePoint> next_deadline() const;

 private:
  LinkModel a_to_b_;
  LinkModel b_to_a_;
};

}  // namespace srtcore::sim
