// Many relays on one thread: each keeps its own link (its own client,
// target, impairments and stats), timers of every relay fire, and cut() on
// one relay of the group takes effect.
#include "relay_group.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "sim_test_util.hpp"
#include "udp_test_socket.hpp"

namespace srtcore::linkemu {
namespace {

using sim::test::payload;
using test::UdpTestSocket;
using namespace std::chrono_literals;

constexpr auto kPatience = 5000ms;  // only a broken build waits this long
constexpr std::size_t kRelays = 8;

// kRelays client/server pairs, relay k between client k and server k.
struct GroupFixture {
  explicit GroupFixture(const RelayConfig &base = {}, std::size_t threads = 1) : group(threads) {
    for (std::size_t k = 0; k < kRelays; ++k) {
      servers.push_back(std::make_unique<UdpTestSocket>("127.0.0.1:0"));
      clients.push_back(std::make_unique<UdpTestSocket>("127.0.0.1:0"));
      RelayConfig c = base;
      c.target = to_string(servers.back()->address());
      c.forward.seed = 2 * k + 1;
      c.backward.seed = 2 * k + 2;
      group.add(c);
    }
    group.start();
  }

  // Client k -> relay k -> server k and the reply back; the datagram says
  // which pair sent it, so a relay that crossed links fails the compare.
  void round_trip(std::size_t k, std::uint32_t i) {
    const auto bytes = payload(static_cast<std::uint32_t>(k * 1000 + i), 200 + k);
    clients[k]->send_to(group.at(k).listen_address(), bytes);
    SocketAddress relay_side;
    const auto at_server = servers[k]->receive(kPatience, &relay_side);
    ASSERT_TRUE(at_server) << "relay " << k << " datagram " << i << " never arrived";
    ASSERT_EQ(*at_server, bytes);
    servers[k]->send_to(relay_side, bytes);
    const auto at_client = clients[k]->receive(kPatience);
    ASSERT_TRUE(at_client) << "relay " << k << " reply " << i << " never arrived";
    ASSERT_EQ(*at_client, bytes);
  }

  RelayGroup group;
  std::vector<std::unique_ptr<UdpTestSocket>> servers, clients;
};

class RelayGroupThreads : public ::testing::TestWithParam<std::size_t> {};

TEST_P(RelayGroupThreads, EveryRelayCarriesItsOwnLinkBothWays) {
  GroupFixture f({}, GetParam());
  for (std::uint32_t i = 0; i < 20; ++i) {
    for (std::size_t k = 0; k < kRelays; ++k) {
      f.round_trip(k, i);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  for (std::size_t k = 0; k < kRelays; ++k) {
    const auto s = f.group.at(k).stats();
    EXPECT_EQ(s.forward.link.delivered, 20u) << k;
    EXPECT_EQ(s.backward.link.delivered, 20u) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(RelayGroup, RelayGroupThreads, ::testing::Values(1, 3, 8));

TEST(RelayGroup, DelayedDatagramsOfEveryRelayLeaveOnTheirDeadlines) {
  // Nothing but the group's timer can release these, and the relays'
  // deadlines interleave.
  RelayConfig c;
  c.forward.delay = c.backward.delay = 15ms;
  GroupFixture f(c);
  for (std::size_t k = 0; k < kRelays; ++k)
    f.clients[k]->send_to(f.group.at(k).listen_address(), payload(static_cast<std::uint32_t>(k)));
  const auto sent = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < kRelays; ++k) {
    const auto got = f.servers[k]->receive(kPatience);
    ASSERT_TRUE(got) << k;
    EXPECT_EQ(*got, payload(static_cast<std::uint32_t>(k)));
  }
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 15ms);
}

TEST(RelayGroup, CutOneRelayLeavesTheOthersRunning) {
  GroupFixture f;
  for (std::size_t k = 0; k < kRelays; ++k) f.round_trip(k, 0);
  f.group.at(3).cut();
  constexpr std::uint64_t kCut = 10;
  for (std::uint32_t i = 0; i < kCut; ++i)
    f.clients[3]->send_to(f.group.at(3).listen_address(), payload(i));
  ASSERT_TRUE(f.group.at(3).wait_for(
      [](const RelayStats &s) { return s.forward.link.dropped_cut == kCut; }, kPatience));
  EXPECT_FALSE(f.servers[3]->receive_now());
  for (std::size_t k = 0; k < kRelays; ++k) {
    if (k != 3) f.round_trip(k, 1);
  }
  f.group.at(3).restore();
  f.round_trip(3, 2);
}

TEST(RelayGroup, LossIsAppliedPerRelay) {
  RelayConfig c;
  c.forward.loss = 0.5;
  GroupFixture f(c);
  constexpr std::uint64_t kN = 200;
  for (std::size_t k = 0; k < kRelays; ++k) {
    for (std::uint32_t i = 0; i < kN; ++i)
      f.clients[k]->send_to(f.group.at(k).listen_address(), payload(i));
  }
  std::vector<std::uint64_t> lost;
  for (std::size_t k = 0; k < kRelays; ++k) {
    ASSERT_TRUE(f.group.at(k).wait_for([](const RelayStats &s) { return s.forward.link.in == kN; },
                                       kPatience));
    const auto s = f.group.at(k).stats().forward.link;
    EXPECT_EQ(s.lost_random + s.delivered, kN) << k;
    lost.push_back(s.lost_random);
  }
  // Each relay has its own seed: the patterns are not all the same.
  EXPECT_NE(std::count(lost.begin(), lost.end(), lost.front()), static_cast<long>(kRelays));
}

}  // namespace
}  // namespace srtcore::linkemu
