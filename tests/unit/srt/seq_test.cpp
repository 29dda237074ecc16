// Circular arithmetic of sequence numbers, message numbers and timestamps.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "srt/seq.hpp"

namespace srtcore::srt {
namespace {

TEST(Seq, IncrementWrapsAt2To31) {
  EXPECT_EQ(seq_next(0), 1u);
  EXPECT_EQ(seq_next(0x7FFFFFFE), 0x7FFFFFFFu);
  EXPECT_EQ(seq_next(0x7FFFFFFF), 0u);
  EXPECT_EQ(seq_prev(0), 0x7FFFFFFFu);
  EXPECT_EQ(seq_add(0x7FFFFFF0, 0x20), 0x10u);
  EXPECT_EQ(seq_add(0x10, -0x20), 0x7FFFFFF0u);
  EXPECT_EQ(ack_next(0x7FFFFFFF), 0u);
}

struct DiffCase {
  std::uint32_t a, b;
  std::int32_t diff;
};

class SeqDiffTest : public ::testing::TestWithParam<DiffCase> {};

TEST_P(SeqDiffTest, DiffAndOrder) {
  const DiffCase c = GetParam();
  EXPECT_EQ(seq_diff(c.a, c.b), c.diff) << std::hex << c.a << " - " << c.b;
  EXPECT_EQ(seq_lt(c.a, c.b), c.diff < 0);
  EXPECT_EQ(seq_le(c.a, c.b), c.diff <= 0);
  EXPECT_EQ(seq_gt(c.a, c.b), c.diff > 0);
  EXPECT_EQ(seq_ge(c.a, c.b), c.diff >= 0);
  // Adding the distance back lands on a.
  EXPECT_EQ(seq_add(c.b, c.diff), c.a);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SeqDiffTest,
    ::testing::Values(DiffCase{5, 3, 2}, DiffCase{3, 5, -2}, DiffCase{7, 7, 0},
                      // Across the 2^31 wrap: 0 comes right after 0x7FFFFFFF.
                      DiffCase{0, 0x7FFFFFFF, 1}, DiffCase{0x7FFFFFFF, 0, -1},
                      DiffCase{0x10, 0x7FFFFFF0, 0x20}, DiffCase{0x7FFFFFF0, 0x10, -0x20},
                      // Largest forward distance, and the point where it flips.
                      DiffCase{0x3FFFFFFF, 0, 0x3FFFFFFF}, DiffCase{0x40000000, 0, -0x40000000},
                      DiffCase{0, 0x40000001, 0x3FFFFFFF}));

TEST(Seq, CountInclusive) {
  EXPECT_EQ(seq_count(5, 5), 1u);
  EXPECT_EQ(seq_count(5, 9), 5u);
  EXPECT_EQ(seq_count(0x7FFFFFFE, 1), 4u);  // 7FFFFFFE 7FFFFFFF 0 1
  EXPECT_EQ(seq_count(9, 5), 0u);
}

TEST(Seq, Validity) {
  EXPECT_TRUE(seq_valid(0x7FFFFFFF));
  EXPECT_FALSE(seq_valid(0x80000000));
  EXPECT_TRUE(msgno_valid(0x03FFFFFF));
  EXPECT_FALSE(msgno_valid(0x04000000));
}

TEST(MsgNo, WrapsTo1Skipping0) {
  EXPECT_EQ(msgno_next(1), 2u);
  EXPECT_EQ(msgno_next(0x03FFFFFE), 0x03FFFFFFu);
  EXPECT_EQ(msgno_next(0x03FFFFFF), 1u);
  EXPECT_EQ(msgno_next(0), 1u);
}

TEST(MsgNo, DiffModulo2To26) {
  EXPECT_EQ(msgno_diff(10, 4), 6);
  EXPECT_EQ(msgno_diff(4, 10), -6);
  EXPECT_EQ(msgno_diff(1, 0x03FFFFFF), 2);  // modular, 0 counts as a slot
  EXPECT_EQ(msgno_diff(0x03FFFFFF, 1), -2);
  EXPECT_EQ(msgno_diff(0x02000000, 0), -0x02000000);
  EXPECT_EQ(msgno_diff(0x01FFFFFF, 0), 0x01FFFFFF);
}

TEST(Timestamp, WireTimestampWrapsAt2To32) {
  const TimePoint start{Duration{123456789}};
  EXPECT_EQ(wire_timestamp(start, start), 0u);
  EXPECT_EQ(wire_timestamp(start, start + Duration{0xFFFFFFFF}), 0xFFFFFFFFu);
  EXPECT_EQ(wire_timestamp(start, start + Duration{kTimestampPeriodUs}), 0u);
  EXPECT_EQ(wire_timestamp(start, start + Duration{kTimestampPeriodUs + 7}), 7u);
  EXPECT_EQ(wire_timestamp(start, start + Duration{3 * kTimestampPeriodUs + 42}), 42u);
}

TEST(Timestamp, SignedDiffAcrossWrap) {
  EXPECT_EQ(ts_diff(5, 0xFFFFFFFB), 10);
  EXPECT_EQ(ts_diff(0xFFFFFFFB, 5), -10);
  EXPECT_EQ(ts_diff(1000, 400), 600);
  EXPECT_EQ(ts_diff(0x80000000, 0), INT32_MIN);
}

TEST(Timestamp, UnwrapperAcrossWrapWithReordering) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.unwrap(0xFFFFFFF0), 0xFFFFFFF0);
  EXPECT_EQ(u.unwrap(0x10), 0x100000010);
  EXPECT_EQ(u.unwrap(0xFFFFFFFF), 0xFFFFFFFF);  // late packet from before the wrap
  EXPECT_EQ(u.unwrap(0x20), 0x100000020);
}

TEST(Timestamp, UnwrapperFollowsSeveralWraps) {
  // One timestamp per second of a 5-hour stream (four 71.6-minute wraps).
  TimestampUnwrapper u;
  const TimePoint start{};
  for (std::int64_t s = 0; s < 5 * 3600; ++s) {
    const TimePoint t = start + Duration{s * 1'000'000 + 17};
    ASSERT_EQ(u.unwrap(wire_timestamp(start, t)), s * 1'000'000 + 17) << "second " << s;
  }
}

}  // namespace
}  // namespace srtcore::srt
