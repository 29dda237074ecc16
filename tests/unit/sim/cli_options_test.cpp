// srt-linkemu command line and address parsing.
#include "cli_options.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>

#include <stdexcept>
#include <vector>

#include "sim/rng.hpp"
#include "socket_address.hpp"

namespace srtcore::linkemu {
namespace {

using namespace std::chrono_literals;

CliOptions parse(std::vector<std::string_view> args) {
  return parse_cli(args);
}

TEST(SocketAddress, ParsesIpv4Ipv6LocalhostAndBarePorts) {
  EXPECT_EQ(to_string(parse_socket_address("127.0.0.1:9000")), "127.0.0.1:9000");
  EXPECT_EQ(to_string(parse_socket_address("[::1]:9001")), "[::1]:9001");
  EXPECT_EQ(parse_socket_address("[::1]:9001").family(), AF_INET6);
  EXPECT_EQ(to_string(parse_socket_address("localhost:5")), "127.0.0.1:5");
  EXPECT_EQ(to_string(parse_socket_address("4200")), "127.0.0.1:4200");
  EXPECT_EQ(parse_socket_address("0.0.0.0:0").port(), 0);
}

TEST(SocketAddress, RejectsBadInput) {
  for (const char *bad : {"", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x", "[::1]9000", "[::1",
                          "example.com:80", "1.2.3:80"}) {
    EXPECT_THROW(parse_socket_address(bad), std::invalid_argument) << bad;
  }
}

TEST(CliOptions, DefaultsAreACleanLoopbackRelay) {
  const auto o = parse({"--target", "127.0.0.1:9001"});
  EXPECT_EQ(o.relay.listen, "127.0.0.1:0");
  EXPECT_EQ(o.relay.target, "127.0.0.1:9001");
  EXPECT_EQ(o.relay.forward.loss, 0.0);
  EXPECT_FALSE(o.relay.forward.burst);
  EXPECT_EQ(o.relay.forward.rate_bps, 0u);
  EXPECT_EQ(o.stats_interval, 0ms);
}

TEST(CliOptions, EveryImpairmentReachesBothDirections) {
  const auto o = parse({"--listen",
                        "127.0.0.1:9000",
                        "--target=127.0.0.1:9001",
                        "--loss",
                        "5",
                        "--burst",
                        "1,25,0.5,80",
                        "--delay-ms",
                        "10",
                        "--jitter-ms",
                        "2.5",
                        "--jitter-dist",
                        "normal",
                        "--jitter-reorders",
                        "--reorder",
                        "1",
                        "--reorder-delay-ms",
                        "3",
                        "--dup",
                        "0.5",
                        "--rate-kbps",
                        "20000",
                        "--queue-kb",
                        "512",
                        "--cut",
                        "1000:2000",
                        "--cut=5000:5500.5",
                        "--seed",
                        "42",
                        "--stats-interval-ms",
                        "250"});
  EXPECT_EQ(o.relay.listen, "127.0.0.1:9000");
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.stats_interval, 250ms);
  for (const auto *link : {&o.relay.forward, &o.relay.backward}) {
    EXPECT_DOUBLE_EQ(link->loss, 0.05);
    ASSERT_TRUE(link->burst);
    EXPECT_DOUBLE_EQ(link->burst->p, 0.01);
    EXPECT_DOUBLE_EQ(link->burst->r, 0.25);
    EXPECT_DOUBLE_EQ(link->burst->loss_good, 0.005);
    EXPECT_DOUBLE_EQ(link->burst->loss_bad, 0.8);
    EXPECT_EQ(link->delay, 10ms);
    EXPECT_EQ(link->jitter, 2500us);
    EXPECT_EQ(link->jitter_shape, sim::JitterShape::normal);
    EXPECT_TRUE(link->jitter_reorders);
    EXPECT_DOUBLE_EQ(link->reorder, 0.01);
    EXPECT_EQ(link->reorder_delay, 3ms);
    EXPECT_DOUBLE_EQ(link->duplicate, 0.005);
    EXPECT_EQ(link->rate_bps, 20'000'000u);
    EXPECT_EQ(link->queue_bytes, 512u * 1024);
    ASSERT_EQ(link->cuts.size(), 2u);
    EXPECT_EQ(link->cuts[0].start, 1s);
    EXPECT_EQ(link->cuts[0].end, 2s);
    EXPECT_EQ(link->cuts[1].end, 5500500us);
  }
  EXPECT_EQ(o.relay.forward.seed, sim::derive_seed(42, 0));
  EXPECT_EQ(o.relay.backward.seed, sim::derive_seed(42, 1));
}

TEST(CliOptions, BurstDefaultsToLossOnlyInTheBadState) {
  const auto o = parse({"--target", "127.0.0.1:1", "--burst", "2,30"});
  ASSERT_TRUE(o.relay.forward.burst);
  EXPECT_DOUBLE_EQ(o.relay.forward.burst->loss_good, 0.0);
  EXPECT_DOUBLE_EQ(o.relay.forward.burst->loss_bad, 1.0);
}

TEST(CliOptions, DirectionLimitsImpairmentsButNotCuts) {
  const auto o = parse({"--target", "127.0.0.1:1", "--loss", "10", "--delay-ms", "5", "--cut",
                        "0:100", "--direction", "forward"});
  EXPECT_DOUBLE_EQ(o.relay.forward.loss, 0.1);
  EXPECT_EQ(o.relay.forward.delay, 5ms);
  EXPECT_DOUBLE_EQ(o.relay.backward.loss, 0.0);
  EXPECT_EQ(o.relay.backward.delay, 0ms);
  EXPECT_EQ(o.relay.backward.cuts.size(), 1u);
  EXPECT_NE(o.relay.forward.seed, o.relay.backward.seed);
}

TEST(CliOptions, HelpNeedsNoTarget) {
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_NE(usage().find("--burst"), std::string::npos);
}

TEST(CliOptions, RejectsBadArguments) {
  const std::vector<std::vector<std::string_view>> bad = {
      {},
      {"--loss", "5"},
      {"--target", "127.0.0.1:1", "--loss", "101"},
      {"--target", "127.0.0.1:1", "--loss", "-1"},
      {"--target", "127.0.0.1:1", "--loss", "5x"},
      {"--target", "127.0.0.1:1", "--loss"},
      {"--target", "127.0.0.1:1", "--burst", "1"},
      {"--target", "127.0.0.1:1", "--burst", "1,0"},
      {"--target", "127.0.0.1:1", "--cut", "200:100"},
      {"--target", "127.0.0.1:1", "--cut", "100"},
      {"--target", "127.0.0.1:1", "--jitter-dist", "pareto"},
      {"--target", "127.0.0.1:1", "--direction", "sideways"},
      {"--target", "127.0.0.1:1", "--seed", "-3"},
      {"--target", "127.0.0.1:1", "--frobnicate"},
  };
  for (const auto &args : bad) EXPECT_THROW(parse(args), std::invalid_argument);
}

}  // namespace
}  // namespace srtcore::linkemu
