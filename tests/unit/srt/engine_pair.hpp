// Two of our SRT engines joined by a perfect link with a fixed one-way delay,
// in virtual time, for unit tests: a caller and a Listener (with the
// connection it accepts), or two rendezvous connections. Datagrams can be
// tampered with or dropped by a hook.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "srt/connection.hpp"
#include "srt/listener.hpp"
#include "srt/random.hpp"

namespace srtcore::srt::testing {

class EnginePair {
 public:
  enum class Kind { kCallerListener, kRendezvous };

  EnginePair(Kind kind, const ConnectionConfig &a, const ConnectionConfig &b,
             Duration delay = std::chrono::milliseconds(10), std::uint64_t seed = 1);

  // Side 0 is the caller (or first rendezvous peer); side 1 the listener's
  // accepted connection (or second rendezvous peer). Null until it exists.
  Connection *side(int i) { return i == 0 ? a_.get() : b_.get(); }
  Listener &listener() { return *listener_; }
  TimePoint now() const { return now_; }

  // Return false to drop the datagram; may modify it.
  using Hook = std::function<bool(int to, std::vector<std::uint8_t> &bytes)>;
  void set_hook(Hook h) { hook_ = std::move(h); }

  // Runs the event loop until `until` (virtual time) or `done()` is true.
  void run_until(TimePoint until, const std::function<bool()> &done = {});
  void run_for(Duration d, const std::function<bool()> &done = {}) { run_until(now_ + d, done); }

  // Events seen so far, per side.
  std::vector<ConnectionEvent> events[2];
  struct Got {
    std::vector<std::uint8_t> bytes;
    MessageInfo info;
    TimePoint at;
  };
  std::vector<Got> received[2];
  std::uint64_t datagrams_sent[2] = {0, 0};

  bool connected(int i) const;
  // Hands `bytes` to side `to` now, as if it had just arrived from the peer.
  void inject(int to, std::vector<std::uint8_t> bytes) {
    deliver(Wire{now_, to, std::move(bytes)});
  }
  const NetAddress &address(int i) const { return i == 0 ? addr_a_ : addr_b_; }

 private:
  struct Wire {
    TimePoint due;
    int to;
    std::vector<std::uint8_t> bytes;
  };
  void deliver(const Wire &w);
  void drain(int i);
  std::optional<TimePoint> next_time() const;

  Kind kind_;
  Duration delay_;
  TimePoint now_{std::chrono::seconds(1000)};
  SeededRandom rnd_a_, rnd_b_;
  NetAddress addr_a_ = NetAddress::v4(10, 0, 0, 1, 5000);
  NetAddress addr_b_ = NetAddress::v4(10, 0, 0, 2, 6000);
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Connection> a_, b_;
  std::deque<Wire> wires_;  // constant delay: FIFO is arrival order
  Hook hook_;
};

}  // namespace srtcore::srt::testing
