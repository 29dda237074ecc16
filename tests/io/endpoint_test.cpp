// Endpoint over loopback, ours against ours: caller/listener and rendezvous
// on IPv4 and IPv6, a listener serving several callers, stream ids and
// rejection through the observer, cancel, peer loss, and hostile input.
#include <sys/socket.h>

#include <atomic>
#include <future>
#include <map>
#include <set>
#include <random>
#include <thread>

#include "endpoint_fixture.hpp"
#include "io/udp_socket.hpp"
#include "srt/reject.hpp"

namespace srtcore::io::test {
namespace {

// Ports free right now (bound, read back and released together, so they
// differ); for peers that must know a port before anything binds it.
std::vector<std::uint16_t> free_udp_ports(std::size_t n) {
  std::vector<UdpSocket> held;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) {
    auto s = UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
    if (!s) return {};
    ports.push_back(s->local_address().port);
    held.push_back(std::move(*s));
  }
  return ports;
}

std::uint16_t free_udp_port() {
  const auto p = free_udp_ports(1);
  return p.empty() ? 0 : p[0];
}

void expect_stream(Endpoint &from, Endpoint &to, std::uint32_t count) {
  std::future<Received> rx =
      std::async(std::launch::async, [&] { return receive_messages(to, count); });
  send_messages(from, 0, count);
  const Received r = rx.get();
  EXPECT_TRUE(all_in_order(r, 0, count));
  EXPECT_EQ(r.dropped_reported, 0u);
}

TEST(Endpoint, CallerToListenerIpv4BothDirections) {
  auto listener = open_endpoint(listener_config());
  auto caller = open_endpoint(caller_config(*listener));
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_EQ(listener->wait_connected(kGenerous), WaitStatus::kReady);
  expect_stream(*caller, *listener, 3000);
  expect_stream(*listener, *caller, 500);
  ASSERT_TRUE(caller->recv_latency().has_value());
  EXPECT_EQ(*caller->recv_latency(), std::chrono::milliseconds(120));
  const auto stats = caller->stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].second.pktSentUnique, 3000);
  EXPECT_EQ(listener->peers().size(), 1u);
  EXPECT_EQ(listener->peers()[0].address.port, caller->local_address().port);
}

TEST(Endpoint, CallerToListenerIpv6) {
  auto listener = open_endpoint(listener_config("::1"));
  auto caller = open_endpoint(caller_config(*listener, "::1"));
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  EXPECT_EQ(caller->local_address().family, srt::NetAddress::Family::kV6);
  expect_stream(*caller, *listener, 1000);
}

TEST(Endpoint, DualStackListenerTakesIpv4Caller) {
  auto listener = open_endpoint(listener_config("::"));
  auto caller = open_endpoint(caller_config(*listener, "127.0.0.1"));
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  expect_stream(*caller, *listener, 200);
  ASSERT_EQ(listener->peers().size(), 1u);
  EXPECT_EQ(listener->peers()[0].address.family, srt::NetAddress::Family::kV4);
}

