#include "sim/rng.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <set>

namespace srtcore::sim {
namespace {

// Published outputs of the reference xoshiro256starstar.c from state {1, 2, 3, 4}
// (also the test vector of rand_xoshiro).
TEST(Xoshiro256, MatchesReferenceVector) {
  auto rng = Xoshiro256::from_state({1, 2, 3, 4});
  const std::array<std::uint64_t, 10> expected = {
      11520ULL,
      0ULL,
      1509978240ULL,
      1215971899390074240ULL,
      1216172134540287360ULL,
      607988272756665600ULL,
      16172922978634559625ULL,
      8476171486693032832ULL,
      10595114339597558777ULL,
      2904607092377533576ULL,
  };
  for (const auto e : expected) EXPECT_EQ(rng.next(), e);
}

// Outputs of the reference splitmix64.c.
TEST(SplitMix64, MatchesReferenceVector) {
  SplitMix64 from_1234567(1234567);
  for (const std::uint64_t e :
       {6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL,
        4593380528125082431ULL, 16408922859458223821ULL}) {
    EXPECT_EQ(from_1234567.next(), e);
  }
  EXPECT_EQ(SplitMix64(0).next(), 0xE220A8397B1DCDAFULL);
}

TEST(Xoshiro256, SameSeedSameStreamDifferentSeedDifferent) {
  Xoshiro256 a(42), b(42), c(43);
  bool all_equal_to_c = true;
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    all_equal_to_c = all_equal_to_c && x == c.next();
  }
  EXPECT_FALSE(all_equal_to_c);
}

TEST(Xoshiro256, UniformStaysInUnitIntervalWithRightMean) {
  Xoshiro256 rng(7);
  double sum = 0;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // Mean of U(0,1) is 0.5 with sigma 0.2887/sqrt(N) ~ 0.0009.
  EXPECT_NEAR(sum / kN, 0.5, 0.005);
}

TEST(Xoshiro256, ChanceHonoursTheEdges) {
  Xoshiro256 rng(9);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(rng.chance(0.0));
    EXPECT_TRUE(rng.chance(1.0));
  }
}

TEST(Xoshiro256, NormalHasUnitMomentsAndSymmetry) {
  Xoshiro256 rng(11);
  constexpr int kN = 200000;
  double sum = 0, sum_sq = 0;
  int positive = 0;
  for (int i = 0; i < kN; ++i) {
    const double x = rng.normal();
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
    sum_sq += x * x;
    positive += x > 0;
  }
  EXPECT_NEAR(sum / kN, 0.0, 0.015);
  EXPECT_NEAR(sum_sq / kN, 1.0, 0.02);
  EXPECT_NEAR(static_cast<double>(positive) / kN, 0.5, 0.01);
}

TEST(DeriveSeed, GivesDistinctSeedsPerIndexAndBase) {
  std::set<std::uint64_t> seen;
  for (std::uint64_t base : {0ULL, 1ULL, 42ULL}) {
    for (std::uint64_t index = 0; index < 16; ++index) seen.insert(derive_seed(base, index));
  }
  EXPECT_EQ(seen.size(), 48u);
  EXPECT_EQ(derive_seed(42, 3), derive_seed(42, 3));
}

}  // namespace
}  // namespace srtcore::sim
