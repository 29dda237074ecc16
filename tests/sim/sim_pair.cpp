#include "sim_pair.hpp"

#include <algorithm>
#include <chrono>

namespace srtcore::srt::simtest {

sim::TimePoint to_sim(TimePoint t) {
  return sim::TimePoint(std::chrono::duration_cast<sim::Duration>(t.time_since_epoch()));
}

TimePoint from_sim_ceil(sim::TimePoint t) {
  const auto ns = t.time_since_epoch().count();
  return TimePoint(Duration((ns + 999) / 1000));
}

namespace {

sim::LinkConfig seeded(sim::LinkConfig l, std::uint64_t seed) {
  l.seed = seed;
  return l;
}

std::optional<TimePoint> earlier(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

SimPair::SimPair(const PairConfig &c)
    : now_(c.start),
      pipe_(sim::Pipe::symmetric(seeded(c.link, c.seed), to_sim(c.start))),
      rnd_a_(c.seed * 2 + 1),
      rnd_b_(c.seed * 2 + 2) {
  rnd_a_.force_isn(c.isn);
  if (c.rendezvous) {
    rnd_b_.force_isn(c.isn);
    a_ = std::make_unique<Connection>(c.a, Role::kRendezvous, addr_a_, addr_b_, rnd_a_, now_);
    b_ = std::make_unique<Connection>(c.b, Role::kRendezvous, addr_b_, addr_a_, rnd_b_, now_);
  } else {
    ListenerConfig lc;
    lc.connection = c.b;
    listener_ = std::make_unique<Listener>(lc, addr_b_, rnd_b_);
    a_ = std::make_unique<Connection>(c.a, Role::kCaller, addr_a_, addr_b_, rnd_a_, now_);
  }
}

bool SimPair::connected(int i) const {
  for (const auto &e : events[i]) {
    if (e.kind == ConnectionEvent::Kind::kConnected) return true;
  }
  return false;
}

void SimPair::arrive(int to, ByteSpan bytes) {
  if (on_arrival) on_arrival(to, now_, bytes);
  if (to == 0) {
    a_->handle_datagram(now_, bytes);
    return;
  }
  const std::uint32_t dest = bytes.size() >= 16 ? get_u32(bytes.data() + 12) : 0;
  if (listener_ && dest == 0) {
    auto r = listener_->handle_datagram(now_, addr_a_, bytes, buf_);
    if (r.reply_size > 0) {
      pipe_.b_to_a().send(to_sim(now_), ByteSpan(buf_).first(r.reply_size));
    }
    if (r.accepted && !b_) b_ = std::move(r.accepted);
    return;
  }
  if (b_) b_->handle_datagram(now_, bytes);
}

void SimPair::drain(int i) {
  Connection *c = side(i);
  if (!c) return;
  sim::LinkModel &link = i == 0 ? pipe_.a_to_b() : pipe_.b_to_a();
  while (std::size_t n = c->poll_transmit(now_, buf_)) {
    const sim::Fate fate = link.send(to_sim(now_), ByteSpan(buf_).first(n));
    if (on_send) on_send(i, now_, ByteSpan(buf_).first(n), fate);
  }
  while (auto e = c->poll_event()) events[i].push_back(std::move(*e));
  while (auto m = c->receive_message(now_, msg_)) {
    if (on_message) on_message(i, now_, *m, ByteSpan(msg_).first(std::min(m->size, msg_.size())));
  }
}

void SimPair::run_until(TimePoint until, const std::function<bool()> &done) {
  int stuck = 0;
  for (;;) {
    ++loop_turns;
    if (app) app(now_);
    // Arrivals first, then timers: a packet arriving at a deadline counts.
    while (auto d = pipe_.a_to_b().poll(to_sim(now_))) {
      arrive(1, d->bytes);
      pipe_.a_to_b().recycle(std::move(d->bytes));
    }
    while (auto d = pipe_.b_to_a().poll(to_sim(now_))) {
      arrive(0, d->bytes);
      pipe_.b_to_a().recycle(std::move(d->bytes));
    }
    for (int i = 0; i < 2; ++i) {
      Connection *c = side(i);
      if (!c) continue;
      if (auto d = c->next_deadline(); d && *d <= now_) c->handle_timeout(now_);
      drain(i);
    }
    if (done && done()) return;
    std::optional<TimePoint> next = app_deadline ? app_deadline() : std::nullopt;
    if (auto t = pipe_.next_deadline()) next = earlier(next, from_sim_ceil(*t));
    for (int i = 0; i < 2; ++i) {
      if (side(i)) next = earlier(next, side(i)->next_deadline());
    }
    if (!next || *next > until) {
      now_ = until;
      return;
    }
    // A deadline that handling does not move would spin: step past it.
    stuck = *next <= now_ ? stuck + 1 : 0;
    now_ = std::max(now_, *next);
    if (stuck > 100) now_ += Duration(1);
  }
}

}  // namespace srtcore::srt::simtest