TEST(Endpoint, Rendezvous) {
  const auto ports = free_udp_ports(2);  // each side must know both first
  ASSERT_EQ(ports.size(), 2u);
  const std::uint16_t pa = ports[0];
  const std::uint16_t pb = ports[1];
  EndpointConfig a;
  a.mode = Mode::kRendezvous;
  a.host = "127.0.0.1";
  a.port = pb;
  a.local_port = pa;
  EndpointConfig b = a;
  b.port = pa;
  b.local_port = pb;
  b.connection.recv_latency = std::chrono::milliseconds(200);
  auto ea = open_endpoint(a);
  auto eb = open_endpoint(b);
  ASSERT_EQ(ea->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_EQ(eb->wait_connected(kGenerous), WaitStatus::kReady);
  expect_stream(*ea, *eb, 500);
  expect_stream(*eb, *ea, 500);
  // Each direction takes the larger of the receiver's latency and the
  // sender's peer latency: b asked for 200 ms on what it receives only.
  EXPECT_EQ(*ea->recv_latency(), std::chrono::milliseconds(120));
  EXPECT_EQ(*eb->recv_latency(), std::chrono::milliseconds(200));
}

TEST(Endpoint, ListenerServesSeveralCallers) {
  EndpointConfig lc = listener_config();
  lc.serve_many = true;
  RecordingObserver observer;
  auto listener = open_endpoint(lc, &observer);
  std::vector<std::unique_ptr<Endpoint>> callers;
  for (int i = 0; i < 4; ++i) {
    EndpointConfig cc = caller_config(*listener);
    cc.connection.stream_id = "caller-" + std::to_string(i);
    callers.push_back(open_endpoint(cc));
  }
  for (auto &c : callers) ASSERT_EQ(c->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_TRUE(observer.wait([&] { return observer.connected.size() == 4; }));
  EXPECT_EQ(listener->peers().size(), 4u);

  // Listener -> every caller.
  std::vector<std::future<Received>> rx;
  for (auto &c : callers)
    rx.push_back(std::async(std::launch::async, [&c] { return receive_messages(*c, 300); }));
  send_messages(*listener, 0, 300);
  for (auto &f : rx) EXPECT_TRUE(all_in_order(f.get(), 0, 300));

  // Every caller -> listener: each connection's messages in order.
  for (auto &c : callers) send_messages(*c, 0, 100);
  const auto per_peer = receive_per_peer(*listener, 400);
  ASSERT_EQ(per_peer.size(), 4u);
  for (const auto &[id, indices] : per_peer) {
    Received r;
    r.indices = indices;
    EXPECT_TRUE(all_in_order(r, 0, 100)) << "peer " << id;
  }
  std::lock_guard lock(observer.mutex);
  std::set<std::string> ids;
  for (const auto &p : observer.connected) ids.insert(p.stream_id);
  EXPECT_EQ(ids, (std::set<std::string>{"caller-0", "caller-1", "caller-2", "caller-3"}));
}

TEST(Endpoint, ListenerKeepsServingTheRestWhenCallersLeave) {
  EndpointConfig lc = listener_config();
  lc.serve_many = true;
  RecordingObserver observer;
  auto listener = open_endpoint(lc, &observer);
  std::vector<std::unique_ptr<Endpoint>> callers;
  for (int i = 0; i < 6; ++i) callers.push_back(open_endpoint(caller_config(*listener)));
  for (auto &c : callers) ASSERT_EQ(c->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_TRUE(observer.wait([&] { return observer.connected.size() == 6; }));
  // Every other caller leaves: the listener drops them from the middle of
  // its table, and must still find each remaining connection by socket id.
  for (std::size_t i = 0; i < callers.size(); i += 2) callers[i].reset();
  ASSERT_TRUE(observer.wait([&] { return observer.disconnected.size() == 3; }));
  ASSERT_TRUE(eventually([&] { return listener->peers().size() == 3; }));
  std::set<std::uint32_t> remaining;
  for (const auto &p : listener->peers()) remaining.insert(p.socket_id);
  for (auto &c : callers) {
    if (c) send_messages(*c, 0, 100);
  }
  const auto per_peer = receive_per_peer(*listener, 300);
  ASSERT_EQ(per_peer.size(), 3u);
  for (const auto &[id, indices] : per_peer) {
    EXPECT_EQ(remaining.count(id), 1u) << "peer " << id;
    Received r;
    r.indices = indices;
    EXPECT_TRUE(all_in_order(r, 0, 100)) << "peer " << id;
  }
}

TEST(Endpoint, ListenerServesAHundredCallersOnOnePort) {
  constexpr int kCallers = 100;
  constexpr std::uint32_t kEach = 100;
  EndpointConfig lc = listener_config();
  lc.serve_many = true;
  RecordingObserver observer;
  auto listener = open_endpoint(lc, &observer);
  std::vector<std::unique_ptr<Endpoint>> callers;
  for (int i = 0; i < kCallers; ++i) callers.push_back(open_endpoint(caller_config(*listener)));
  for (auto &c : callers) ASSERT_EQ(c->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_TRUE(observer.wait([&] { return observer.connected.size() == kCallers; }));
  // Every caller streams at once, interleaved, a few messages at a time.
  std::future<std::map<std::uint32_t, std::vector<std::uint32_t>>> rx =
      std::async(std::launch::async, [&] { return receive_per_peer(*listener, kCallers * kEach); });
  for (std::uint32_t i = 0; i < kEach; i += 4) {
    for (auto &c : callers) send_messages(*c, i, 4);
  }
  const auto per_peer = rx.get();
  ASSERT_EQ(per_peer.size(), static_cast<std::size_t>(kCallers));
  for (const auto &[id, indices] : per_peer) {
    Received r;
    r.indices = indices;
    EXPECT_TRUE(all_in_order(r, 0, kEach)) << "peer " << id;
  }
  EXPECT_EQ(listener->counters().unknown_socket, 0u);
  EXPECT_EQ(listener->counters().wrong_peer, 0u);
}

TEST(Endpoint, StreamIdRejectedByObserver) {
  RecordingObserver observer;
  auto listener = open_endpoint(listener_config(), &observer);
  EndpointConfig denied = caller_config(*listener);
  denied.connection.stream_id = "deny-me";
  auto caller = open_endpoint(denied);
  EXPECT_EQ(caller->wait_connected(kGenerous), WaitStatus::kFailed);
  const auto error = caller->error();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, EndpointError::Kind::kRejected);
  EXPECT_EQ(error->reject_code, 1403u);
  ASSERT_TRUE(observer.wait([&] { return !observer.rejected.empty(); }));
  {
    std::lock_guard lock(observer.mutex);
    EXPECT_EQ(observer.rejected[0].second, 1403u);
    EXPECT_EQ(observer.rejected[0].first.stream_id, "deny-me");
  }

  EndpointConfig allowed = caller_config(*listener);
  allowed.connection.stream_id = "#!::r=live/feed,m=request";
  auto good = open_endpoint(allowed);
  ASSERT_EQ(good->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_TRUE(observer.wait([&] { return !observer.connected.empty(); }));
  ASSERT_EQ(listener->peers().size(), 1u);
  EXPECT_EQ(listener->peers()[0].stream_id, "#!::r=live/feed,m=request");
}

TEST(Endpoint, SourceListenerRefusesASecondCaller) {
  auto listener = open_endpoint(listener_config());  // serve_many = false
  auto first = open_endpoint(caller_config(*listener));
  ASSERT_EQ(first->wait_connected(kGenerous), WaitStatus::kReady);
  auto second = open_endpoint(caller_config(*listener));
  EXPECT_EQ(second->wait_connected(kGenerous), WaitStatus::kFailed);
  ASSERT_TRUE(second->error().has_value());
  EXPECT_EQ(second->error()->kind, EndpointError::Kind::kRejected);
  EXPECT_EQ(second->error()->reject_code, static_cast<std::uint32_t>(srt::RejectReason::kBacklog));
  // The first one is unaffected.
  expect_stream(*first, *listener, 100);
}

TEST(Endpoint, CancelUnblocksReceiveAndWait) {
  auto listener = open_endpoint(listener_config());
  auto waiter = std::async(std::launch::async, [&] { return listener->wait_connected(kGenerous); });
  listener->cancel();
  ASSERT_EQ(waiter.wait_for(kGenerous), std::future_status::ready);
  EXPECT_EQ(waiter.get(), WaitStatus::kCancelled);

  listener->uncancel();
  auto caller = open_endpoint(caller_config(*listener));
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  auto receiver = std::async(std::launch::async, [&] {
    std::vector<std::uint8_t> buf(1500);
    WaitStatus st{};
    auto m = caller->receive(buf, std::chrono::milliseconds(60'000), &st);
    return std::make_pair(m.has_value(), st);
  });
  caller->cancel();
  ASSERT_EQ(receiver.wait_for(kGenerous), std::future_status::ready);
  const auto [got, status] = receiver.get();
  EXPECT_FALSE(got);
  EXPECT_EQ(status, WaitStatus::kCancelled);

  // uncancel() re-arms: messages flow again.
  caller->uncancel();
  expect_stream(*listener, *caller, 50);
}

TEST(Endpoint, PeerGoneEndsReceiveWithAnError) {
  auto listener = open_endpoint(listener_config());
  auto caller = open_endpoint(caller_config(*listener));
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  auto receiver = std::async(std::launch::async, [&] {
    std::vector<std::uint8_t> buf(1500);
    WaitStatus st{};
    caller->receive(buf, kGenerous, &st);
    return st;
  });
  listener.reset();  // sends shutdown
  ASSERT_EQ(receiver.wait_for(kGenerous), std::future_status::ready);
  EXPECT_EQ(receiver.get(), WaitStatus::kFailed);
  ASSERT_TRUE(caller->error().has_value());
  EXPECT_EQ(caller->error()->kind, EndpointError::Kind::kBroken);
  EXPECT_FALSE(caller->error()->detail.empty());
}

TEST(Endpoint, NobodyListeningTimesOut) {
  EndpointConfig c;
  c.mode = Mode::kCaller;
  c.host = "127.0.0.1";
  c.port = free_udp_port();
  c.connection.connect_timeout = std::chrono::milliseconds(300);
  auto caller = open_endpoint(c);
  EXPECT_EQ(caller->wait_connected(kGenerous), WaitStatus::kFailed);
  ASSERT_TRUE(caller->error().has_value());
  EXPECT_EQ(caller->error()->kind, EndpointError::Kind::kTimeout);
}

TEST(Endpoint, BadAddressesAreReported) {
  EndpointError error{};
  EndpointConfig c;
  c.host = "no-such-host.invalid";
  c.port = 4000;
  EXPECT_EQ(Endpoint::open(nullptr, c, nullptr, &error), nullptr);
  EXPECT_EQ(error.kind, EndpointError::Kind::kBadAddress);
  EXPECT_NE(error.detail.find("no-such-host.invalid"), std::string::npos);
  c.host = "127.0.0.1";
  c.port = 0;
  EXPECT_EQ(Endpoint::open(nullptr, c, nullptr, &error), nullptr);
  EXPECT_EQ(error.kind, EndpointError::Kind::kBadAddress);
}

TEST(Endpoint, BusyPortIsASocketError) {
  auto listener = open_endpoint(listener_config());
  EndpointConfig again = listener_config();
  again.port = listener->local_address().port;
  EndpointError error{};
  EXPECT_EQ(Endpoint::open(nullptr, again, nullptr, &error), nullptr);
  EXPECT_EQ(error.kind, EndpointError::Kind::kSocket);
}

// Random datagrams, truncated headers, handshakes with bad cookies or
// versions, and data for unknown sockets, fired at a listener while a
// stream runs: all counted and ignored, the stream intact.
TEST(Endpoint, HostileInputAtListenerIsIgnored) {
  const std::uint32_t seed = 20240607;
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto listener = open_endpoint(listener_config());
  auto caller = open_endpoint(caller_config(*listener));
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);

  std::atomic<bool> stop{false};
  std::thread attacker([&] {
    auto s = UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
    std::mt19937 rng(seed);
    const SockAddr to = s->destination(listener->local_address());
    SendBatch batch;
    while (!stop.load()) {
      for (int k = 0; k < 64; ++k) {
        auto slot = batch.next_slot();
        const std::size_t size = rng() % 120;
        for (std::size_t i = 0; i < size; ++i) slot[i] = static_cast<std::uint8_t>(rng());
        if (size >= 16 && k % 3 == 0) {
          // A handshake to socket 0: control, type 0.
          srt::put_u32(slot.data(), 0x80000000u);
          srt::put_u32(slot.data() + 12, 0);
        }
        batch.commit(size, to);
      }
      s->send(batch);
      batch.clear();
    }
  });
  expect_stream(*caller, *listener, 2000);
  stop.store(true);
  attacker.join();
  const EndpointCounters n = listener->counters();
  const std::uint64_t ignored = n.too_short + n.unknown_socket + n.wrong_peer +
                                n.listener.malformed + n.listener.bad_cookie +
                                n.listener.bad_version + n.listener.ignored;
  EXPECT_GT(ignored, 0u);
  EXPECT_EQ(listener->peers().size(), 1u);
  EXPECT_EQ(n.listener.accepted, 1u);
}

}  // namespace
}  // namespace srtcore::io::test
