#include "group_sim.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/packet.hpp"

namespace srtcore::bond::simtest {

namespace {

using srt::ByteSpan;
using srt::get_u16;
using srt::get_u32;
using srt::put_u32;

std::optional<TimePoint> earlier(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// Turns at one virtual time before the loop steps past a deadline that
// does not move (several are legitimate: a datagram's answer due at once).
constexpr int kStuckTurns = 4;

constexpr std::size_t kHsTypeOffset = srt::kHeaderSize + 20;
constexpr std::size_t kHsExtOffset = srt::kHeaderSize + srt::kHandshakeBodySize;

bool is_handshake(ByteSpan b) {
  return b.size() >= kHsExtOffset && srt::is_control_packet(b) && (get_u16(b.data()) & 0x7FFF) == 0;
}

}  // namespace

// ---- message content ---------------------------------------------------------

void fill_message(std::uint64_t index, srt::MutableByteSpan out) {
  put_u32(out.data(), static_cast<std::uint32_t>(index >> 32));
  put_u32(out.data() + 4, static_cast<std::uint32_t>(index));
  for (std::size_t i = 8; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(index * 31 + i);
}

bool message_ok(ByteSpan bytes, std::uint64_t *index) {
  if (bytes.size() < 8) return false;
  const std::uint64_t i = (std::uint64_t{get_u32(bytes.data())} << 32) | get_u32(bytes.data() + 4);
  *index = i;
  for (std::size_t k = 8; k < bytes.size(); ++k) {
    if (bytes[k] != static_cast<std::uint8_t>(i * 31 + k)) return false;
  }
  return true;
}

std::optional<std::uint32_t> handshake_type(ByteSpan bytes) {
  if (!is_handshake(bytes)) return std::nullopt;
  return get_u32(bytes.data() + kHsTypeOffset);
}

bool rewrite_group_ext(std::vector<std::uint8_t> &bytes,
                       const std::function<void(srt::GroupExt &)> &edit) {
  if (!is_handshake(bytes)) return false;
  std::size_t at = kHsExtOffset;
  while (at + 4 <= bytes.size()) {
    const std::uint16_t type = get_u16(bytes.data() + at);
    const std::size_t len = std::size_t{get_u16(bytes.data() + at + 2)} * 4;
    const std::size_t content = at + 4;
    if (content + len > bytes.size()) return false;
    if (type == static_cast<std::uint16_t>(srt::ExtType::kGroup) && len >= srt::kGroupExtSize) {
      srt::GroupExt g;
      g.group_id = get_u32(bytes.data() + content);
      const std::uint32_t w = get_u32(bytes.data() + content + 4);
      g.type = static_cast<srt::GroupType>(w >> 24);
      g.flags = static_cast<std::uint8_t>(w >> 16);
      g.weight = static_cast<std::uint16_t>(w);
      edit(g);
      put_u32(bytes.data() + content, g.group_id);
      put_u32(bytes.data() + content + 4, (std::uint32_t{static_cast<std::uint8_t>(g.type)} << 24) |
                                              (std::uint32_t{g.flags} << 16) | g.weight);
      return true;
    }
    at = content + len;
  }
  return false;
}

// ---- report ------------------------------------------------------------------

std::string StreamReport::summary() const {
  std::ostringstream s;
  s << "sent " << sent << ", refused " << refused << ", delivered " << delivered << ", missing "
    << missing_count << ", duplicates " << duplicates << ", out of order " << out_of_order
    << ", corrupt " << corrupt << ", foreign " << foreign << ", worst age "
    << worst_age.count() / 1000.0 << " ms (#" << worst_age_index << "), over bound " << over_bound;
  if (over_bound) s << " (first #" << first_over_bound << ")";
  if (!missing.empty()) {
    s << "; missing:";
    for (auto m : missing) s << ' ' << m;
    if (missing_count > missing.size()) s << " ...";
  }
  if (!refused_index.empty()) {
    s << "; refused:";
    for (auto m : refused_index) s << ' ' << m;
  }
  return s.str();
}

// ---- construction ------------------------------------------------------------

GroupSim::GroupSim(const GroupSimConfig &c)
    : start_(c.start),
      now_(c.start),
      seed_(c.seed),
      config_(c),
      acceptor_random_(sim::derive_seed(c.seed, 1000)) {
  acceptor_ = std::make_unique<GroupAcceptor>(c.acceptor, acceptor_random_);
  if (const char *t = std::getenv("GROUP_SIM_TRACE")) trace_index = std::strtoull(t, nullptr, 10);
  add_caller(c.caller);
  for (std::size_t i = 0; i < c.paths.size(); ++i) add_path(c.paths[i], 0);
  if (c.open_links) {
    for (std::size_t i = 0; i < c.paths.size(); ++i) {
      add_link(static_cast<int>(i), i < c.weights.size() ? c.weights[i] : 0);
    }
  }
}

GroupSim::~GroupSim() = default;

TimePoint GroupSim::at_s(double seconds) const {
  return start_ + srt::Duration(static_cast<std::int64_t>(seconds * 1e6));
}

int GroupSim::add_caller(const GroupConfig &config) {
  Caller cl;
  cl.random = std::make_unique<srt::SeededRandom>(sim::derive_seed(seed_, 100 + callers_.size()));
  cl.group = std::make_unique<Group>(config, *cl.random, now_);
  callers_.push_back(std::move(cl));
  return static_cast<int>(callers_.size() - 1);
}

int GroupSim::add_path(const sim::LinkConfig &link, int c) {
  const auto i = paths_.size();
  sim::LinkConfig l = link;
  l.seed = sim::derive_seed(seed_, 10 + i);
  auto p = std::make_unique<Path>(l, to_sim(now_));
  p->a_addr = srt::NetAddress::v4(10, 0, static_cast<std::uint8_t>(i), 1,
                                  static_cast<std::uint16_t>(5000 + i));
  p->b_addr = srt::NetAddress::v4(10, 0, static_cast<std::uint8_t>(i), 2, 7000);
  p->caller = c;
  for (int d = 0; d < 2; ++d) {
    p->stage[d].rng.emplace(sim::derive_seed(seed_, 500 + i * 2 + static_cast<std::uint64_t>(d)));
  }
  p->listener_random = std::make_unique<srt::SeededRandom>(sim::derive_seed(seed_, 300 + i));
  srt::ListenerConfig lc;
  lc.connection = config_.acceptor.group.connection;
  lc.group_connect = true;
  p->listener = std::make_unique<srt::Listener>(lc, p->b_addr, *p->listener_random);
  p->listener->set_group_callback(
      [this](TimePoint now, const srt::CallerRequest &r) { return acceptor_->decide(now, r); });
  paths_.push_back(std::move(p));
  return static_cast<int>(i);
}

LinkId GroupSim::add_link(int path, std::uint16_t weight) {
  Path &p = *paths_.at(static_cast<std::size_t>(path));
  Caller &cl = callers_.at(static_cast<std::size_t>(p.caller));
  LinkSpec spec;
  spec.peer = p.b_addr;
  spec.local = p.a_addr;
  spec.weight = weight;
  const LinkId id = cl.group->add_link(now_, spec);
  cl.path_of[id] = path;
  p.a_link = id;
  drain(0, *cl.group);
  return id;
}

bool GroupSim::remove_link(int path) {
  Path &p = *paths_.at(static_cast<std::size_t>(path));
  if (!p.a_link) return false;
  Caller &cl = callers_.at(static_cast<std::size_t>(p.caller));
  const bool ok = cl.group->remove_link(now_, *p.a_link);
  drain(0, *cl.group);  // the shutdown goes out over the path still
  return ok;
}

std::optional<LinkId> GroupSim::link_of_path(int path) const {
  return paths_.at(static_cast<std::size_t>(path))->a_link;
}

LinkState GroupSim::state_of_path(int path) const {
  const Path &p = *paths_.at(static_cast<std::size_t>(path));
  if (!p.a_link) return LinkState::kBroken;
  for (const LinkInfo &l : callers_.at(static_cast<std::size_t>(p.caller)).group->links()) {
    if (l.id == *p.a_link) return l.state;
  }
  return LinkState::kBroken;
}

Group *GroupSim::mirror(int c) {
  return acceptor_->find_by_peer(callers_.at(static_cast<std::size_t>(c)).group->id());
}

void GroupSim::set_loss(int path, double p) {
  for (auto &s : paths_.at(static_cast<std::size_t>(path))->stage) s.loss = p;
}

void GroupSim::set_extra_delay(int path, srt::Duration d) {
  for (auto &s : paths_.at(static_cast<std::size_t>(path))->stage) s.extra_delay = d;
}

std::uint64_t GroupSim::harness_dropped(int path) const {
  const Path &p = *paths_.at(static_cast<std::size_t>(path));
  return p.stage[0].dropped + p.stage[1].dropped;
}

// ---- schedule ----------------------------------------------------------------

void GroupSim::at(TimePoint t, std::function<void()> action) {
  actions_.push_back(Action{t, action_order_++, std::move(action)});
}

void GroupSim::cut(int path, TimePoint from, TimePoint to) {
  at(from, [this, path] { set_up(path, false); });
  at(to, [this, path] { set_up(path, true); });
}

void GroupSim::loss_window(int path, TimePoint from, TimePoint to, double p) {
  at(from, [this, path, p] { set_loss(path, p); });
  at(to, [this, path] { set_loss(path, 0.0); });
}

void GroupSim::delay_window(int path, TimePoint from, TimePoint to, srt::Duration extra) {
  at(from, [this, path, extra] { set_extra_delay(path, extra); });
  at(to, [this, path] { set_extra_delay(path, srt::Duration{}); });
}

// ---- events ------------------------------------------------------------------

std::vector<GroupSim::Event> GroupSim::link_events(int c, LinkId link) const {
  std::vector<Event> out;
  const Group *g = callers_.at(static_cast<std::size_t>(c)).group.get();
  for (const Event &e : events) {
    if (e.side == 0 && e.group == g && e.event.kind == GroupEvent::Kind::kLinkState &&
        e.event.link == link) {
      out.push_back(e);
    }
  }
  return out;
}

std::string GroupSim::event_log_line(const Event &e) const {
  std::ostringstream s;
  s << "  " << (e.side == 0 ? "A" : "B") << " g" << std::hex << e.group << std::dec << " "
    << static_cast<double>((e.at - start_).count()) / 1000.0 << " ms: ";
  switch (e.event.kind) {
    case GroupEvent::Kind::kLinkState:
      s << "link " << e.event.link << " " << link_state_name(e.event.from) << " -> "
        << link_state_name(e.event.to);
      break;
    case GroupEvent::Kind::kConnected:
      s << "connected (link " << e.event.link << ")";
      break;
    case GroupEvent::Kind::kLinkFailed:
      s << "link " << e.event.link << " failed, reject " << e.event.reject_code;
      break;
    case GroupEvent::Kind::kBroken:
      s << "group broken";
      break;
  }
  if (!e.event.detail.empty()) s << " (" << e.event.detail << ")";
  if (e.event.negotiated.peer_socket_id != 0) {
    s << " [peer socket " << e.event.negotiated.peer_socket_id << ", send isn "
      << e.event.negotiated.send_isn << ", recv isn " << e.event.negotiated.recv_isn << "]";
  }
  s << "\n";
  return s.str();
}

std::string GroupSim::event_log(int side) const {
  std::string out;
  for (const Event &e : events) {
    if (side < 0 || e.side == side) out += event_log_line(e);
  }
  return out;
}

// ---- datagrams ---------------------------------------------------------------

void GroupSim::send(int from, int path, ByteSpan bytes) {
  ++datagrams[from];
  if (tamper) {
    scratch_.assign(bytes.begin(), bytes.end());
    if (!tamper(from, path, scratch_)) return;
    bytes = scratch_;
  }
  Stage &s = paths_.at(static_cast<std::size_t>(path))->stage[from];
  if (s.loss > 0.0 && s.rng->chance(s.loss)) {
    ++s.dropped;
    if (trace_index) trace(from, path, bytes, "lost (harness)");
    return;
  }
  if (s.extra_delay.count() > 0 || !s.held.empty()) {
    // FIFO: a datagram never overtakes one held before it.
    TimePoint release = now_ + s.extra_delay;
    if (!s.held.empty()) release = std::max(release, s.held.back().release);
    s.held.push_back(Held{release, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
    return;
  }
  to_pipe(from, path, bytes);
}

void GroupSim::to_pipe(int from, int path, ByteSpan bytes) {
  sim::Pipe &p = paths_.at(static_cast<std::size_t>(path))->pipe;
  const sim::Fate f = (from == 0 ? p.a_to_b() : p.b_to_a()).send(to_sim(now_), bytes);
  if (trace_index) {
    static const char *const names[] = {"in flight", "lost (random)", "lost (burst)",
                                        "dropped (queue)", "dropped (cut)"};
    trace(from, path, bytes, names[static_cast<int>(f)]);
  }
}

void GroupSim::trace(int from, int path, ByteSpan b, const char *fate) {
  const double ms = static_cast<double>((now_ - start_).count()) / 1000.0;
  if (!srt::is_control_packet(b)) {
    if (b.size() < srt::kHeaderSize + 8) return;
    std::uint64_t index = 0;
    message_ok(b.subspan(srt::kHeaderSize), &index);
    if (index != *trace_index) return;
    const std::uint32_t seq = get_u32(b.data()) & 0x7FFFFFFF;
    if (!trace_seq_) trace_until_ = now_ + std::chrono::seconds(1);
    trace_seq_ = seq;
    std::printf("  [trace] %.3f ms: %s path %d data seq %u%s: %s\n", ms, from == 0 ? "A" : "B",
                path, seq, (b[4] & 0x04) ? " R" : "", fate);
    return;
  }
  if (!trace_seq_ ||
      (get_u16(b.data()) & 0x7FFF) != static_cast<std::uint16_t>(srt::ControlType::kNak)) {
    return;
  }
  auto pkt = srt::parse_control_packet(b);
  if (!pkt) return;
  auto nak = srt::parse_nak(*pkt);
  if (!nak) return;
  for (const srt::SeqRange r : *nak) {
    if (srt::seq_le(r.first, *trace_seq_) && srt::seq_le(*trace_seq_, r.last)) {
      std::printf("  [trace] %.3f ms: %s path %d NAK [%u, %u]: %s\n", ms, from == 0 ? "A" : "B",
                  path, r.first, r.last, fate);
    }
  }
}

void GroupSim::arrive_a(int path, ByteSpan bytes) {
  Caller &cl =
      callers_.at(static_cast<std::size_t>(paths_[static_cast<std::size_t>(path)]->caller));
  const auto dest = srt::peek_dest_socket(bytes);
  const auto link = dest ? cl.group->link_for_socket(*dest) : std::nullopt;
  if (!link) {
    ++unroutable[0];
    return;
  }
  cl.group->handle_datagram(now_, *link, bytes);
  drain(0, *cl.group);
}

void GroupSim::arrive_b(int path, ByteSpan bytes) {
  Path &p = *paths_[static_cast<std::size_t>(path)];
  const auto dest = srt::peek_dest_socket(bytes);
  if (!dest) {
    ++unroutable[1];
    return;
  }
  if (*dest == 0) {
    auto r = p.listener->handle_datagram(now_, p.a_addr, bytes, buf_);
    if (r.reply_size > 0) {
      std::vector<std::uint8_t> reply(buf_.begin(),
                                      buf_.begin() + static_cast<std::ptrdiff_t>(r.reply_size));
      send(1, path, reply);
    }
    if (r.accepted) {
      auto [g, link] = acceptor_->adopt(now_, std::move(r.accepted));
      if (g) {
        b_path_[{g, link}] = path;
        drain(1, *g);
      }
    }
    return;
  }
  for (Group *g : b_groups()) {
    if (auto link = g->link_for_socket(*dest)) {
      g->handle_datagram(now_, *link, bytes);
      drain(1, *g);
      return;
    }
  }
  ++unroutable[1];
}

std::vector<Group *> GroupSim::b_groups() {
  return acceptor_->groups();
}

void GroupSim::drain(int side, Group &g) {
  while (auto t = g.poll_transmit(now_, buf_)) {
    int path = -1;
    if (side == 0) {
      for (const Caller &cl : callers_) {
        if (cl.group.get() != &g) continue;
        if (auto it = cl.path_of.find(t->link); it != cl.path_of.end()) path = it->second;
      }
    } else if (auto it = b_path_.find({&g, t->link}); it != b_path_.end()) {
      path = it->second;
    }
    if (path < 0) {
      ++unroutable[side];
      continue;
    }
    send(side, path, ByteSpan(buf_).first(t->size));
  }
  while (auto e = g.poll_event()) {
    events.push_back(Event{side, &g, now_, std::move(*e)});
    if (trace_index && trace_seq_ && trace_until_ && now_ <= *trace_until_) {
      std::printf("  [trace] event%s", event_log_line(events.back()).c_str());
    }
  }
  while (auto m = g.receive_message(now_, msg_)) {
    const ByteSpan bytes = ByteSpan(msg_).first(std::min(m->size, msg_.size()));
    if (side == 1) on_delivery(g, *m, bytes);
    if (on_message) on_message(side, g, now_, *m, bytes);
  }
}

void GroupSim::drain_all() {
  for (Caller &cl : callers_) drain(0, *cl.group);
  for (Group *g : b_groups()) drain(1, *g);
}

// ---- the stream --------------------------------------------------------------

void GroupSim::stream(int c, std::uint64_t count, srt::Duration interval, std::size_t size,
                      TimePoint from) {
  stream_caller_ = c;
  stream_count_ = count;
  stream_next_ = 0;
  stream_interval_ = interval;
  stream_size_ = std::max<std::size_t>(size, 8);
  stream_from_ = from;
  origin_.assign(count, TimePoint{});
  accepted_.assign(count, 0);
  count_.assign(count, 0);
  deliveries_.clear();
  deliveries_.reserve(count);
  foreign_ = 0;
}

TimePoint GroupSim::stream_end() const {
  return stream_from_ +
         stream_interval_ * static_cast<std::int64_t>(stream_count_ ? stream_count_ - 1 : 0);
}

bool GroupSim::stream_done() const {
  if (stream_next_ < stream_count_) return false;
  for (std::uint64_t i = 0; i < stream_count_; ++i) {
    if (accepted_[i] && count_[i] == 0) return false;
  }
  return true;
}

void GroupSim::on_delivery(Group &g, const srt::MessageInfo &info, ByteSpan bytes) {
  if (stream_caller_ < 0 || &g != mirror(stream_caller_)) return;
  Delivery d;
  d.at = now_;
  d.info = info;
  d.bytes_ok = info.size == stream_size_ && message_ok(bytes, &d.index);
  if (d.index >= stream_count_) {
    ++foreign_;
    return;
  }
  ++count_[d.index];
  if (trace_index && d.index == *trace_index) {
    std::printf("  [trace] %.3f ms: delivered\n",
                static_cast<double>((now_ - start_).count()) / 1000.0);
  }
  if (trace_index && d.index > *trace_index && info.dropped_before > 0 &&
      d.index - info.dropped_before <= *trace_index) {
    std::printf("  [trace] %.3f ms: given up (%u dropped before #%llu)\n",
                static_cast<double>((now_ - start_).count()) / 1000.0, info.dropped_before,
                static_cast<unsigned long long>(d.index));
  }
  deliveries_.push_back(d);
}

StreamReport GroupSim::report(srt::Duration bound) const {
  StreamReport r;
  r.foreign = foreign_;
  for (std::uint64_t i = 0; i < stream_next_; ++i) {
    if (accepted_[i]) {
      ++r.sent;
      if (count_[i] == 0) {
        if (r.missing.size() < 50) r.missing.push_back(i);
        ++r.missing_count;
      }
    } else {
      ++r.refused;
      if (r.refused_index.size() < 50) r.refused_index.push_back(i);
    }
    if (count_[i] > 1) r.duplicates += count_[i] - 1;
  }
  std::int64_t last = -1;
  for (const Delivery &d : deliveries_) {
    ++r.delivered;
    if (!d.bytes_ok) ++r.corrupt;
    if (static_cast<std::int64_t>(d.index) <= last) ++r.out_of_order;
    last = std::max(last, static_cast<std::int64_t>(d.index));
    const srt::Duration age = d.at - origin_[d.index];
    if (age > r.worst_age) {
      r.worst_age = age;
      r.worst_age_index = d.index;
    }
    if (age > bound) {
      if (r.over_bound == 0) r.first_over_bound = d.index;
      ++r.over_bound;
    }
  }
  return r;
}

// ---- the loop ----------------------------------------------------------------

std::optional<TimePoint> GroupSim::next_time() {
  std::optional<TimePoint> next = app_deadline ? app_deadline() : std::nullopt;
  if (stream_next_ < stream_count_) {
    next = earlier(next, stream_from_ + stream_interval_ * static_cast<std::int64_t>(stream_next_));
  }
  for (const Action &a : actions_) next = earlier(next, a.t);
  for (const auto &p : paths_) {
    if (auto t = p->pipe.next_deadline()) next = earlier(next, from_sim_ceil(*t));
    for (const Stage &s : p->stage) {
      if (!s.held.empty()) next = earlier(next, s.held.front().release);
    }
  }
  for (const Caller &cl : callers_) next = earlier(next, cl.group->next_deadline());
  for (Group *g : acceptor_->groups()) next = earlier(next, g->next_deadline());
  return next;
}

void GroupSim::run_until(TimePoint until, const std::function<bool()> &done) {
  int stuck = 0;
  for (;;) {
    ++loop_turns;
    // Scheduled actions, in time then insertion order.
    for (;;) {
      auto it =
          std::min_element(actions_.begin(), actions_.end(), [](const Action &a, const Action &b) {
            return a.t != b.t ? a.t < b.t : a.order < b.order;
          });
      if (it == actions_.end() || it->t > now_) break;
      auto action = std::move(it->action);
      actions_.erase(it);
      action();
    }
    if (app) app(now_);
    // The stream's messages due by now.
    if (stream_caller_ >= 0) {
      Group &g = caller(stream_caller_);
      std::vector<std::uint8_t> &m = stream_buf_;
      while (stream_next_ < stream_count_) {
        const TimePoint t =
            stream_from_ + stream_interval_ * static_cast<std::int64_t>(stream_next_);
        if (t > now_) break;
        m.resize(stream_size_);
        fill_message(stream_next_, m);
        origin_[stream_next_] = t;
        accepted_[stream_next_] = g.send_message(now_, m, t) ? 1 : 0;
        ++stream_next_;
      }
      drain(0, g);
    }
    // Held datagrams whose extra delay is over enter their pipe.
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      for (int d = 0; d < 2; ++d) {
        Stage &s = paths_[i]->stage[d];
        while (!s.held.empty() && s.held.front().release <= now_) {
          to_pipe(d, static_cast<int>(i), s.held.front().bytes);
          s.held.pop_front();
        }
      }
    }
    // Arrivals first, then timers: a packet arriving at a deadline counts.
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      sim::Pipe &pipe = paths_[i]->pipe;
      while (auto d = pipe.a_to_b().poll(to_sim(now_))) {
        arrive_b(static_cast<int>(i), d->bytes);
        pipe.a_to_b().recycle(std::move(d->bytes));
      }
      while (auto d = pipe.b_to_a().poll(to_sim(now_))) {
        arrive_a(static_cast<int>(i), d->bytes);
        pipe.b_to_a().recycle(std::move(d->bytes));
      }
    }
    for (Caller &cl : callers_) {
      if (auto d = cl.group->next_deadline(); d && *d <= now_) cl.group->handle_timeout(now_);
      drain(0, *cl.group);
    }
    for (Group *g : acceptor_->groups()) {
      if (auto d = g->next_deadline(); d && *d <= now_) g->handle_timeout(now_);
      drain(1, *g);
    }
    if (done && done()) return;
    const std::optional<TimePoint> next = next_time();
    if (!next || *next > until) {
      now_ = until;
      return;
    }
    // A deadline that handling does not move would spin: after a few turns
    // at the same time, step past it (and count it: the engines' contract
    // is that handle_timeout at next_deadline() makes progress).
    stuck = *next <= now_ ? stuck + 1 : 0;
    now_ = std::max(now_, *next);
    if (stuck > kStuckTurns) {
      now_ += srt::Duration(1);
      ++stalls;
      stuck = 0;
    }
  }
}

bool GroupSim::connect_all(srt::Duration timeout) {
  auto all = [&] {
    const Group &a = caller(0);
    std::size_t n = 0;
    for (const LinkInfo &l : a.links()) {
      if (l.state != LinkState::kIdle && l.state != LinkState::kRunning) return false;
      ++n;
    }
    Group *b = mirror(0);
    if (!b || n == 0) return false;
    std::size_t m = 0;
    for (const LinkInfo &l : b->links()) {
      if (l.state == LinkState::kIdle || l.state == LinkState::kRunning) ++m;
    }
    return m >= n;
  };
  run_until(now_ + timeout, all);
  return all();
}

}  // namespace srtcore::bond::simtest
