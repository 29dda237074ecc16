// The relay in-process over loopback: byte-identical delivery both ways,
// impairments applied, cut and restore on command.
#include "udp_relay.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim_test_util.hpp"
#include "udp_test_socket.hpp"

namespace srtcore::linkemu {
namespace {

using sim::test::payload;
using test::UdpTestSocket;
using namespace std::chrono_literals;

constexpr auto kPatience = 5000ms;  // only a broken build waits this long

std::size_t size_for(std::uint32_t i) {
  constexpr std::size_t kSizes[] = {4, 100, 1316, 1500, 9000, 65000};
  return kSizes[i % std::size(kSizes)];
}

std::vector<std::uint8_t> reply_to(std::vector<std::uint8_t> bytes) {
  std::reverse(bytes.begin(), bytes.end());
  return bytes;
}

RelayConfig aimed_at(RelayConfig config, const char *loopback, const UdpTestSocket &server) {
  config.listen = loopback;
  config.target = to_string(server.address());
  return config;
}

// Client and server sockets on one loopback address, the relay between them.
struct RelayFixture {
  explicit RelayFixture(const RelayConfig &config = {}, const char *loopback = "127.0.0.1:0")
      : server(loopback), client(loopback), relay(aimed_at(config, loopback, server)) {
    relay.start();
  }

  // Client -> relay -> server, then the server's reply back to the client.
  void round_trip(std::uint32_t i) {
    const auto bytes = payload(i, size_for(i));
    client.send_to(relay.listen_address(), bytes);
    SocketAddress relay_side;
    const auto at_server = server.receive(kPatience, &relay_side);
    ASSERT_TRUE(at_server) << "datagram " << i << " never reached the server";
    ASSERT_EQ(*at_server, bytes) << i;

    const auto reply = reply_to(bytes);
    server.send_to(relay_side, reply);
    const auto at_client = client.receive(kPatience);
    ASSERT_TRUE(at_client) << "reply " << i << " never reached the client";
    ASSERT_EQ(*at_client, reply) << i;
  }

  UdpTestSocket server;
  UdpTestSocket client;
  UdpRelay relay;
};

TEST(UdpRelay, ListensOnTheRequestedLoopbackAddress) {
  RelayFixture f;
  EXPECT_EQ(to_string(f.relay.listen_address()).rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(f.relay.listen_address().port(), 0);
}

TEST(UdpRelay, CleanLinkRelaysEveryDatagramByteIdenticalBothWays) {
  RelayFixture f;
  constexpr std::uint32_t kN = 300;
  for (std::uint32_t i = 0; i < kN; ++i) {
    f.round_trip(i);
    if (HasFatalFailure()) return;
  }
  const auto stats = f.relay.stats();
  EXPECT_EQ(stats.forward.link.in, kN);
  EXPECT_EQ(stats.forward.link.delivered, kN);
  EXPECT_EQ(stats.backward.link.delivered, kN);
  EXPECT_EQ(stats.forward.send_failed, 0u);
  EXPECT_EQ(stats.backward.send_failed, 0u);
}

TEST(UdpRelay, BurstArrivesCompleteAndInOrder) {
  RelayFixture f;
  constexpr std::uint32_t kN = 100;
  for (std::uint32_t i = 0; i < kN; ++i)
    f.client.send_to(f.relay.listen_address(), payload(i, 1316));
  for (std::uint32_t i = 0; i < kN; ++i) {
    const auto got = f.server.receive(kPatience);
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(*got, payload(i, 1316));
  }
}

TEST(UdpRelay, DelayedDatagramsLeaveOnTheModelsDeadline) {
  // Nothing but the relay's own timer can release these.
  RelayConfig config;
  config.forward.delay = 20ms;
  config.backward.delay = 20ms;
  RelayFixture f(config);
  for (std::uint32_t i = 0; i < 10; ++i) {
    f.round_trip(i);
    if (HasFatalFailure()) return;
  }
}

TEST(UdpRelay, CutStopsBothDirectionsAndRestoreResumes) {
  RelayFixture f;
  f.round_trip(0);  // the relay learns the client, the test learns the relay's far side
  SocketAddress relay_side;
  f.client.send_to(f.relay.listen_address(), payload(1));
  ASSERT_TRUE(f.server.receive(kPatience, &relay_side));

  f.relay.cut();
  constexpr std::uint64_t kCut = 20;
  for (std::uint32_t i = 0; i < kCut; ++i) {
    f.client.send_to(f.relay.listen_address(), payload(100 + i));
    f.server.send_to(relay_side, payload(200 + i));
  }
  ASSERT_TRUE(f.relay.wait_for(
      [](const RelayStats &s) {
        return s.forward.link.dropped_cut == kCut && s.backward.link.dropped_cut == kCut;
      },
      kPatience));
  // The relay has dealt with every datagram and dropped them all: none can still arrive.
  EXPECT_FALSE(f.server.receive_now());
  EXPECT_FALSE(f.client.receive_now());
  EXPECT_EQ(f.relay.stats().forward.link.delivered, 2u);

  f.relay.restore();
  for (std::uint32_t i = 300; i < 310; ++i) {
    f.round_trip(i);
    if (HasFatalFailure()) return;
  }
}

TEST(UdpRelay, LossIsAppliedByTheModel) {
  RelayConfig config;
  config.forward.loss = 1.0;
  RelayFixture f(config);
  constexpr std::uint64_t kN = 50;
  for (std::uint32_t i = 0; i < kN; ++i) f.client.send_to(f.relay.listen_address(), payload(i));
  ASSERT_TRUE(
      f.relay.wait_for([](const RelayStats &s) { return s.forward.link.in == kN; }, kPatience));
  EXPECT_EQ(f.relay.stats().forward.link.lost_random, kN);
  EXPECT_FALSE(f.server.receive_now());
}

TEST(UdpRelay, DuplicatesAreSentTwice) {
  RelayConfig config;
  config.forward.duplicate = 1.0;
  RelayFixture f(config);
  f.client.send_to(f.relay.listen_address(), payload(7, 500));
  for (int copy = 0; copy < 2; ++copy) {
    const auto got = f.server.receive(kPatience);
    ASSERT_TRUE(got) << copy;
    EXPECT_EQ(*got, payload(7, 500));
  }
}

TEST(UdpRelay, RelaysOverIpv6Loopback) {
  std::optional<RelayFixture> f;
  try {
    f.emplace(RelayConfig{}, "[::1]:0");
  } catch (const std::system_error &e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  EXPECT_EQ(f->relay.listen_address().family(), AF_INET6);
  for (std::uint32_t i = 0; i < 20; ++i) {
    f->round_trip(i);
    if (HasFatalFailure()) return;
  }
}

TEST(UdpRelay, StopIsIdempotentAndTheDestructorJoins) {
  RelayFixture f;
  f.round_trip(1);
  f.relay.stop();
  f.relay.stop();
}

}  // namespace
}  // namespace srtcore::linkemu
