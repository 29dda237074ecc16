// What rtpflexfecenc does with an adaptive protection level
// (srt-core/fec/protection_choice.hpp, flexfec_choice): against a model
// that prices every geometry the element may send, and against the
// recovery probability the level stands for, multiplied out here.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fec/protection_choice.hpp"
#include "protection_model.hpp"

namespace {

using srtcore::fec::flexfec_choice;
using srtcore::fec::FlexFecChoice;

// Every geometry available: rows of each L in 1..max_columns (if rows are
// enabled), columns of the configured matrix (if enabled and rows >= 2).
// One meets the level when its parity group has at most 100 / level
// packets; the cheapest that meets wins (ties: columns); none meets: the
// columns (rows of 1 always meet, so only without rows); level 0: nothing.
FlexFecChoice model(unsigned level, unsigned max_columns, unsigned rows, bool row_on,
                    bool column_on) {
  if (level == 0) return {};
  struct Option {
    FlexFecChoice c;
    unsigned group;
  };
  std::vector<Option> options;
  if (row_on)
    for (unsigned l = 1; l <= max_columns; ++l) options.push_back({{l, true, false}, l});
  if (column_on && rows >= 2) options.push_back({{max_columns, false, true}, rows});
  const Option *best = nullptr;
  for (const Option &o : options) {
    if (static_cast<double>(o.group) > 100.0 / level) continue;
    // Cheaper = one parity packet per more media packets.
    if (!best || o.group > best->group || (o.group == best->group && o.c.column_fec)) best = &o;
  }
  if (best) return best->c;
  for (const Option &o : options)
    if (o.c.column_fec) return o.c;
  return {};
}

TEST(FlexFecChoice, EqualsTheModelOverEveryLevelAndGeometry) {
  int checked = 0;
  for (unsigned level = 0; level <= 100; ++level) {
    for (unsigned l = 1; l <= 30; ++l) {
      for (unsigned d = 0; d <= 12; ++d) {
        for (int on = 1; on < 4; ++on) {
          const bool row_on = (on & 1) != 0;
          const bool column_on = (on & 2) != 0;
          const FlexFecChoice want = model(level, l, d, row_on, column_on);
          const FlexFecChoice got = flexfec_choice(level, l, d, row_on, column_on);
          ASSERT_EQ(got, want) << "level " << level << " L " << l << " D " << d << " rows "
                               << row_on << " columns " << column_on;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 101 * 30 * 13 * 3);
}

// Rows only (the default rtpflexfecenc geometry), from the reported loss:
// the level the policy's rule asks (counted out by protection_model.hpp),
// then the row length. A row rebuilds a loss when its L - 1 other packets
// and its repair packet arrive: (1 - p)^L, multiplied out, must reach the
// target 0.9 whenever any row can (p <= 0.1), and the row must be as long
// as the level allows (the next longer one would cost less than the level).
TEST(FlexFecChoice, RowsMeetTheRecoveryTargetTheLevelStandsFor) {
  constexpr double kTarget = 0.9;
  constexpr unsigned kMaxColumns = 255;
  for (int i = 1; i <= 300; ++i) {
    const double p = i * 0.001;
    const unsigned level = fec_test::model_percentage(p, kTarget);
    const FlexFecChoice c = flexfec_choice(level, kMaxColumns, 0, true, true);
    ASSERT_TRUE(c.row_fec) << p;
    ASSERT_FALSE(c.column_fec) << p;
    double arrive = 1;
    for (unsigned k = 0; k < c.columns; ++k) arrive *= 1 - p;
    if (p <= 1 - kTarget + 1e-12)
      EXPECT_GE(arrive, kTarget * (1 - 1e-12)) << "p " << p << " L " << c.columns;
    else
      EXPECT_EQ(c.columns, 1u) << "p " << p << ": nothing reaches the target; the best row";
    EXPECT_LE(c.columns * level, 100u) << p;
    EXPECT_GT((c.columns + 1) * level, 100u) << p;
  }
}

TEST(FlexFecChoice, TypicalCases) {
  // Rows of up to 20, no columns: 1 % loss -> groups of 10 (level 10).
  EXPECT_EQ(flexfec_choice(0, 20, 0, true, true), (FlexFecChoice{}));
  EXPECT_EQ(flexfec_choice(5, 20, 0, true, true), (FlexFecChoice{20, true, false}));
  EXPECT_EQ(flexfec_choice(10, 20, 0, true, true), (FlexFecChoice{10, true, false}));
  EXPECT_EQ(flexfec_choice(100, 20, 0, true, true), (FlexFecChoice{1, true, false}));
  // Never longer than configured: level 1 would allow 100.
  EXPECT_EQ(flexfec_choice(1, 20, 0, true, true), (FlexFecChoice{20, true, false}));
  // 10 x 5 matrix: level 20 -> rows of 5 or columns of 5: columns (bursts).
  EXPECT_EQ(flexfec_choice(20, 10, 5, true, true), (FlexFecChoice{10, false, true}));
  EXPECT_EQ(flexfec_choice(25, 10, 5, true, true), (FlexFecChoice{4, true, false}));
  // Columns alone that are not enough: still sent (the best there is).
  EXPECT_EQ(flexfec_choice(50, 10, 5, false, true), (FlexFecChoice{10, false, true}));
}

}  // namespace
