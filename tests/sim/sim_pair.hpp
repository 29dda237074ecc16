// Two real SRT connections joined by a simulated two-way path (srt-core/sim
// Pipe) in virtual time: a caller and a Listener (with the connection it
// accepts), or two rendezvous peers. The test drives the application side
// through callbacks and observes every datagram as it arrives.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sim/pipe.hpp"
#include "srt/connection.hpp"
#include "srt/listener.hpp"
#include "srt/random.hpp"

namespace srtcore::srt::simtest {

struct PairConfig {
  std::uint64_t seed = 1;
  sim::LinkConfig link;  // both directions (each with its own derived seed)
  bool rendezvous = false;
  ConnectionConfig a;                // the caller (or first rendezvous peer)
  ConnectionConfig b;                // the listener's connections (or second peer)
  std::optional<std::uint32_t> isn;  // forced initial sequence number of side a
  TimePoint start{};                 // virtual time at which side a starts
};

class SimPair {
 public:
  explicit SimPair(const PairConfig &config);

  Connection *side(int i) { return i == 0 ? a_.get() : b_.get(); }
  Listener *listener() { return listener_.get(); }
  sim::Pipe &pipe() { return pipe_; }
  TimePoint now() const { return now_; }

  // Called every loop turn before input: the application sends here. Its
  // deadline tells the loop when to call next (nullopt: only on events).
  std::function<void(TimePoint now)> app;
  std::function<std::optional<TimePoint>()> app_deadline;
  // Every datagram arriving at side `to`, before it is handled.
  std::function<void(int to, TimePoint now, ByteSpan bytes)> on_arrival;
  // Every datagram side `from` sends, with what the link did to it.
  std::function<void(int from, TimePoint now, ByteSpan bytes, sim::Fate fate)> on_send;
  // Every message delivered by side `i`.
  std::function<void(int i, TimePoint now, const MessageInfo &, ByteSpan bytes)> on_message;

  // Runs until `until` or until `done()` holds.
  void run_until(TimePoint until, const std::function<bool()> &done = {});

  std::vector<ConnectionEvent> events[2];
  bool connected(int i) const;
  std::uint64_t loop_turns = 0;

 private:
  void arrive(int to, ByteSpan bytes);
  void drain(int i);

  TimePoint now_;
  sim::Pipe pipe_;
  SeededRandom rnd_a_;
  SeededRandom rnd_b_;
  NetAddress addr_a_ = NetAddress::v4(10, 0, 0, 1, 5000);
  NetAddress addr_b_ = NetAddress::v4(10, 0, 0, 2, 6000);
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Connection> a_, b_;
  std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(1500);
  std::vector<std::uint8_t> msg_ = std::vector<std::uint8_t>(1500);
};

// Link deadlines are in nanoseconds; the engines tick in microseconds.
sim::TimePoint to_sim(TimePoint t);
TimePoint from_sim_ceil(sim::TimePoint t);

}  // namespace srtcore::srt::simtest
