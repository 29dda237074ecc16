// Duplicate detection and RFC 3550 jitter, against values worked out by hand
// and by the RFC's floating-point formula.
#include "rtp/arrival_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace srtcore::rtp {
namespace {

TEST(SeqHistory, RemembersWhatArrivedAndWhatWasSkipped) {
  SeqHistory h;
  h.restart(100);
  h.advance(101);
  h.advance(104);  // 102 and 103 skipped
  EXPECT_TRUE(h.seen(100));
  EXPECT_TRUE(h.seen(101));
  EXPECT_FALSE(h.seen(102));
  EXPECT_FALSE(h.seen(103));
  EXPECT_TRUE(h.seen(104));
}

TEST(SeqHistory, WorksAcrossTheSixteenBitWrap) {
  SeqHistory h;
  h.restart(65534);
  h.advance(65535);
  h.advance(1);  // 0 skipped
  EXPECT_TRUE(h.seen(65534));
  EXPECT_TRUE(h.seen(65535));
  EXPECT_FALSE(h.seen(0));
  EXPECT_TRUE(h.seen(1));
}

TEST(SeqHistory, ForgetsBeyondSixtyFourAndAfterABigJump) {
  SeqHistory h;
  h.restart(0);
  for (std::uint16_t s = 1; s < 70; ++s) h.advance(s);
  EXPECT_TRUE(h.seen(69 - 63));
  EXPECT_FALSE(h.seen(69 - 64));  // outside the window: not known as received
  h.advance(1000);
  EXPECT_TRUE(h.seen(1000));
  EXPECT_FALSE(h.seen(999));
  EXPECT_FALSE(h.seen(69));
}

TEST(InterarrivalJitter, ZeroForPerfectlyPacedPackets) {
  InterarrivalJitter j;
  for (std::uint32_t i = 0; i < 100; ++i) j.add(5000 + 160 * i, 777 + 160 * i);
  EXPECT_EQ(j.value(), 0u);
}

TEST(InterarrivalJitter, FollowsTheRfcFormula) {
  // Random arrival noise; the reference is RFC 3550's floating-point form,
  // J += (|D| - J) / 16. The integer form rounds, so allow one unit.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> noise(-400, 400);
  InterarrivalJitter j;
  double reference = 0;
  std::int64_t last_transit = 0;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    const std::uint32_t ts = 0xfffff000u + 160 * i;  // wraps during the run
    const std::uint32_t arrival = 0x7ffffff0u + 160 * i + static_cast<std::uint32_t>(noise(rng));
    const auto transit = static_cast<std::int64_t>(static_cast<std::int32_t>(arrival - ts));
    if (i > 0)
      reference += (std::abs(static_cast<double>(transit - last_transit)) - reference) / 16;
    last_transit = transit;
    j.add(arrival, ts);
  }
  EXPECT_GT(reference, 100);
  EXPECT_NEAR(j.value(), reference, 1.0);
}

TEST(InterarrivalJitter, ResetForgetsTheLastTransit) {
  InterarrivalJitter j;
  j.add(1000, 0);
  j.reset();
  j.add(900000, 0);  // a new source: no difference taken to the old one
  EXPECT_EQ(j.value(), 0u);
}

}  // namespace
}  // namespace srtcore::rtp
