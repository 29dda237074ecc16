// Random and Gilbert-Elliott loss, determinism and outcome accounting.
#include "sim/link_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sim_test_util.hpp"

namespace srtcore::sim {
namespace {

using namespace test;

// Every impairment at once, so a replay exercises every generator.
LinkConfig everything(std::uint64_t seed) {
  LinkConfig c;
  c.seed = seed;
  c.loss = 0.03;
  c.burst = GilbertElliott{0.01, 0.3, 0.0, 0.8};
  c.delay = 20ms;
  c.jitter = 4ms;
  c.jitter_reorders = true;
  c.reorder = 0.02;
  c.duplicate = 0.02;
  c.rate_bps = 12'000'000;
  c.queue_bytes = 30'000;
  c.cuts = {{300ms, 350ms}};
  return c;
}

Trace run_everything(std::uint64_t seed) {
  LinkModel link(everything(seed));
  return drive(link, 5000, 500us, [](std::uint32_t id) { return std::size_t{200 + id % 1200}; });
}

TEST(LinkModelDeterminism, SameSeedReplaysExactly) {
  const Trace a = run_everything(42);
  const Trace b = run_everything(42);
  EXPECT_EQ(a.fates, b.fates);
  ASSERT_EQ(a.delivered.size(), b.delivered.size());
  EXPECT_TRUE(a.delivered == b.delivered);
}

TEST(LinkModelDeterminism, DifferentSeedDiffers) {
  const Trace a = run_everything(42);
  const Trace b = run_everything(43);
  EXPECT_NE(a.fates, b.fates);
  EXPECT_FALSE(a.delivered == b.delivered);
}

TEST(LinkModelDeterminism, EveryOutcomeIsAccountedFor) {
  LinkModel link(everything(5));
  drive(link, 5000, 500us, [](std::uint32_t id) { return std::size_t{200 + id % 1200}; });
  const LinkStats &s = link.stats();
  EXPECT_EQ(s.in, 5000u);
  EXPECT_GT(s.lost_random, 0u);
  EXPECT_GT(s.lost_burst, 0u);
  EXPECT_GT(s.dropped_queue, 0u);
  EXPECT_EQ(s.dropped_cut, 100u);  // 50 ms at 0.5 ms spacing
  EXPECT_GT(s.duplicated, 0u);
  EXPECT_GT(s.reordered, 0u);
  EXPECT_EQ(s.in + s.duplicated,
            s.delivered + s.lost_random + s.lost_burst + s.dropped_queue + s.dropped_cut);
  EXPECT_EQ(link.in_flight_bytes(), 0u);
  EXPECT_FALSE(link.next_deadline());
}

TEST(LinkModelLoss, PerfectLinkDeliversEverythingUnchanged) {
  LinkModel link(LinkConfig{});
  const Trace run = drive(link, 1000, 1ms);
  ASSERT_EQ(run.delivered.size(), 1000u);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(run.delivered[i].id, i);
    EXPECT_EQ(run.delivered[i].bytes, payload(i));
    EXPECT_EQ(run.delivered[i].due, run.delivered[i].sent);
  }
}

TEST(LinkModelLoss, RandomLossRatioWithinFiveSigma) {
  constexpr std::uint32_t kN = 100000;
  constexpr double kP = 0.05;
  LinkConfig config;
  config.loss = kP;
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    config.seed = seed;
    LinkModel link(config);
    const Trace run = drive(link, kN, 100us);
    const double sigma = std::sqrt(kN * kP * (1 - kP));
    EXPECT_NEAR(static_cast<double>(link.stats().lost_random), kN * kP, 5 * sigma) << seed;
    EXPECT_EQ(link.stats().delivered + link.stats().lost_random, kN);
    EXPECT_EQ(run.delivered.size(), link.stats().delivered);
  }
}

TEST(LinkModelLoss, FullLossDropsEverything) {
  LinkConfig config;
  config.loss = 1.0;
  LinkModel link(config);
  const Trace run = drive(link, 100, 1ms);
  EXPECT_TRUE(run.delivered.empty());
  EXPECT_EQ(link.stats().lost_random, 100u);
}

struct BurstShape {
  double loss_ratio;
  double mean_run;  // mean length of runs of consecutive losses
};

BurstShape measure_bursts(const GilbertElliott &ge, std::uint64_t seed, std::uint32_t count) {
  LinkConfig config;
  config.seed = seed;
  config.burst = ge;
  LinkModel link(config);
  const Trace run = drive(link, count, 100us);
  std::uint64_t lost = 0, runs = 0;
  for (std::size_t i = 0; i < run.fates.size(); ++i) {
    if (run.fates[i] != Fate::lost_burst) continue;
    ++lost;
    if (i == 0 || run.fates[i - 1] != Fate::lost_burst) ++runs;
  }
  EXPECT_EQ(lost, link.stats().lost_burst);
  return {static_cast<double>(lost) / count, static_cast<double>(lost) / static_cast<double>(runs)};
}

TEST(LinkModelBurstLoss, MeanBurstLengthIsOneOverR) {
  // With loss only in the bad state, a loss run is a bad spell: geometric, mean 1/r.
  for (const double r : {0.5, 0.25, 0.1}) {
    const GilbertElliott ge{0.01, r, 0.0, 1.0};
    const BurstShape shape = measure_bursts(ge, 7, 200000);
    EXPECT_NEAR(shape.mean_run, 1.0 / r, 0.1 / r) << "r=" << r;
    EXPECT_NEAR(shape.loss_ratio, ge.p / (ge.p + r), 0.2 * ge.p / (ge.p + r)) << "r=" << r;
  }
}

TEST(LinkModelBurstLoss, PartialLossInEachStateMatchesStationaryMix) {
  const GilbertElliott ge{0.05, 0.2, 0.01, 0.5};
  const double bad_share = ge.p / (ge.p + ge.r);                                     // 0.2
  const double expected = (1 - bad_share) * ge.loss_good + bad_share * ge.loss_bad;  // 0.108
  const BurstShape shape = measure_bursts(ge, 3, 200000);
  EXPECT_NEAR(shape.loss_ratio, expected, 0.01);
}

TEST(LinkModelBurstLoss, BurstAndRandomLossAreCountedApart) {
  LinkConfig config;
  config.loss = 0.1;
  config.burst = GilbertElliott{0.02, 0.25, 0.0, 1.0};
  LinkModel link(config);
  drive(link, 50000, 100us);
  const auto &s = link.stats();
  EXPECT_GT(s.lost_burst, 0u);
  EXPECT_GT(s.lost_random, 0u);
  // Random loss only sees what burst loss let through.
  const double survivors = static_cast<double>(s.in - s.lost_burst);
  EXPECT_NEAR(static_cast<double>(s.lost_random), 0.1 * survivors,
              5 * std::sqrt(survivors * 0.1 * 0.9));
}

TEST(LinkModelBurstLoss, EnablingDuplicationLeavesTheLossPatternAlone) {
  LinkConfig plain;
  plain.seed = 99;
  plain.loss = 0.05;
  plain.burst = GilbertElliott{0.01, 0.3, 0.0, 1.0};
  LinkConfig with_dup = plain;
  with_dup.duplicate = 0.3;
  LinkModel a(plain), b(with_dup);
  EXPECT_EQ(drive(a, 20000, 100us).fates, drive(b, 20000, 100us).fates);
}

}  // namespace
}  // namespace srtcore::sim
