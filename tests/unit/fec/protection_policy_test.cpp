// Adaptive protection policy: the percentage against an independent model
// of the rule (a group of k media packets and one FEC packet rebuilds a lost
// packet when the k others arrive, (1 - p)^k, found by counting up k rather
// than by the policy's logarithms), and the hysteresis on a simulated clock.
#include <gtest/gtest.h>

#include <cmath>

#include "fec/protection_policy.hpp"
#include "protection_model.hpp"

namespace srtcore::fec {
namespace {

using fec_test::model_percentage;

TEST(ProtectionPolicy, NeededFollowsTheGroupModel) {
  for (double q : {0.5, 0.9, 0.99}) {
    for (int i = 0; i <= 600; ++i) {
      const double p = i / 1000.0;
      EXPECT_EQ(ProtectionPolicy::needed(p, q), model_percentage(p, q)) << p << " " << q;
    }
  }
  // By hand: ln 0.9 / ln 0.95 = 2.05 -> groups of 2 -> 50 %; ln 0.9 / ln 0.99
  // = 10.5 -> groups of 10 -> 10 %; 10 % loss -> groups of 1 -> 100 %.
  EXPECT_EQ(ProtectionPolicy::needed(0.05, 0.9), 50u);
  EXPECT_EQ(ProtectionPolicy::needed(0.01, 0.9), 10u);
  EXPECT_EQ(ProtectionPolicy::needed(0.10, 0.9), 100u);
  EXPECT_EQ(ProtectionPolicy::needed(0, 0.9), 0u);
  EXPECT_EQ(ProtectionPolicy::needed(1, 0.9), 100u);
  EXPECT_EQ(ProtectionPolicy::needed(std::nan(""), 0.9), 0u);
}

TEST(ProtectionPolicy, RisesAtOnceHoldsThenHalvesTheGap) {
  ProtectionPolicyConfig cfg;
  cfg.hold_ms = 5000;
  ProtectionPolicy policy(cfg);
  EXPECT_EQ(policy.level(0), 0u);
  policy.report(1000, 0);
  EXPECT_EQ(policy.level(1000), 0u);
  policy.report(2000, 0.10);
  EXPECT_EQ(policy.level(2000), model_percentage(0.10, 0.9));  // at once
  policy.report(3000, 0);                                      // loss stops
  EXPECT_EQ(policy.level(2000 + 4999), 100u);                  // held
  // Then one step per hold, each closing half the gap (rounded up) to 0.
  unsigned expected = 100;
  std::uint64_t t = 2000;
  int steps = 0;
  while (expected > 0) {
    t += 5000;
    EXPECT_EQ(policy.level(t - 1), expected) << t;
    expected -= (expected + 1) / 2;
    ++steps;
    EXPECT_EQ(policy.level(t), expected) << t;
  }
  EXPECT_EQ(steps, 7);  // 100 50 25 12 6 3 1 0
}

TEST(ProtectionPolicy, LevelUnchangedJustBeforeEachStep) {
  ProtectionPolicyConfig cfg;
  cfg.hold_ms = 1000;
  ProtectionPolicy policy(cfg);
  policy.report(0, 0.05);  // 50 %
  policy.report(10, 0);
  EXPECT_EQ(policy.level(999), 50u);
  EXPECT_EQ(policy.level(1000), 25u);
  EXPECT_EQ(policy.level(1999), 25u);
  EXPECT_EQ(policy.level(2000), 12u);
}

TEST(ProtectionPolicy, NoisyReportsDoNotFlap) {
  // Reports every second alternating between 5 % and 3 % loss: the level
  // stays at what 5 % asks, as every second report asks for it again.
  ProtectionPolicy policy(ProtectionPolicyConfig{});
  const unsigned high = model_percentage(0.05, 0.9);
  ASSERT_GT(high, model_percentage(0.03, 0.9));
  for (std::uint64_t t = 0; t < 60000; t += 1000) {
    policy.report(t, (t / 1000) % 2 ? 0.03 : 0.05);
    EXPECT_EQ(policy.level(t), high) << t;
  }
}

TEST(ProtectionPolicy, DecaysOnlyToWhatTheLossStillAsks) {
  ProtectionPolicyConfig cfg;
  cfg.hold_ms = 1000;
  ProtectionPolicy policy(cfg);
  policy.report(0, 0.2);
  EXPECT_EQ(policy.level(0), 100u);
  policy.report(100, 0.01);  // 10 %
  EXPECT_EQ(policy.level(100000), model_percentage(0.01, 0.9));
  // Renewed loss while decaying rises at once.
  policy.report(100001, 0.05);
  EXPECT_EQ(policy.level(100001), 50u);
}

TEST(ProtectionPolicy, BoundsClampTheLevel) {
  ProtectionPolicyConfig cfg;
  cfg.min_percentage = 10;
  cfg.max_percentage = 60;
  ProtectionPolicy policy(cfg);
  EXPECT_EQ(policy.level(0), 10u);  // no loss reported yet
  policy.report(0, 0.2);
  EXPECT_EQ(policy.level(0), 60u);
  policy.set_bounds(0, 30);
  EXPECT_EQ(policy.level(0), 30u);
  policy.set_bounds(40, 20);  // max below min: both 40
  EXPECT_EQ(policy.level(0), 40u);
  EXPECT_EQ(policy.config().max_percentage, 40u);
  policy.report(1, -3);  // out of range: no loss
  EXPECT_EQ(policy.level(1000000), 40u);
}

}  // namespace
}  // namespace srtcore::fec
