// Delay, jitter, ordering, explicit reordering and duplication.
#include "sim/link_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "sim_test_util.hpp"

namespace srtcore::sim {
namespace {

using namespace test;

TEST(LinkModelDelay, ArrivesExactlyAfterTheDelayAndNotBefore) {
  LinkConfig config;
  config.delay = 25ms;
  LinkModel link(config);
  for (std::uint32_t i = 0; i < 10; ++i) link.send(kT0 + i * 1ms, payload(i));

  for (std::uint32_t i = 0; i < 10; ++i) {
    const TimePoint due = kT0 + i * 1ms + 25ms;
    ASSERT_EQ(link.next_deadline(), due);
    EXPECT_FALSE(link.poll(due - 1ns));
    const auto d = link.poll(due);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->due, due);
    EXPECT_EQ(d->bytes, payload(i));
  }
  EXPECT_FALSE(link.next_deadline());
}

TEST(LinkModelDelay, PollHandsOutEverythingDueAtOnce) {
  LinkConfig config;
  config.delay = 10ms;
  LinkModel link(config);
  for (std::uint32_t i = 0; i < 5; ++i) link.send(kT0 + i * 1ms, payload(i));
  int count = 0;
  while (auto d = link.poll(kT0 + 1s))
    EXPECT_EQ(payload_id(d->bytes), static_cast<std::uint32_t>(count++));
  EXPECT_EQ(count, 5);
}

TEST(LinkModelDelay, TimeGoingBackwardsIsTreatedAsTheLatestTime) {
  LinkConfig config;
  config.delay = 1ms;
  LinkModel link(config);
  link.send(kT0 + 10ms, payload(0));
  link.send(kT0 + 5ms, payload(1));
  EXPECT_EQ(link.poll(kT0 + 1s)->due, kT0 + 11ms);
  EXPECT_EQ(link.poll(kT0 + 1s)->due, kT0 + 11ms);
}

struct DelayStats {
  Duration min = Duration::max();
  Duration max = Duration::min();
  double mean_ns = 0;
  double sd_ns = 0;
};

DelayStats delay_stats(const Trace &run) {
  DelayStats s;
  double sum = 0, sum_sq = 0;
  for (const auto &d : run.delivered) {
    const Duration delay = d.due - d.sent;
    s.min = std::min(s.min, delay);
    s.max = std::max(s.max, delay);
    sum += static_cast<double>(delay.count());
    sum_sq += static_cast<double>(delay.count()) * static_cast<double>(delay.count());
  }
  const auto n = static_cast<double>(run.delivered.size());
  s.mean_ns = sum / n;
  s.sd_ns = std::sqrt(sum_sq / n - s.mean_ns * s.mean_ns);
  return s;
}

bool in_send_order(const Trace &run) {
  return std::is_sorted(run.delivered.begin(), run.delivered.end(),
                        [](const Delivery &a, const Delivery &b) { return a.id < b.id; });
}

TEST(LinkModelJitter, UniformJitterStaysWithinBoundsAndCoversThem) {
  LinkConfig config;
  config.delay = 50ms;
  config.jitter = 10ms;
  config.jitter_reorders = true;
  LinkModel link(config);
  const Trace run = drive(link, 20000, 1ms);
  ASSERT_EQ(run.delivered.size(), 20000u);
  const DelayStats s = delay_stats(run);
  EXPECT_GE(s.min, 40ms);
  EXPECT_LE(s.max, 60ms);
  EXPECT_LT(s.min, 40ms + 100us);
  EXPECT_GT(s.max, 60ms - 100us);
  // U(-j, j) has sd j/sqrt(3) = 5.77 ms; its mean error over 20k is ~41 us.
  EXPECT_NEAR(s.mean_ns, 50e6, 250e3);
  EXPECT_NEAR(s.sd_ns, 10e6 / std::sqrt(3.0), 0.05 * 10e6 / std::sqrt(3.0));
  // 1 ms spacing with +-10 ms jitter must reorder.
  EXPECT_GT(link.stats().reordered, 1000u);
  EXPECT_FALSE(in_send_order(run));
}

TEST(LinkModelJitter, NormalJitterHasTheRightSpreadAndIsClipped) {
  LinkConfig config;
  config.delay = 50ms;
  config.jitter = 5ms;
  config.jitter_shape = JitterShape::normal;
  config.jitter_reorders = true;
  LinkModel link(config);
  const Trace run = drive(link, 50000, 1ms);
  const DelayStats s = delay_stats(run);
  EXPECT_GE(s.min, 35ms);
  EXPECT_LE(s.max, 65ms);
  EXPECT_NEAR(s.mean_ns, 50e6, 100e3);
  EXPECT_NEAR(s.sd_ns, 5e6, 0.05 * 5e6);
}

TEST(LinkModelJitter, KeepsOrderWhenReorderingIsOff) {
  LinkConfig config;
  config.delay = 50ms;
  config.jitter = 10ms;
  LinkModel link(config);
  const Trace run = drive(link, 20000, 1ms);
  ASSERT_EQ(run.delivered.size(), 20000u);
  EXPECT_TRUE(in_send_order(run));
  EXPECT_EQ(link.stats().reordered, 0u);
  for (std::size_t i = 1; i < run.delivered.size(); ++i) {
    EXPECT_LE(run.delivered[i - 1].due, run.delivered[i].due);
  }
  // Holding order only ever delays, and never past the previous datagram's bound.
  const DelayStats s = delay_stats(run);
  EXPECT_GE(s.min, 40ms);
  EXPECT_LE(s.max, 60ms);
}

TEST(LinkModelJitter, DelayNeverGoesBelowZero) {
  LinkConfig config;
  config.delay = 1ms;
  config.jitter = 5ms;
  config.jitter_reorders = true;
  LinkModel link(config);
  const Trace run = drive(link, 5000, 1ms);
  const DelayStats s = delay_stats(run);
  EXPECT_EQ(s.min, 0ns);
  EXPECT_LE(s.max, 6ms);
}

TEST(LinkModelReorder, HeldDatagramsAreOvertakenAndCounted) {
  constexpr std::uint32_t kN = 50000;
  LinkConfig config;
  config.delay = 20ms;
  config.reorder = 0.1;
  config.reorder_delay = 5ms;
  LinkModel link(config);
  const Trace run = drive(link, kN, 1ms);
  ASSERT_EQ(run.delivered.size(), kN);

  std::uint32_t held = 0;
  std::uint32_t last_on_time = 0;
  bool on_time_in_order = true;
  for (const auto &d : run.delivered) {
    if (d.due - d.sent == 25ms) {
      ++held;
    } else {
      EXPECT_EQ(d.due - d.sent, 20ms);
      on_time_in_order = on_time_in_order && d.id >= last_on_time;
      last_on_time = d.id;
    }
  }
  EXPECT_TRUE(on_time_in_order);
  EXPECT_NEAR(held, kN * 0.1, 5 * std::sqrt(kN * 0.1 * 0.9));
  // Every held datagram is overtaken by the next (1 ms later, 4 ms earlier),
  // unless that one was held too.
  EXPECT_LE(link.stats().reordered, held);
  EXPECT_GE(link.stats().reordered, held * 0.85);
  EXPECT_FALSE(in_send_order(run));
}

TEST(LinkModelDuplicate, CopiesAreIdenticalAndCounted) {
  constexpr std::uint32_t kN = 50000;
  LinkConfig config;
  config.delay = 10ms;
  config.duplicate = 0.1;
  LinkModel link(config);
  const Trace run = drive(link, kN, 1ms);
  const auto &s = link.stats();
  EXPECT_NEAR(static_cast<double>(s.duplicated), kN * 0.1, 5 * std::sqrt(kN * 0.1 * 0.9));
  EXPECT_EQ(s.delivered, kN + s.duplicated);
  EXPECT_EQ(run.delivered.size(), s.delivered);

  std::map<std::uint32_t, int> copies;
  for (const auto &d : run.delivered) {
    EXPECT_EQ(d.bytes, payload(d.id));
    ++copies[d.id];
  }
  ASSERT_EQ(copies.size(), kN);
  std::uint64_t twice = 0;
  for (const auto &[id, n] : copies) {
    EXPECT_LE(n, 2) << id;
    twice += n == 2;
  }
  EXPECT_EQ(twice, s.duplicated);
  // With order kept a copy follows its original directly: no reordering.
  EXPECT_TRUE(in_send_order(run));
  EXPECT_EQ(s.reordered, 0u);
}

}  // namespace
}  // namespace srtcore::sim
