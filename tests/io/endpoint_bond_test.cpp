// Bonded endpoints (SRT socket groups) over loopback, ours against ours:
// broadcast and backup over two paths, each path through its own in-process
// UDP relay (tools/linkemu) that can cut it; paths added and removed at run
// time; a bonded caller refused by a plain listener; a bonded listener
// serving a plain caller. The caller's paths bind distinct loopback
// addresses (127.0.0.2, 127.0.0.3), as paths over distinct interfaces would.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "endpoint_fixture.hpp"
#include "io/udp_socket.hpp"
#include "srt/reject.hpp"
#include "udp_relay.hpp"

namespace srtcore::bond {
inline void PrintTo(LinkState s, std::ostream *os) {
  *os << link_state_name(s);
}
}  // namespace srtcore::bond

namespace srtcore::io::test {
namespace {

using namespace std::chrono_literals;
using bond::LinkState;

// A relay per path between the caller and the listener, cut on command.
std::unique_ptr<linkemu::UdpRelay> relay_to(std::uint16_t listener_port) {
  linkemu::RelayConfig rc;
  rc.listen = "127.0.0.1:0";
  rc.target = "127.0.0.1:" + std::to_string(listener_port);
  auto relay = std::make_unique<linkemu::UdpRelay>(rc);
  relay->start();
  return relay;
}

LinkConfig path(const std::string &name, std::uint16_t port, const std::string &local,
                std::uint16_t weight = 0) {
  LinkConfig l;
  l.host = "127.0.0.1";
  l.port = port;
  l.local_address = local;
  l.weight = weight;
  l.name = name;
  return l;
}

EndpointConfig bonded_caller(bond::GroupMode mode, std::vector<LinkConfig> links) {
  EndpointConfig c;
  c.mode = Mode::kCaller;
  c.bond = BondConfig{};
  c.bond->mode = mode;
  c.bond->links = std::move(links);
  c.connection.stream_id = "bonded";
  return c;
}

EndpointConfig bonded_listener(std::vector<LinkConfig> extra = {}) {
  EndpointConfig c = listener_config();
  c.bond = BondConfig{};
  c.bond->links = std::move(extra);
  return c;
}

// Records link states and connections of a bonded endpoint.
class BondObserver : public RecordingObserver {
 public:
  struct Change {
    LinkReport link;
    LinkState from;
    LinkState to;
    std::string detail;
  };
  void on_link_state(const LinkReport &link, LinkState from, LinkState to,
                     const std::string &detail) override {
    std::lock_guard lock(mutex);
    changes.push_back({link, from, to, detail});
    cv.notify_all();
  }
  // The last state reported for the link named `name`.
  std::optional<LinkState> state_of(const std::string &name) {
    std::optional<LinkState> s;
    for (const auto &c : changes)
      if (c.link.name == name) s = c.to;
    return s;
  }
  bool saw(const std::string &name, LinkState to) {
    return std::any_of(changes.begin(), changes.end(),
                       [&](const Change &c) { return c.link.name == name && c.to == to; });
  }
  std::vector<Change> changes;
};

std::size_t connected_links(const Endpoint &e) {
  const auto links = e.links();
  return static_cast<std::size_t>(std::count_if(links.begin(), links.end(), [](const auto &l) {
    return l.state == LinkState::kIdle || l.state == LinkState::kRunning;
  }));
}

// Sends messages [first, first + count) one per `interval` (a live stream),
// calling `at(i)` before message i.
void paced_stream(Endpoint &e, std::uint32_t first, std::uint32_t count,
                  std::chrono::microseconds interval,
                  const std::function<void(std::uint32_t)> &at = {}) {
  auto next = std::chrono::steady_clock::now();
  for (std::uint32_t i = first; i < first + count; ++i) {
    if (at) at(i);
    const auto m = make_message(i, message_size(i));
    const srt::ByteSpan span(m.data(), m.size());
    e.send(std::span(&span, 1));
    next += interval;
    std::this_thread::sleep_until(next);  // pacing, not synchronisation
  }
}

struct BondPair {
  std::unique_ptr<Endpoint> listener;
  std::unique_ptr<Endpoint> caller;
  std::vector<std::unique_ptr<linkemu::UdpRelay>> relays;
};

// A bonded listener and a caller with two relayed paths, both connected.
void open_pair(BondPair &p, bond::GroupMode mode, BondObserver *caller_observer,
               BondObserver *listener_observer, srt::Duration latency, std::uint16_t weight_a = 0,
               std::uint16_t weight_b = 0, const std::string &passphrase = {}) {
  EndpointConfig lc = bonded_listener();
  lc.connection.recv_latency = latency;
  lc.connection.passphrase = passphrase;
  p.listener = open_endpoint(lc, listener_observer);
  ASSERT_NE(p.listener, nullptr);
  const std::uint16_t port = p.listener->local_address().port;
  p.relays.push_back(relay_to(port));
  p.relays.push_back(relay_to(port));
  EndpointConfig cc = bonded_caller(
      mode, {path("path-a", p.relays[0]->listen_address().port(), "127.0.0.2", weight_a),
             path("path-b", p.relays[1]->listen_address().port(), "127.0.0.3", weight_b)});
  cc.connection.recv_latency = latency;
  cc.connection.passphrase = passphrase;
  p.caller = open_endpoint(cc, caller_observer);
  ASSERT_NE(p.caller, nullptr);
  ASSERT_EQ(p.caller->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_EQ(p.listener->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_TRUE(eventually([&] { return connected_links(*p.caller) == 2; }));
  ASSERT_TRUE(eventually([&] { return connected_links(*p.listener) == 2; }));
}

// The indices that did not arrive (for failure messages).
std::string missing(const Received &r, std::uint32_t count) {
  std::vector<bool> seen(count);
  for (auto i : r.indices)
    if (i < count) seen[i] = true;
  std::string out = "missing:";
  for (std::uint32_t i = 0; i < count; ++i)
    if (!seen[i]) out += " " + std::to_string(i);
  return out;
}

// Streams `count` messages caller -> listener, cutting path a over
// [cut_from, cut_to), and checks every message arrived once and in order.
void stream_through_cut(BondPair &p, std::uint32_t count, std::uint32_t cut_from,
                        std::uint32_t cut_to) {
  std::future<Received> rx =
      std::async(std::launch::async, [&] { return receive_messages(*p.listener, count, 5s); });
  paced_stream(*p.caller, 0, count, 1ms, [&](std::uint32_t i) {
    if (i == cut_from) p.relays[0]->cut();
    if (i == cut_to) p.relays[0]->restore();
  });
  const Received r = rx.get();
  EXPECT_TRUE(all_in_order(r, 0, count)) << missing(r, count);
  EXPECT_EQ(r.dropped_reported, 0u);
  // The relay really did cut the path.
  const auto cut = p.relays[0]->stats();
  EXPECT_GT(cut.forward.link.dropped_cut, 0u);
  EXPECT_EQ(p.relays[1]->stats().forward.link.dropped_cut, 0u);
}

const LinkReport *find_link(const std::vector<LinkReport> &links, const std::string &name) {
  for (const auto &l : links)
    if (l.name == name) return &l;
  return nullptr;
}

TEST(EndpointBond, BroadcastKeepsEveryMessageThroughAPathCut) {
  BondObserver co, lo;
  BondPair p;
  open_pair(p, bond::GroupMode::kBroadcast, &co, &lo, 200ms);
  if (HasFatalFailure()) return;

  // Each end sees the other group as one peer.
  const auto caller_peers = p.caller->peers();
  ASSERT_EQ(caller_peers.size(), 1u);
  ASSERT_EQ(p.caller->group_stats().size(), 1u);
  EXPECT_EQ(caller_peers[0].socket_id, p.caller->group_stats()[0].first);
  EXPECT_EQ(caller_peers[0].stream_id, "bonded");
  const auto listener_peers = p.listener->peers();
  ASSERT_EQ(listener_peers.size(), 1u);
  EXPECT_EQ(listener_peers[0].stream_id, "bonded");
  EXPECT_TRUE(p.listener->stats().empty());  // no plain connection
  ASSERT_TRUE(p.caller->recv_latency().has_value());
  EXPECT_EQ(*p.caller->recv_latency(), 200ms);
  // Observer calls come after the state they report.
  ASSERT_TRUE(co.wait([&] {
    return co.saw("path-a", LinkState::kRunning) && co.saw("path-b", LinkState::kRunning);
  }));
  ASSERT_TRUE(lo.wait([&] { return lo.connected.size() == 1; }));
  {
    std::lock_guard lock(co.mutex);
    ASSERT_EQ(co.connected.size(), 1u);
    EXPECT_EQ(co.connected[0].socket_id, caller_peers[0].socket_id);
  }
  {
    std::lock_guard lock(lo.mutex);
    EXPECT_EQ(lo.requests, (std::vector<std::string>{"bonded", "bonded"}));  // one per member
    EXPECT_EQ(lo.connected[0].socket_id, listener_peers[0].socket_id);
  }

  constexpr std::uint32_t kCount = 1500;
  stream_through_cut(p, kCount, 400, 900);

  // Both links carried the stream; the cut one lost what the relay dropped.
  const auto links = p.caller->links();
  ASSERT_EQ(links.size(), 2u);
  const LinkReport *a = find_link(links, "path-a");
  const LinkReport *b = find_link(links, "path-b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->local.to_string().rfind("127.0.0.2:", 0), 0u) << a->local.to_string();
  EXPECT_EQ(b->local.to_string().rfind("127.0.0.3:", 0), 0u) << b->local.to_string();
  EXPECT_EQ(a->group_id, caller_peers[0].socket_id);
  EXPECT_GE(b->stats.pktSentUnique, kCount);
  const auto at_listener = p.listener->links();
  ASSERT_EQ(at_listener.size(), 2u);
  const auto fewer = std::min(at_listener[0].stats.pktRecv, at_listener[1].stats.pktRecv);
  const auto more = std::max(at_listener[0].stats.pktRecv, at_listener[1].stats.pktRecv);
  EXPECT_GE(more, kCount);
  EXPECT_LT(fewer, more) << "the cut path should have brought fewer packets";
  const auto gs = p.listener->group_stats();
  ASSERT_EQ(gs.size(), 1u);
  EXPECT_EQ(gs[0].first, listener_peers[0].socket_id);
  EXPECT_EQ(gs[0].second.pktDelivered, kCount);
  EXPECT_GT(gs[0].second.pktRcvRedundant, 0);  // the second copies
  EXPECT_EQ(p.caller->group_stats()[0].second.pktSent, kCount);
}

TEST(EndpointBond, BackupSwitchesToTheStandbyWithoutLoss) {
  BondObserver co, lo;
  BondPair p;
  open_pair(p, bond::GroupMode::kBackup, &co, &lo, 300ms, /*weight_a=*/10, /*weight_b=*/0);
  if (HasFatalFailure()) return;
  // The preferred path carries the stream, the other is kept warm.
  ASSERT_TRUE(eventually([&] {
    const auto links = p.caller->links();
    const LinkReport *a = find_link(links, "path-a");
    const LinkReport *b = find_link(links, "path-b");
    return a && b && a->state == LinkState::kRunning && b->state == LinkState::kIdle;
  }));

  constexpr std::uint32_t kCount = 1500;
  stream_through_cut(p, kCount, 400, 900);

  const auto gs = p.caller->group_stats();
  ASSERT_EQ(gs.size(), 1u);
  EXPECT_GE(gs[0].second.linkActivations, 1);
  std::lock_guard lock(co.mutex);
  EXPECT_TRUE(co.saw("path-b", LinkState::kRunning)) << "the standby never took over";
  const auto links = p.caller->links();
  const LinkReport *a = find_link(links, "path-a");
  const LinkReport *b = find_link(links, "path-b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->weight, 10);
  // The standby carried at least what the cut path could not.
  EXPECT_GT(b->stats.pktSent, 0);
  EXPECT_LT(b->stats.pktSent, a->stats.pktSent + b->stats.pktSent);
}

TEST(EndpointBond, BalancingSpreadsTheStreamAndLosesNothingThroughAPathCut) {
  BondObserver co, lo;
  BondPair p;
  open_pair(p, bond::GroupMode::kBalancing, &co, &lo, 200ms);
  if (HasFatalFailure()) return;
  constexpr std::uint32_t kCount = 1500;
  stream_through_cut(p, kCount, 400, 900);
  // Each message went out once, spread over both paths (the cut one
  // carried its part before and after the cut), not on every path.
  const auto links = p.caller->links();
  ASSERT_EQ(links.size(), 2u);
  std::int64_t unique = 0;
  for (const auto &l : links) {
    EXPECT_GT(l.stats.pktSentUnique, static_cast<std::int64_t>(kCount / 10)) << l.name;
    unique += l.stats.pktSentUnique;
  }
  EXPECT_EQ(unique, static_cast<std::int64_t>(kCount));
  const auto gs = p.listener->group_stats();
  ASSERT_EQ(gs.size(), 1u);
  EXPECT_EQ(gs[0].second.pktDelivered, kCount);
}

TEST(EndpointBond, EncryptedBalancingGroupKeysEveryMemberAndLosesNothing) {
  BondObserver co, lo;
  BondPair p;
  open_pair(p, bond::GroupMode::kBalancing, &co, &lo, 200ms, 0, 0, "group secret 0123");
  if (HasFatalFailure()) return;
  constexpr std::uint32_t kCount = 1500;
  stream_through_cut(p, kCount, 400, 900);
  for (const Endpoint *e : {p.caller.get(), p.listener.get()}) {
    const auto links = e->links();
    ASSERT_EQ(links.size(), 2u);
    for (const auto &l : links) {
      EXPECT_EQ(l.stats.kmState, 2) << l.name;  // secured
      EXPECT_EQ(l.stats.pktRcvUndecrypt, 0) << l.name;
    }
  }
  EXPECT_EQ(p.listener->group_stats()[0].second.pktDelivered, kCount);
}

TEST(EndpointBond, EncryptedCallerOfAClearGroupListenerIsRefused) {
  EndpointConfig lc = bonded_listener();
  auto listener = open_endpoint(lc, nullptr);
  ASSERT_NE(listener, nullptr);
  EndpointConfig cc =
      bonded_caller(bond::GroupMode::kBroadcast,
                    {path("path-a", listener->local_address().port, "127.0.0.2", 0)});
  cc.connection.passphrase = "group secret 0123";
  auto caller = open_endpoint(cc, nullptr);
  ASSERT_NE(caller, nullptr);
  EXPECT_EQ(caller->wait_connected(kGenerous), WaitStatus::kFailed);
  ASSERT_TRUE(caller->error().has_value());
  EXPECT_EQ(caller->error()->reject_code, static_cast<std::uint32_t>(srt::RejectReason::kUnsecure))
      << caller->error()->detail;
}

TEST(EndpointBond, BrokenPathReconnectsAsANewMember) {
  BondObserver co, lo;
  EndpointConfig lc = bonded_listener();
  // Longer than the 1 s keepalive interval: a quiet link is not a dead one.
  lc.connection.peer_idle_timeout = 1200ms;
  auto listener = open_endpoint(lc, &lo);
  ASSERT_NE(listener, nullptr);
  std::vector<std::unique_ptr<linkemu::UdpRelay>> relays;
  relays.push_back(relay_to(listener->local_address().port));
  relays.push_back(relay_to(listener->local_address().port));
  EndpointConfig cc =
      bonded_caller(bond::GroupMode::kBroadcast,
                    {path("path-a", relays[0]->listen_address().port(), "127.0.0.2"),
                     path("path-b", relays[1]->listen_address().port(), "127.0.0.3")});
  cc.connection.peer_idle_timeout = 1200ms;
  cc.bond->reconnect_min = 50ms;
  cc.bond->reconnect_max = 200ms;
  auto caller = open_endpoint(cc, &co);
  ASSERT_NE(caller, nullptr);
  ASSERT_TRUE(eventually([&] { return connected_links(*caller) == 2; }));
  ASSERT_TRUE(eventually([&] { return connected_links(*listener) == 2; }));
  std::uint32_t first_id = 0;
  for (const auto &l : caller->links())
    if (l.name == "path-a") first_id = l.id;

  // Path a is down long enough for both ends to give up on it; the caller
  // opens it again (a new socket id) once it is back.
  constexpr std::uint32_t kCount = 2400;
  std::future<Received> rx =
      std::async(std::launch::async, [&] { return receive_messages(*listener, kCount, 5s); });
  paced_stream(*caller, 0, kCount, 1ms, [&](std::uint32_t i) {
    if (i == 200) relays[0]->cut();
    if (i == 1700) relays[0]->restore();
  });
  const Received r = rx.get();
  EXPECT_EQ(caller->group_stats()[0].second.pktSent, kCount) << "the group refused messages";
  EXPECT_TRUE(all_in_order(r, 0, kCount)) << missing(r, kCount);
  EXPECT_EQ(r.dropped_reported, 0u);

  ASSERT_TRUE(co.wait([&] {
    bool broke = false;
    for (const auto &c : co.changes) {
      if (c.link.name != "path-a") continue;
      if (c.to == LinkState::kBroken) broke = true;
      if (broke && c.to == LinkState::kRunning) return true;
    }
    return false;
  })) << "path a never broke and came back";
  // Same link, new member: two connected members at the listener again
  // (the one that timed out was dropped), one group throughout.
  ASSERT_TRUE(eventually([&] { return connected_links(*listener) == 2; }));
  EXPECT_EQ(listener->links().size(), 2u);
  EXPECT_EQ(listener->group_stats().size(), 1u);
  const auto links = caller->links();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(find_link(links, "path-a")->id, first_id);
  EXPECT_GE(caller->group_stats()[0].second.linkReconnects, 1);
  {
    std::lock_guard lock(lo.mutex);
    EXPECT_TRUE(lo.disconnected.empty()) << "the group itself never went";
  }
  if (!HasFailure()) return;
  {
    std::lock_guard lock(lo.mutex);
    for (const auto &d : lo.disconnected) std::printf("disconnected: %s\n", d.second.c_str());
    for (const auto &c : lo.changes)
      std::printf("L link %u %s -> %s (%s)\n", c.link.id, bond::link_state_name(c.from),
                  bond::link_state_name(c.to), c.detail.c_str());
  }
  {
    std::lock_guard lock(co.mutex);
    for (const auto &c : co.changes)
      std::printf("C %s %s -> %s (%s)\n", c.link.name.c_str(), bond::link_state_name(c.from),
                  bond::link_state_name(c.to), c.detail.c_str());
  }
}

TEST(EndpointBond, PathsAddedAndRemovedAtRunTime) {
  BondObserver co, lo;
  EndpointConfig lc = bonded_listener();
  auto listener = open_endpoint(lc, &lo);
  ASSERT_NE(listener, nullptr);
  const std::uint16_t port = listener->local_address().port;
  auto caller = open_endpoint(
      bonded_caller(bond::GroupMode::kBroadcast, {path("path-a", port, "127.0.0.2")}), &co);
  ASSERT_NE(caller, nullptr);
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_EQ(listener->wait_connected(kGenerous), WaitStatus::kReady);

  EndpointError error{};
  ASSERT_TRUE(caller->add_link(path("path-b", port, "127.0.0.3"), &error)) << error.detail;
  ASSERT_TRUE(co.wait([&] { return co.state_of("path-b") == LinkState::kRunning; }));
  ASSERT_TRUE(eventually([&] { return connected_links(*listener) == 2; }));
  EXPECT_EQ(listener->peers().size(), 1u);  // still one bonded peer
  EXPECT_EQ(caller->links().size(), 2u);

  std::future<Received> rx =
      std::async(std::launch::async, [&] { return receive_messages(*listener, 600, 5s); });
  paced_stream(*caller, 0, 300, 1ms);
  EXPECT_FALSE(caller->remove_link("no-such-path"));
  ASSERT_TRUE(caller->remove_link("path-a"));
  paced_stream(*caller, 300, 300, 1ms);
  const Received r = rx.get();
  EXPECT_TRUE(all_in_order(r, 0, 600));

  // The removed path is gone here and ended at the listener (its shutdown
  // went out before its socket closed).
  const auto links = caller->links();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].name, "path-b");
  ASSERT_TRUE(lo.wait([&] {
    return std::any_of(lo.changes.begin(), lo.changes.end(),
                       [](const auto &c) { return c.to == LinkState::kBroken; });
  }));
  {
    std::lock_guard lock(co.mutex);
    EXPECT_TRUE(co.saw("path-a", LinkState::kBroken));
  }
  EXPECT_EQ(listener->peers().size(), 1u);  // the group lives on over path b
  // The listener's group dropped the member that left.
  ASSERT_TRUE(eventually([&] { return listener->links().size() == 1; }));

  // A path whose address does not resolve is an error, not a link.
  EXPECT_FALSE(caller->add_link(path("bad", 0, "127.0.0.2"), &error));
  EXPECT_EQ(error.kind, EndpointError::Kind::kBadAddress);
}

TEST(EndpointBond, ListenerTakesMembersOnEveryAddress) {
  // The second listening address: a port free right now on 127.0.0.2.
  std::uint16_t extra_port = 0;
  {
    auto s = UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 2, 0), std::nullopt, {}, nullptr);
    ASSERT_TRUE(s);
    extra_port = s->local_address().port;
  }
  LinkConfig extra;
  extra.host = "127.0.0.2";
  extra.port = extra_port;
  BondObserver lo;
  auto listener = open_endpoint(bonded_listener({extra}), &lo);
  ASSERT_NE(listener, nullptr);
  LinkConfig b = path("path-b", extra_port, "127.0.0.3");
  b.host = "127.0.0.2";
  auto caller = open_endpoint(
      bonded_caller(bond::GroupMode::kBroadcast,
                    {path("path-a", listener->local_address().port, "127.0.0.2"), b}));
  ASSERT_NE(caller, nullptr);
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_TRUE(eventually([&] { return connected_links(*listener) == 2; }));
  const auto links = listener->links();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_NE(links[0].local.to_string(), links[1].local.to_string());
  EXPECT_EQ(links[0].group_id, links[1].group_id);
  EXPECT_EQ(listener->group_stats().size(), 1u);

  // Both directions: the listener's mirror group sends to the caller's group.
  std::future<Received> rx =
      std::async(std::launch::async, [&] { return receive_messages(*caller, 300, 5s); });
  paced_stream(*listener, 0, 300, 500us);
  EXPECT_TRUE(all_in_order(rx.get(), 0, 300));
  std::future<Received> rx2 =
      std::async(std::launch::async, [&] { return receive_messages(*listener, 300, 5s); });
  paced_stream(*caller, 0, 300, 500us);
  const Received r2 = rx2.get();
  EXPECT_TRUE(all_in_order(r2, 0, 300));

  // The caller leaves: the listener's group closes, reported once.
  caller.reset();
  ASSERT_TRUE(lo.wait([&] { return !lo.disconnected.empty(); }));
  ASSERT_TRUE(eventually([&] { return listener->group_stats().empty(); }));
  EXPECT_TRUE(listener->peers().empty());
}

TEST(EndpointBond, PlainListenerRefusesABondedCaller) {
  BondObserver co;
  auto listener = open_endpoint(listener_config());  // no bond: no group connections
  ASSERT_NE(listener, nullptr);
  const std::uint16_t port = listener->local_address().port;
  auto caller = open_endpoint(
      bonded_caller(bond::GroupMode::kBroadcast,
                    {path("path-a", port, "127.0.0.2"), path("path-b", port, "127.0.0.3")}),
      &co);
  ASSERT_NE(caller, nullptr);
  EXPECT_EQ(caller->wait_connected(kGenerous), WaitStatus::kFailed);
  const auto error = caller->error();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, EndpointError::Kind::kRejected);
  EXPECT_EQ(error->reject_code, static_cast<std::uint32_t>(srt::RejectReason::kGroup));
  EXPECT_EQ(error->reject_code, 15u);  // SRT_REJ_GROUP
  EXPECT_FALSE(error->detail.empty());
  ASSERT_TRUE(co.wait([&] { return !co.rejected.empty(); }));
  {
    std::lock_guard lock(co.mutex);
    EXPECT_EQ(co.rejected[0].second, 15u);
    EXPECT_TRUE(co.saw("path-a", LinkState::kBroken));
    EXPECT_TRUE(co.saw("path-b", LinkState::kBroken));
  }
  EXPECT_TRUE(listener->peers().empty());
  std::printf("refused: %s\n", error->detail.c_str());
}

TEST(EndpointBond, BondedListenerServesAPlainCaller) {
  RecordingObserver lo;
  auto listener = open_endpoint(bonded_listener(), &lo);
  ASSERT_NE(listener, nullptr);
  EndpointConfig cc = caller_config(*listener);
  cc.connection.stream_id = "plain";
  auto caller = open_endpoint(cc);
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_EQ(listener->wait_connected(kGenerous), WaitStatus::kReady);
  for (std::uint32_t round = 0; round < 2; ++round) {
    Endpoint &from = round == 0 ? *caller : *listener;
    Endpoint &to = round == 0 ? *listener : *caller;
    std::future<Received> rx =
        std::async(std::launch::async, [&] { return receive_messages(to, 500); });
    send_messages(from, 0, 500);
    EXPECT_TRUE(all_in_order(rx.get(), 0, 500));
  }
  ASSERT_EQ(listener->peers().size(), 1u);
  EXPECT_EQ(listener->peers()[0].stream_id, "plain");
  EXPECT_EQ(listener->stats().size(), 1u);
  EXPECT_TRUE(listener->links().empty());
  EXPECT_TRUE(listener->group_stats().empty());
  // A source listener (serve_many off) still refuses a second plain caller.
  auto second = open_endpoint(caller_config(*listener));
  EXPECT_EQ(second->wait_connected(kGenerous), WaitStatus::kFailed);
  ASSERT_TRUE(second->error().has_value());
  EXPECT_EQ(second->error()->reject_code, static_cast<std::uint32_t>(srt::RejectReason::kBacklog));
}

TEST(EndpointBond, RendezvousCannotBond) {
  EndpointConfig c;
  c.mode = Mode::kRendezvous;
  c.host = "127.0.0.1";
  c.port = 9;
  c.bond = BondConfig{};
  c.bond->links.push_back(path("a", 9, "127.0.0.2"));
  EndpointError error{};
  EXPECT_EQ(Endpoint::open(nullptr, c, nullptr, &error), nullptr);
  EXPECT_EQ(error.kind, EndpointError::Kind::kBadAddress);
  EXPECT_NE(error.detail.find("rendezvous connections cannot be bonded"), std::string::npos)
      << error.detail;

  EndpointConfig none = bonded_caller(bond::GroupMode::kBroadcast, {});
  EXPECT_EQ(Endpoint::open(nullptr, none, nullptr, &error), nullptr);
  EXPECT_EQ(error.kind, EndpointError::Kind::kBadAddress);
}

}  // namespace
}  // namespace srtcore::io::test
