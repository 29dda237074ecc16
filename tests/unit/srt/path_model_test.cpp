// The balancing scheduler's path model: queue, capacity estimate, silence.
#include <gtest/gtest.h>

#include "bond/path_model.hpp"

namespace srtcore::bond {
namespace {

using std::chrono::milliseconds;

constexpr Duration kLatency = milliseconds(120);  // queue threshold: 12 ms

TimePoint at(int ms) {
  return TimePoint(milliseconds(1'000'000 + ms));
}

PathReport flat(int rtt_ms, double delivered) {
  PathReport r;
  r.srtt = milliseconds(rtt_ms);
  r.rtt_measured = true;
  r.delivered = delivered;
  return r;
}

TEST(PathModel, QueueDrainsAtTheCapacity) {
  PathModel p(at(0), kLatency);
  const double cap = p.capacity();
  EXPECT_EQ(p.wait(at(0), 1000), Duration(static_cast<Duration::rep>(1000 / cap * 1e6)));
  p.give(at(0), 12'500);  // 100 ms at 1 Mbit/s
  EXPECT_NEAR(p.queued(at(0)), 12'500, 1e-6);
  EXPECT_NEAR(p.queued(at(40)), 12'500 - cap * 0.040, 1.0);
  EXPECT_GT(p.wait(at(40), 0), milliseconds(59));
  EXPECT_EQ(p.queued(at(200)), 0.0);
}

TEST(PathModel, BusyPathWithoutQueueIsProbedUpward) {
  PathModel p(at(0), kLatency);
  const double before = p.capacity();
  int t = 0;
  for (int i = 0; i < 10; ++i) {
    // Given what it is credited with, and the round trip stays flat.
    for (int k = 0; k < 10; ++k)
      p.give(at(t + k * 5), static_cast<std::size_t>(p.capacity() / 200));
    t += 50;
    p.adjust(at(t), flat(20, p.capacity()));
  }
  EXPECT_GT(p.capacity(), before * 1.4);
  EXPECT_FALSE(p.draining());
}

TEST(PathModel, IdlePathKeepsItsEstimate) {
  PathModel p(at(0), kLatency);
  const double before = p.capacity();
  for (int t = 50; t <= 500; t += 50) p.adjust(at(t), flat(20, 0));
  EXPECT_EQ(p.capacity(), before);
}

TEST(PathModel, AQueueCutsTheCapacityToWhatThePathDelivers) {
  PathModel p(at(0), kLatency);
  for (int t = 50; t <= 200; t += 50) {
    p.give(at(t - 1), 10'000);
    p.adjust(at(t), flat(20, 400'000));  // delivers 3.2 Mbit/s, no queue
  }
  ASSERT_GE(p.capacity(), 400'000);
  // The round trip grows 40 ms above its floor: a queue on the path.
  p.adjust(at(250), flat(60, 300'000));
  EXPECT_TRUE(p.draining());
  EXPECT_EQ(p.capacity(), 300'000);
  // The queue found is modelled, so the path gets nothing until it drained.
  EXPECT_GT(p.wait(at(250), 0), milliseconds(25));
  // Still growing: credited less than it delivers.
  p.adjust(at(300), flat(70, 300'000));
  EXPECT_LT(p.capacity(), 300'000);
  // Falling, then flat at the floor again: probing resumes.
  p.adjust(at(350), flat(30, 300'000));
  p.adjust(at(400), flat(20, 300'000));
  EXPECT_FALSE(p.draining());
}

TEST(PathModel, UtilizationIsTheRecentGivenRateOverCapacity) {
  PathModel p(at(0), kLatency);
  EXPECT_EQ(p.utilization(at(0)), 0.0);
  // Half the capacity for a second: about 0.5, forgotten within ~0.5 s idle.
  const double cap = p.capacity();
  for (int t = 0; t < 1000; ++t) p.give(at(t), static_cast<std::size_t>(cap / 2000));
  EXPECT_NEAR(p.utilization(at(1000)), 0.5, 0.05);
  EXPECT_LT(p.utilization(at(1500)), 0.01);
  EXPECT_FALSE(p.full(at(1000)));
  p.give(at(1000), static_cast<std::size_t>(cap * 0.05));  // 50 ms of queue at once
  EXPECT_TRUE(p.full(at(1000)));
  EXPECT_FALSE(p.full(at(1045)));
}

TEST(PathModel, SilentOnlyForWhatItWasGivenAndNeverAnswered) {
  PathModel p(at(0), kLatency);
  const Duration limit = milliseconds(30);
  // Nothing given: never silent, however long the peer says nothing.
  EXPECT_FALSE(p.silent(at(1000), at(0), limit));
  p.give(at(1000), 1316);
  EXPECT_FALSE(p.silent(at(1020), at(0), limit));
  EXPECT_TRUE(p.silent(at(1031), at(0), limit));
  // An answer after the give clears it; the next give starts a new watch.
  EXPECT_FALSE(p.silent(at(1040), at(1035), limit));
  p.give(at(1050), 1316);
  EXPECT_FALSE(p.silent(at(1079), at(1035), limit));
  EXPECT_TRUE(p.silent(at(1081), at(1035), limit));
}

}  // namespace
}  // namespace srtcore::bond
