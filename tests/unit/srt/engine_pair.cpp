#include "engine_pair.hpp"

#include <algorithm>

namespace srtcore::srt::testing {

EnginePair::EnginePair(Kind kind, const ConnectionConfig &a, const ConnectionConfig &b,
                       Duration delay, std::uint64_t seed)
    : kind_(kind), delay_(delay), rnd_a_(seed), rnd_b_(seed * 7919 + 1) {
  if (kind == Kind::kCallerListener) {
    ListenerConfig lc;
    lc.connection = b;
    listener_ = std::make_unique<Listener>(lc, addr_b_, rnd_b_);
    a_ = std::make_unique<Connection>(a, Role::kCaller, addr_a_, addr_b_, rnd_a_, now_);
  } else {
    a_ = std::make_unique<Connection>(a, Role::kRendezvous, addr_a_, addr_b_, rnd_a_, now_);
    b_ = std::make_unique<Connection>(b, Role::kRendezvous, addr_b_, addr_a_, rnd_b_, now_);
  }
}

bool EnginePair::connected(int i) const {
  for (const auto &e : events[i]) {
    if (e.kind == ConnectionEvent::Kind::kConnected) return true;
  }
  return false;
}

void EnginePair::drain(int i) {
  Connection *c = side(i);
  if (!c) return;
  std::vector<std::uint8_t> buf(1500);
  while (std::size_t n = c->poll_transmit(now_, buf)) {
    ++datagrams_sent[i];
    wires_.push_back(
        {now_ + delay_, 1 - i, std::vector<std::uint8_t>(buf.begin(), buf.begin() + n)});
  }
  while (auto e = c->poll_event()) events[i].push_back(std::move(*e));
  std::vector<std::uint8_t> msg(1500);
  while (auto m = c->receive_message(now_, msg)) {
    received[i].push_back(
        {std::vector<std::uint8_t>(msg.begin(), msg.begin() + m->size), *m, now_});
  }
}

void EnginePair::deliver(const Wire &w) {
  std::vector<std::uint8_t> bytes = w.bytes;
  if (hook_ && !hook_(w.to, bytes)) return;
  if (w.to == 0) {
    a_->handle_datagram(now_, bytes);
    return;
  }
  if (kind_ == Kind::kRendezvous) {
    b_->handle_datagram(now_, bytes);
    return;
  }
  const std::uint32_t dest = bytes.size() >= 16 ? get_u32(bytes.data() + 12) : 0;
  if (dest == 0) {
    std::vector<std::uint8_t> reply(1500);
    auto r = listener_->handle_datagram(now_, addr_a_, bytes, reply);
    if (r.reply_size > 0) {
      ++datagrams_sent[1];
      wires_.push_back({now_ + delay_, 0,
                        std::vector<std::uint8_t>(reply.begin(), reply.begin() + r.reply_size)});
    }
    if (r.accepted) {
      b_ = std::move(r.accepted);
    }
    return;
  }
  if (b_ && dest == b_->local_socket_id()) b_->handle_datagram(now_, bytes);
}

std::optional<TimePoint> EnginePair::next_time() const {
  std::optional<TimePoint> t;
  if (!wires_.empty()) t = wires_.front().due;
  for (int i = 0; i < 2; ++i) {
    const Connection *c = i == 0 ? a_.get() : b_.get();
    if (!c) continue;
    if (auto d = c->next_deadline()) t = t ? std::min(*t, *d) : *d;
  }
  return t;
}

void EnginePair::run_until(TimePoint until, const std::function<bool()> &done) {
  int stuck = 0;
  for (;;) {
    for (int i = 0; i < 2; ++i) {
      if (side(i)) side(i)->handle_timeout(now_);
      drain(i);
    }
    if (done && done()) return;
    auto t = next_time();
    if (!t || *t > until) {
      now_ = until;
      return;
    }
    // A deadline that handling does not move would spin: step past it.
    stuck = *t <= now_ ? stuck + 1 : 0;
    now_ = std::max(now_, *t);
    if (stuck > 100) now_ += Duration(1);
    while (!wires_.empty() && wires_.front().due <= now_) {
      const Wire w = std::move(wires_.front());
      wires_.pop_front();
      deliver(w);
      for (int i = 0; i < 2; ++i) drain(i);
    }
  }
}

}  // namespace srtcore::srt::testing
