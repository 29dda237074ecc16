// Scheduled and commanded link cuts.
#include "sim/link_model.hpp"

#include <gtest/gtest.h>

#include "sim_test_util.hpp"

namespace srtcore::sim {
namespace {

using namespace test;

bool inside(TimePoint t, TimePoint origin, std::initializer_list<CutInterval> cuts) {
  for (const auto &c : cuts) {
    if (t - origin >= c.start && t - origin < c.end) return true;
  }
  return false;
}

TEST(LinkModelCut, ScheduledCutsDropExactlyTheDatagramsInsideThem) {
  LinkConfig config;
  config.delay = 3ms;
  config.cuts = {{100ms, 200ms}, {500ms, 550ms}};
  LinkModel link(config);
  const Trace run = drive(link, 1000, 1ms);
  for (std::uint32_t id = 0; id < 1000; ++id) {
    const bool cut = inside(kT0 + id * 1ms, kT0, {{100ms, 200ms}, {500ms, 550ms}});
    EXPECT_EQ(run.fates[id], cut ? Fate::dropped_cut : Fate::in_flight) << id;
  }
  EXPECT_EQ(run.fates[99], Fate::in_flight);
  EXPECT_EQ(run.fates[100], Fate::dropped_cut);  // start is inside
  EXPECT_EQ(run.fates[199], Fate::dropped_cut);
  EXPECT_EQ(run.fates[200], Fate::in_flight);  // end is outside
  EXPECT_EQ(link.stats().dropped_cut, 150u);
  EXPECT_EQ(run.delivered.size(), 850u);
}

TEST(LinkModelCut, ScheduleCountsFromTheOrigin) {
  const TimePoint origin = kT0 + 7s;
  LinkConfig config;
  config.cuts = {{10ms, 20ms}};
  LinkModel link(config, origin);
  EXPECT_TRUE(link.is_up(origin + 9ms));
  EXPECT_FALSE(link.is_up(origin + 10ms));
  EXPECT_FALSE(link.is_up(origin + 20ms - 1ns));
  EXPECT_TRUE(link.is_up(origin + 20ms));
  EXPECT_EQ(link.send(origin + 15ms, payload(0)), Fate::dropped_cut);
  EXPECT_EQ(link.send(origin + 25ms, payload(1)), Fate::in_flight);
}

TEST(LinkModelCut, CommandedCutAndRestore) {
  LinkConfig config;
  config.delay = 10ms;
  LinkModel link(config);
  EXPECT_EQ(link.send(kT0, payload(0)), Fate::in_flight);
  link.set_up(false);
  EXPECT_FALSE(link.is_up(kT0 + 1ms));
  for (std::uint32_t i = 1; i <= 5; ++i)
    EXPECT_EQ(link.send(kT0 + i * 1ms, payload(i)), Fate::dropped_cut);
  link.set_up(true);
  EXPECT_EQ(link.send(kT0 + 6ms, payload(6)), Fate::in_flight);

  // What was already on the wire when the cut came still arrives.
  auto first = link.poll(kT0 + 1s);
  ASSERT_TRUE(first);
  EXPECT_EQ(payload_id(first->bytes), 0u);
  EXPECT_EQ(first->due, kT0 + 10ms);
  auto second = link.poll(kT0 + 1s);
  ASSERT_TRUE(second);
  EXPECT_EQ(payload_id(second->bytes), 6u);
  EXPECT_EQ(second->due, kT0 + 16ms);
  EXPECT_FALSE(link.poll(kT0 + 1s));
  EXPECT_EQ(link.stats().dropped_cut, 5u);
}

TEST(LinkModelCut, CommandedUpDoesNotOverrideTheSchedule) {
  LinkConfig config;
  config.cuts = {{0ms, 10ms}};
  LinkModel link(config);
  link.set_up(true);
  EXPECT_FALSE(link.is_up(kT0 + 5ms));
  EXPECT_TRUE(link.is_up(kT0 + 10ms));
}

TEST(LinkModelCut, CutDatagramsDoNotAdvanceTheLossChain) {
  // A cut datagram never reaches the loss stage, so after a cut the loss draws
  // are the ones a link without the cut used for its first datagrams.
  LinkConfig base;
  base.seed = 8;
  base.loss = 0.2;
  LinkConfig with_cut = base;
  with_cut.cuts = {{0ms, 100ms}};
  LinkModel a(base), b(with_cut);
  const Trace ra = drive(a, 1000, 1ms);
  const Trace rb = drive(b, 1100, 1ms);
  for (std::uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(ra.fates[i], rb.fates[i + 100]) << i;
}

}  // namespace
}  // namespace srtcore::sim
