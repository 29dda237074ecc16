// Bottleneck rate and its bounded queue, alone and inside a LinkModel.
#include "sim/rate_queue.hpp"

#include <gtest/gtest.h>

#include "sim/link_model.hpp"
#include "sim_test_util.hpp"

namespace srtcore::sim {
namespace {

using namespace test;

TEST(RateQueue, UnlimitedDepartsImmediately) {
  RateQueue queue(0, 0);
  EXPECT_EQ(queue.admit(kT0 + 5ms, 1500), kT0 + 5ms);
  EXPECT_EQ(queue.admit(kT0 + 5ms, 1500), kT0 + 5ms);
}

TEST(RateQueue, SpacingIsExactForWholeNanoseconds) {
  RateQueue queue(8'000'000, 1 << 20);  // 1000 bytes = 8000 bits = 1 ms
  for (int k = 1; k <= 100; ++k) EXPECT_EQ(queue.admit(kT0, 1000), kT0 + k * 1ms);
}

TEST(RateQueue, FractionalSpacingDoesNotDrift) {
  // 1500 bytes at 7 Mbit/s is 1714285.714... ns: the k-th datagram must leave
  // at floor(k * 12000e9 / 7e6) ns, not k times a rounded spacing.
  RateQueue queue(7'000'000, 1 << 20);
  for (std::uint64_t k = 1; k <= 500; ++k) {
    const auto expected =
        static_cast<Duration::rep>(k * 12000ULL * 1'000'000'000ULL / 7'000'000ULL);
    ASSERT_EQ(queue.admit(kT0, 1500), kT0 + Duration(expected)) << k;
  }
}

TEST(RateQueue, IdleLineStartsAfresh) {
  RateQueue queue(8'000'000, 1 << 20);
  EXPECT_EQ(queue.admit(kT0, 1000), kT0 + 1ms);
  EXPECT_EQ(queue.admit(kT0 + 10ms, 1000), kT0 + 11ms);
  EXPECT_EQ(queue.admit(kT0 + 10ms + 500us, 1000), kT0 + 12ms);  // waits behind the previous
}

TEST(RateQueue, TailDropsWhenTheQueueIsFullAndRefillsAsItDrains) {
  RateQueue queue(8'000'000, 10'000);
  for (int k = 1; k <= 10; ++k) EXPECT_TRUE(queue.admit(kT0, 1000)) << k;
  EXPECT_EQ(queue.backlog(kT0), 10'000u);
  EXPECT_FALSE(queue.admit(kT0, 1000));
  EXPECT_FALSE(queue.admit(kT0, 1));
  // The first datagram has left at 1 ms: room for exactly one more.
  EXPECT_EQ(queue.backlog(kT0 + 1ms), 9'000u);
  EXPECT_EQ(queue.admit(kT0 + 1ms, 1000), kT0 + 11ms);
  EXPECT_FALSE(queue.admit(kT0 + 1ms, 1000));
  EXPECT_EQ(queue.backlog(kT0 + 11ms), 0u);
}

TEST(LinkModelRate, DeliveriesAreSpacedByTheRateAfterTheDelay) {
  LinkConfig config;
  config.rate_bps = 8'000'000;
  config.delay = 5ms;
  LinkModel link(config);
  for (std::uint32_t i = 0; i < 50; ++i)
    ASSERT_EQ(link.send(kT0, payload(i, 1000)), Fate::in_flight);
  for (std::uint32_t i = 0; i < 50; ++i) {
    const auto d = link.poll(kT0 + 1s);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->due, kT0 + 5ms + (i + 1) * 1ms);
    EXPECT_EQ(payload_id(d->bytes), i);
  }
}

TEST(LinkModelRate, BurstBeyondTheQueueIsTailDropped) {
  LinkConfig config;
  config.rate_bps = 8'000'000;
  config.queue_bytes = 10'000;
  LinkModel link(config);
  for (std::uint32_t i = 0; i < 50; ++i) {
    EXPECT_EQ(link.send(kT0, payload(i, 1000)), i < 10 ? Fate::in_flight : Fate::dropped_queue)
        << i;
  }
  EXPECT_EQ(link.stats().dropped_queue, 40u);
  int delivered = 0;
  while (auto d = link.poll(kT0 + 1s))
    EXPECT_EQ(payload_id(d->bytes), static_cast<std::uint32_t>(delivered++));
  EXPECT_EQ(delivered, 10);
}

TEST(LinkModelRate, OverloadIsCutDownToTheRate) {
  // 16 Mbit/s offered for one second into 8 Mbit/s with a 10 kB queue.
  LinkConfig config;
  config.rate_bps = 8'000'000;
  config.queue_bytes = 10'000;
  LinkModel link(config);
  const Trace run = drive(link, 2000, 500us, [](std::uint32_t) { return std::size_t{1000}; });
  const auto &s = link.stats();
  EXPECT_EQ(s.in, s.delivered + s.dropped_queue);
  // 1000 departures fit in the second, plus what the queue held at the end.
  EXPECT_GE(s.delivered, 1000u);
  EXPECT_LE(s.delivered, 1011u);
  for (std::size_t i = 1; i < run.delivered.size(); ++i) {
    EXPECT_GE(run.delivered[i].due - run.delivered[i - 1].due, 1ms);
  }
}

TEST(LinkModelMemory, EmptyDatagramsAreCarriedButStillCountTowardsTheBounds) {
  LinkConfig config;
  config.delay = 1s;
  config.max_in_flight_bytes = 100;
  LinkModel link(config);
  for (int i = 0; i < 1000; ++i) link.send(kT0, {});
  EXPECT_EQ(link.stats().dropped_queue, 900u);
  std::size_t delivered = 0;
  while (auto d = link.poll(kT0 + 1s)) delivered += d->bytes.empty();
  EXPECT_EQ(delivered, 100u);

  // Behind a 5-byte datagram (40 us at 1 Mbit/s) each empty one takes a 1-byte slot.
  RateQueue queue(1'000'000, 10);
  EXPECT_EQ(queue.admit(kT0, 5), kT0 + 40us);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(queue.admit(kT0, 0), kT0 + 40us);
  EXPECT_FALSE(queue.admit(kT0, 0));
  EXPECT_EQ(queue.backlog(kT0 + 40us), 0u);
}

TEST(LinkModelMemory, InFlightBytesAreBounded) {
  LinkConfig config;
  config.delay = 10s;
  config.max_in_flight_bytes = 10'000;
  LinkModel link(config);
  for (std::uint32_t i = 0; i < 20; ++i) link.send(kT0 + i * 1ms, payload(i, 1000));
  EXPECT_EQ(link.in_flight_bytes(), 10'000u);
  EXPECT_EQ(link.stats().dropped_queue, 10u);
  while (link.poll(kT0 + 1min)) {
  }
  EXPECT_EQ(link.in_flight_bytes(), 0u);
  EXPECT_EQ(link.send(kT0 + 1min, payload(99, 1000)), Fate::in_flight);
}

}  // namespace
}  // namespace srtcore::sim
