// One direction of a simulated network path, sans-I/O: datagrams go in with
// the time they were sent and come out of poll() at the time they arrive.
//
//   link.send(now, bytes);                       // input
//   while (auto d = link.poll(now)) deliver(*d); // output due by `now`
//   timer = link.next_deadline();                // when to poll again
//
// Stages, in order: cut (link down) -> rate queue (tail drop) -> burst loss ->
// random loss -> delay + jitter (+ reorder hold) -> duplication. Every random
// decision comes from a seeded generator, so a seed replays exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sim/gilbert_elliott.hpp"
#include "sim/link_config.hpp"
#include "sim/link_stats.hpp"
#include "sim/rate_queue.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace srtcore::sim {

struct Datagram {
  TimePoint due;  // arrival time at the far end
  std::vector<std::uint8_t> bytes;
};

// What happened to a datagram handed to send().
enum class Fate {
  in_flight,  // will come out of poll() (possibly twice, if duplicated)
  lost_random,
  lost_burst,
  dropped_queue,
  dropped_cut,
};

class LinkModel {
 public:
  // `origin` is time zero for the cut schedule.
  explicit LinkModel(LinkConfig config, TimePoint origin = TimePoint{});

  // A datagram enters the link at `now` (a `now` earlier than a previous one
  // is treated as that previous one).
  Fate send(TimePoint now, std::span<const std::uint8_t> datagram);

  // Next datagram due at or before `now`, in arrival order (ties in send order).
  std::optional<Datagram> poll(TimePoint now);

  // Arrival time of the next datagram, if any is in flight.
  std::optional<TimePoint> next_deadline() const;

  // Commanded link state; the link is up only when commanded up and outside
  // every scheduled cut. Datagrams already in flight are not affected.
  void set_up(bool up) { commanded_up_ = up; }
  bool is_up(TimePoint now) const;

  // Gives a delivered datagram's buffer back for reuse (optional).
  void recycle(std::vector<std::uint8_t> &&buffer);

  const LinkStats &stats() const { return stats_; }
  const LinkConfig &config() const { return config_; }
  std::size_t in_flight_bytes() const { return in_flight_bytes_; }

 private:
  struct InFlight {
    TimePoint due;
    std::uint64_t order;     // tie-break: equal arrival times leave in send order
    std::uint64_t input_no;  // which send() it came from, to count reordering
    std::vector<std::uint8_t> bytes;
  };

  static bool later(const InFlight &a, const InFlight &b);
  TimePoint arrival(TimePoint departs, bool hold_back);
  Duration jitter_offset();
  void enqueue(TimePoint due, std::uint64_t input_no, std::span<const std::uint8_t> bytes);

  LinkConfig config_;
  TimePoint origin_;
  bool commanded_up_ = true;
  TimePoint last_now_ = TimePoint::min();

  // One generator per impairment, so enabling one leaves the others' draws alone.
  Xoshiro256 loss_rng_;
  Xoshiro256 burst_rng_;
  Xoshiro256 jitter_rng_;
  Xoshiro256 reorder_rng_;
  Xoshiro256 dup_rng_;

  std::optional<GilbertElliottChannel> burst_;
  RateQueue rate_queue_;
  TimePoint fifo_floor_{};  // latest in-order arrival handed out so far

  std::vector<InFlight> heap_;  // min-heap on (due, order)
  std::size_t in_flight_bytes_ = 0;
  std::uint64_t next_order_ = 0;
  std::uint64_t highest_delivered_input_ = 0;  // 0: none yet (inputs count from 1)
  std::vector<std::vector<std::uint8_t>> spare_buffers_;

  LinkStats stats_;
};

}  // namespace srtcore::sim
