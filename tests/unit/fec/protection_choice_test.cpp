// What rtpst2022-1-fecenc2 and rtpredenc2 do with an adaptive protection
// level: against a brute-force model that prices every set of directions.
#include <gtest/gtest.h>

#include <vector>

#include "fec/protection_choice.hpp"

namespace {

using srtcore::fec::matrix_directions;
using srtcore::fec::MatrixDirections;
using srtcore::fec::red_distance;

// The model: every subset of the available directions; a subset meets the
// level when one of its parity groups has at most 100 / level packets (or
// the level is 0); the cheapest such subset in FEC packets per media packet
// wins (ties: the one with columns, which also survive bursts); when none
// meets it, all available directions.
MatrixDirections model(unsigned level, unsigned row_group, unsigned column_group) {
  struct Option {
    MatrixDirections d;
    double overhead;
    bool meets;
  };
  std::vector<Option> options;
  for (int rows = 0; rows < 2; ++rows) {
    for (int columns = 0; columns < 2; ++columns) {
      if ((rows && row_group == 0) || (columns && column_group == 0)) continue;
      Option o{{rows == 1, columns == 1}, 0.0, level == 0};
      if (rows) {
        o.overhead += 1.0 / row_group;
        o.meets = o.meets || static_cast<double>(row_group) <= 100.0 / level;
      }
      if (columns) {
        o.overhead += 1.0 / column_group;
        o.meets = o.meets || static_cast<double>(column_group) <= 100.0 / level;
      }
      options.push_back(o);
    }
  }
  const Option *best = nullptr;
  for (const Option &o : options) {
    if (!o.meets) continue;
    if (!best || o.overhead < best->overhead ||
        (o.overhead == best->overhead && o.d.columns && !best->d.columns))
      best = &o;
  }
  if (best) return best->d;
  return {row_group > 0, column_group > 0};
}

TEST(MatrixDirections, EqualTheModelOverEveryLevelAndGeometry) {
  int checked = 0;
  for (unsigned level = 0; level <= 100; ++level) {
    for (unsigned l = 0; l <= 24; ++l) {
      for (unsigned d = 0; d <= 24; ++d) {
        const MatrixDirections want = model(level, l, d);
        const MatrixDirections got = matrix_directions(level, l, d);
        ASSERT_EQ(got, want) << "level " << level << " L " << l << " D " << d;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 101 * 25 * 25);
}

TEST(MatrixDirections, TypicalTenByFive) {
  // 10 x 5: rows cost 10 %, columns 20 %.
  EXPECT_EQ(matrix_directions(0, 10, 5), (MatrixDirections{false, false}));
  EXPECT_EQ(matrix_directions(10, 10, 5), (MatrixDirections{true, false}));
  EXPECT_EQ(matrix_directions(11, 10, 5), (MatrixDirections{false, true}));
  EXPECT_EQ(matrix_directions(20, 10, 5), (MatrixDirections{false, true}));
  EXPECT_EQ(matrix_directions(21, 10, 5), (MatrixDirections{true, true}));
  EXPECT_EQ(matrix_directions(100, 10, 0), (MatrixDirections{true, false}));
}

TEST(RedDistance, OffWithoutLossTheConfiguredOneWithAny) {
  EXPECT_EQ(red_distance(0, 3), 0u);
  EXPECT_EQ(red_distance(1, 0), 1u);
  EXPECT_EQ(red_distance(50, 2), 2u);
}

}  // namespace
