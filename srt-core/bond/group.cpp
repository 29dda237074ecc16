// Group: construction, input, output, delivery from the group's receive
// buffer, timers and statistics. Links are in group_links.cpp, the sending
// policies in group_send.cpp.
#include "bond/group.hpp"

#include <algorithm>

#include "bond/group_impl.hpp"

namespace srtcore::bond {

namespace {

constexpr Duration kPolicyInterval = std::chrono::milliseconds(10);

std::uint32_t new_group_id(srt::Random &r) {
  return r.next_socket_id() | srt::kGroupIdBit;
}

void take_earlier(std::optional<TimePoint> &t, std::optional<TimePoint> c) {
  if (c && (!t || *c < *t)) t = c;
}

int ms_of(Duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

const char *group_mode_name(GroupMode m) {
  switch (m) {
    case GroupMode::kBroadcast:
      return "broadcast";
    case GroupMode::kBackup:
      return "backup";
    case GroupMode::kBalancing:
      return "balancing";
  }
  return "unknown";
}

const char *link_state_name(LinkState s) {
  switch (s) {
    case LinkState::kPending:
      return "pending";
    case LinkState::kIdle:
      return "idle";
    case LinkState::kRunning:
      return "running";
    case LinkState::kBroken:
      return "broken";
  }
  return "unknown";
}

Group::Impl::Impl(const GroupConfig &c, srt::Random &r, TimePoint now, std::uint32_t group_id)
    : config(c),
      random(r),
      created(now),
      id(group_id),
      start(now),
      history(
          srt::SendBufferConfig{
              std::max<std::size_t>(c.connection.send_buffer_packets, 32),
              std::clamp<std::size_t>(c.connection.payload_size, 1, srt::kMaxPayloadSize), now},
          r.next_isn()) {
  quality.latency = std::max(c.connection.recv_latency, c.connection.peer_latency);
  quality.min_stable_timeout = c.min_stable_timeout;
}

Group::Group(const GroupConfig &config, srt::Random &random, TimePoint now)
    : impl_(std::make_unique<Impl>(config, random, now, new_group_id(random))) {}

Group::Group(const GroupConfig &config, const srt::GroupExt &peer, srt::Random &random,
             TimePoint now)
    : impl_(std::make_unique<Impl>(config, random, now, new_group_id(random))) {
  impl_->peer = peer;
}

Group::~Group() = default;

std::uint32_t Group::id() const {
  return impl_->id;
}
GroupMode Group::mode() const {
  return impl_->config.mode;
}
srt::GroupExt Group::extension(std::uint16_t weight) const {
  return srt::GroupExt{impl_->id, static_cast<srt::GroupType>(impl_->config.mode), 0, weight};
}
std::optional<std::uint32_t> Group::peer_id() const {
  if (!impl_->peer) return std::nullopt;
  return impl_->peer->group_id;
}

void Group::handle_datagram(TimePoint now, LinkId link, ByteSpan bytes) {
  Impl &m = *impl_;
  Link *l = m.find(link);
  if (!l || !l->conn) return;
  l->conn->handle_datagram(now, bytes);
  m.take_link_events(now, *l);
  if (l->joined) m.update_history_ack();
}

std::optional<Transmit> Group::poll_transmit(TimePoint now, MutableByteSpan out) {
  Impl &m = *impl_;
  const std::size_t count = m.links.size();
  for (std::size_t k = 0; k < count; ++k) {
    Link &l = *m.links[(m.round_robin + k) % count];
    if (!l.conn) continue;
    if (const std::size_t size = l.conn->poll_transmit(now, out)) {
      // The next call starts with the next link: no link starves the others.
      m.round_robin = (m.round_robin + k + 1) % count;
      return Transmit{l.id, size};
    }
  }
  m.collect_removed();
  return std::nullopt;
}

std::size_t Group::poll_transmit(TimePoint now, LinkId link, MutableByteSpan out) {
  Link *l = impl_->find(link);
  return l && l->conn ? l->conn->poll_transmit(now, out) : 0;
}

std::optional<GroupEvent> Group::poll_event() {
  Impl &m = *impl_;
  if (m.events.empty()) return std::nullopt;
  GroupEvent e = std::move(m.events.front());
  m.events.pop_front();
  return e;
}

std::optional<srt::MessageInfo> Group::receive_message(TimePoint now, MutableByteSpan out) {
  Impl &m = *impl_;
  if (!m.rcv) return std::nullopt;
  auto info = srt::next_message(*m.rcv, now, out, m.dropped_pending);
  if (info) {
    ++m.n.pktDelivered;
    m.n.byteDelivered += info->size;
  }
  return info;
}

std::optional<TimePoint> Group::next_timer_deadline() const {
  const Impl &m = *impl_;
  std::optional<TimePoint> t;
  for (const auto &l : m.links) {
    if (l->conn) take_earlier(t, l->conn->next_timer_deadline());
    take_earlier(t, l->retry_at);
  }
  if (m.config.mode != GroupMode::kBroadcast && m.any_connected()) take_earlier(t, m.next_policy);
  if (m.drop_threshold) {
    if (auto o = m.history.oldest_origin()) take_earlier(t, *o + *m.drop_threshold + Duration(1));
  }
  return t;
}

std::optional<TimePoint> Group::next_delivery_time() const {
  const Impl &m = *impl_;
  if (!m.rcv) return std::nullopt;
  return m.rcv->next_delivery_time();
}

std::optional<TimePoint> Group::next_deadline() const {
  std::optional<TimePoint> t = next_timer_deadline();
  take_earlier(t, next_delivery_time());
  return t;
}

void Group::handle_timeout(TimePoint now) {
  Impl &m = *impl_;
  // By index: a failing link may add events but never links.
  for (std::size_t i = 0; i < m.links.size(); ++i) {
    Link &l = *m.links[i];
    if (l.retry_at && now >= *l.retry_at && !l.removing) {
      ++m.n.linkReconnects;
      m.set_state(l, LinkState::kPending, "reconnecting");
      m.open_connection(now, l);
      continue;
    }
    if (!l.conn) continue;
    if (auto d = l.conn->next_timer_deadline(); d && now >= *d) l.conn->handle_timeout(now);
    m.take_link_events(now, l);
  }
  if (m.config.mode != GroupMode::kBroadcast && now >= m.next_policy) {
    if (m.config.mode == GroupMode::kBackup) {
      m.backup_policy(now);
    } else {
      m.balance_policy(now);
      m.find_group_losses(now);
    }
    m.next_policy = now + kPolicyInterval;
  }
  m.update_history_ack();
  if (m.drop_threshold) (void)m.history.drop_too_late(now, *m.drop_threshold);
  m.trim_carriers();
  m.collect_removed();
}

void Group::close(TimePoint now) {
  Impl &m = *impl_;
  m.closed = true;
  for (auto &l : m.links) {
    l->retry_at.reset();
    if (l->conn) {
      l->conn->close(now);
      while (l->conn->poll_event()) {
      }
    }
    m.set_state(*l, LinkState::kBroken, "group closed");
  }
}

bool Group::connected() const {
  return impl_->any_connected();
}

bool Group::closed() const {
  return impl_->closed;
}

std::optional<Duration> Group::recv_latency() const {
  return impl_->recv_latency;
}

GroupStats Group::stats(TimePoint now) const {
  const Impl &m = *impl_;
  GroupStats s = m.n;
  s.msTimeStamp = ms_of(now - m.created);
  if (m.rcv) {
    const auto &r = m.rcv->stats();
    s.pktRecv = static_cast<std::int64_t>(r.received);
    s.pktRcvDrop = static_cast<std::int64_t>(r.dropped_packets);
    s.pktRcvRedundant = static_cast<std::int64_t>(r.duplicates + r.belated);
    s.pktRecvUnique = static_cast<std::int64_t>(r.received - r.duplicates - r.belated -
                                                r.out_of_window - r.oversized);
  }
  if (m.recv_latency) s.msRcvTsbPdDelay = ms_of(*m.recv_latency);
  return s;
}

std::vector<LinkStats> Group::link_stats(TimePoint now) const {
  std::vector<LinkStats> v;
  for (const auto &l : impl_->links) {
    if (l->removing) continue;
    LinkStats ls;
    ls.info.id = l->id;
    ls.info.spec = l->spec;
    ls.info.state = l->state;
    ls.info.socket_id = l->conn ? l->conn->local_socket_id() : 0;
    ls.info.caller = l->caller;
    if (l->conn) ls.stats = l->conn->stats(now);
    v.push_back(ls);
  }
  return v;
}

}  // namespace srtcore::bond
