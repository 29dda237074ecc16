// A caller Connection and a Listener (with the connection it accepts) wired
// back to back in virtual time, for the socket-group unit tests: unlike
// EnginePair the listener's group options are the test's to set, every
// datagram is recorded, and each one can be dropped or rewritten on the
// way. Datagrams cross instantly; `now` moves 1 ms per step.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "srt/connection.hpp"
#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/listener.hpp"
#include "srt/packet.hpp"
#include "srt/random.hpp"

namespace srtcore::srt::testing {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint32_t kCallerSide = 0;
inline constexpr std::uint32_t kListenerSide = 1;

class GroupPair {
 public:
  GroupPair(const ConnectionConfig &caller, const ListenerConfig &listener, TimePoint now,
            std::uint64_t seed = 1)
      : rnd_caller_(seed),
        rnd_listener_(seed * 7919 + 3),
        now_(now),
        listener_(std::make_unique<Listener>(listener, listener_addr, rnd_listener_)) {
    caller_ = std::make_unique<Connection>(caller, Role::kCaller, caller_addr, listener_addr,
                                           rnd_caller_, now_);
  }

  // Return false to drop the datagram (`to` is kCallerSide or kListenerSide).
  using Hook = std::function<bool(std::uint32_t to, Bytes &bytes)>;
  void set_hook(Hook h) { hook_ = std::move(h); }

  Listener &listener() { return *listener_; }
  Connection &caller() { return *caller_; }
  Connection *accepted() { return accepted_.get(); }
  TimePoint now() const { return now_; }

  // Runs until both ends are connected, one of them has an event other than
  // kConnected, or `steps` ms have passed.
  void run(int steps = 2000) {
    for (int i = 0; i < steps; ++i) {
      step();
      if (caller_connected() && accepted_connected()) return;
      if (failed()) return;
      now_ += std::chrono::milliseconds(1);
    }
  }

  void step() {
    caller_->handle_timeout(now_);
    if (accepted_) accepted_->handle_timeout(now_);
    bool moved = true;
    while (moved) {
      moved = false;
      Bytes buf(1500);
      while (const std::size_t n = caller_->poll_transmit(now_, buf)) {
        moved = true;
        Bytes d(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        caller_sent.push_back(d);
        to_listener(std::move(d));
      }
      if (accepted_) {
        while (const std::size_t n = accepted_->poll_transmit(now_, buf)) {
          moved = true;
          Bytes d(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
          to_caller(std::move(d));
        }
      }
    }
    while (auto e = caller_->poll_event()) caller_events.push_back(std::move(*e));
    if (accepted_) {
      while (auto e = accepted_->poll_event()) accepted_events.push_back(std::move(*e));
    }
  }

  bool caller_connected() const { return has(caller_events, ConnectionEvent::Kind::kConnected); }
  bool accepted_connected() const {
    return has(accepted_events, ConnectionEvent::Kind::kConnected);
  }
  bool failed() const {
    for (const auto *v : {&caller_events, &accepted_events}) {
      for (const auto &e : *v) {
        if (e.kind != ConnectionEvent::Kind::kConnected) return true;
      }
    }
    return false;
  }

  std::vector<ConnectionEvent> caller_events, accepted_events;
  std::vector<Bytes> caller_sent;       // every datagram the caller sent
  std::vector<Bytes> listener_replies;  // every answer of the Listener itself

  const NetAddress caller_addr = NetAddress::v4(10, 0, 0, 1, 5000);
  const NetAddress listener_addr = NetAddress::v4(10, 0, 0, 2, 6000);

 private:
  static bool has(const std::vector<ConnectionEvent> &v, ConnectionEvent::Kind k) {
    for (const auto &e : v) {
      if (e.kind == k) return true;
    }
    return false;
  }

  void to_caller(Bytes d) {
    if (hook_ && !hook_(kCallerSide, d)) return;
    caller_->handle_datagram(now_, d);
  }

  void to_listener(Bytes d) {
    if (hook_ && !hook_(kListenerSide, d)) return;
    const std::uint32_t dest = d.size() >= kHeaderSize ? get_u32(d.data() + 12) : 0;
    if (dest != 0) {
      if (accepted_ && dest == accepted_->local_socket_id()) accepted_->handle_datagram(now_, d);
      return;
    }
    Bytes reply(1500);
    auto r = listener_->handle_datagram(now_, caller_addr, d, reply);
    if (r.accepted) accepted_ = std::move(r.accepted);
    if (r.reply_size > 0) {
      reply.resize(r.reply_size);
      listener_replies.push_back(reply);
      to_caller(std::move(reply));
    }
  }

  SeededRandom rnd_caller_, rnd_listener_;
  TimePoint now_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Connection> caller_, accepted_;
  Hook hook_;
};

// The handshake in `d`, if it is one.
inline std::optional<HandshakeView> handshake_of(const Bytes &d) {
  if (!is_control_packet(d)) return std::nullopt;
  const auto c = parse_control_packet(d);
  if (!c || c->header.type != ControlType::kHandshake) return std::nullopt;
  const auto h = parse_handshake(*c);
  if (!h) return std::nullopt;
  return *h;
}

}  // namespace srtcore::srt::testing
