// LossList: ranges of 31-bit sequence numbers, merged, split, bounded; every
// case runs at several bases, including right before the 2^31 wrap.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "srt/control.hpp"
#include "srt/loss_list.hpp"
#include "srt/seq.hpp"

namespace srtcore::srt {
namespace {

// Ranges written as offsets from a base, so one table runs across the wrap.
struct Off {
  std::int32_t first, last;
};

class LossListAtBase : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  std::uint32_t s(std::int32_t off) const { return seq_add(GetParam(), off); }
  std::vector<SeqRange> expect(std::initializer_list<Off> offs) const {
    std::vector<SeqRange> v;
    for (const Off &o : offs) v.push_back({s(o.first), s(o.last)});
    return v;
  }
  static std::vector<SeqRange> got(const LossList &l) {
    return {l.ranges().begin(), l.ranges().end()};
  }
};

TEST_P(LossListAtBase, InsertMergesAdjacentAndOverlapping) {
  LossList l;
  EXPECT_EQ(l.insert(s(5)), 1u);
  EXPECT_EQ(l.insert(s(6)), 1u);  // adjacent: one range
  EXPECT_EQ(got(l), expect({{5, 6}}));
  EXPECT_EQ(l.insert(s(10), s(12)), 3u);
  EXPECT_EQ(got(l), expect({{5, 6}, {10, 12}}));
  EXPECT_EQ(l.insert(s(2), s(3)), 2u);  // before everything, not adjacent (4 missing)
  EXPECT_EQ(got(l), expect({{2, 3}, {5, 6}, {10, 12}}));
  EXPECT_EQ(l.insert(s(4), s(11)), 4u);  // 4, 7, 8, 9 new; bridges all three
  EXPECT_EQ(got(l), expect({{2, 12}}));
  EXPECT_EQ(l.size(), 11u);
  EXPECT_EQ(l.insert(s(2), s(12)), 0u);  // nothing new
}

TEST_P(LossListAtBase, RemoveSplitsAndTrims) {
  LossList l;
  l.insert(s(0), s(9));
  EXPECT_TRUE(l.remove(s(0)));
  EXPECT_TRUE(l.remove(s(9)));
  EXPECT_TRUE(l.remove(s(4)));
  EXPECT_FALSE(l.remove(s(4)));
  EXPECT_FALSE(l.remove(s(20)));
  EXPECT_EQ(got(l), expect({{1, 3}, {5, 8}}));
  EXPECT_EQ(l.size(), 7u);
  EXPECT_TRUE(l.contains(s(3)));
  EXPECT_FALSE(l.contains(s(4)));
}

TEST_P(LossListAtBase, RemoveUpToIsAnAck) {
  LossList l;
  l.insert(s(0), s(3));
  l.insert(s(6), s(9));
  l.insert(s(12));
  EXPECT_EQ(l.remove_up_to(s(7)), 6u);  // 0..3 and 6, 7
  EXPECT_EQ(got(l), expect({{8, 9}, {12, 12}}));
  EXPECT_EQ(l.remove_up_to(s(-5)), 0u);
  EXPECT_EQ(l.remove_up_to(s(100)), 3u);
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.size(), 0u);
}

TEST_P(LossListAtBase, RemoveRangeAcrossSeveralRanges) {
  LossList l;
  l.insert(s(0), s(3));
  l.insert(s(6), s(9));
  l.insert(s(12), s(15));
  EXPECT_EQ(l.remove_range(s(2), s(13)), 2u + 4u + 2u);
  EXPECT_EQ(got(l), expect({{0, 1}, {14, 15}}));
  EXPECT_EQ(l.remove_range(s(-10), s(0)), 1u);
  EXPECT_EQ(got(l), expect({{1, 1}, {14, 15}}));
  l.insert(s(20), s(30));
  EXPECT_EQ(l.remove_range(s(22), s(24)), 3u);  // strictly inside: split
  EXPECT_EQ(got(l), expect({{1, 1}, {14, 15}, {20, 21}, {25, 30}}));
}

TEST_P(LossListAtBase, PopFrontInSequenceOrder) {
  LossList l;
  l.insert(s(3), s(4));
  l.insert(s(-2));  // inserted later, sorts first
  std::vector<std::uint32_t> popped;
  while (auto v = l.pop_front()) popped.push_back(*v);
  EXPECT_EQ(popped, (std::vector<std::uint32_t>{s(-2), s(3), s(4)}));
  EXPECT_FALSE(l.front().has_value());
}

TEST_P(LossListAtBase, RangesEncodeAsANak) {
  LossList l;
  l.insert(s(1));
  l.insert(s(5), s(8));
  std::array<std::uint8_t, 64> buf{};
  const std::size_t n = write_nak(l.ranges(), 0, 0, buf);
  ASSERT_GT(n, 0u);
  auto pkt = parse_control_packet(ByteSpan(buf.data(), n));
  ASSERT_TRUE(pkt);
  auto nak = parse_nak(*pkt);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->to_vector(), got(l));
}

INSTANTIATE_TEST_SUITE_P(Bases, LossListAtBase,
                         ::testing::Values(100u, 0x7FFFFFF8u, 0x7FFFFFFFu, 0u, 0x3FFFFFFFu));

TEST(LossList, RejectsInvalidInput) {
  LossList l;
  EXPECT_EQ(l.insert(10, 5), 0u);        // first after last
  EXPECT_EQ(l.insert(0x80000000u), 0u);  // not a sequence number
  EXPECT_EQ(l.remove_range(9, 3), 0u);
  EXPECT_FALSE(l.remove(0xFFFFFFFFu));
  EXPECT_TRUE(l.empty());
}

TEST(LossList, BoundedMemoryOverApproximates) {
  LossList l(4);
  std::set<std::uint32_t> inserted;
  for (std::uint32_t i = 0; i < 20; ++i) {
    const std::uint32_t seq = 0x7FFFFFF0u + 3 * i;  // crosses the wrap, never adjacent
    l.insert(seq & kSeqMask);
    inserted.insert(seq & kSeqMask);
  }
  EXPECT_LE(l.range_count(), 4u);
  EXPECT_GT(l.overflows(), 0u);
  for (std::uint32_t seq : inserted) EXPECT_TRUE(l.contains(seq)) << seq;  // nothing forgotten
  std::uint64_t total = 0;
  for (const SeqRange &r : l.ranges()) total += seq_count(r.first, r.last);
  EXPECT_EQ(total, l.size());
}

TEST(LossList, SplitWhenFullKeepsTheSequence) {
  LossList l(1);
  l.insert(100, 110);
  EXPECT_FALSE(l.remove(105));  // would need a second range
  EXPECT_TRUE(l.contains(105));
  EXPECT_TRUE(l.remove(100));  // trimming needs no new range
  EXPECT_EQ(l.size(), 10u);
  EXPECT_EQ(l.overflows(), 1u);
}

// Random operations against a std::set model, bounded window near the wrap.
TEST(LossList, MatchesASetModel) {
  std::mt19937 rng(12345);
  LossList l(1 << 12);
  std::set<std::int32_t> model;  // offsets from base
  const std::uint32_t base = 0x7FFFFF00u;
  for (int step = 0; step < 20000; ++step) {
    const std::int32_t a = static_cast<std::int32_t>(rng() % 600);
    const std::int32_t len = static_cast<std::int32_t>(rng() % 5);
    switch (rng() % 4) {
      case 0: {
        std::uint32_t fresh = 0;
        for (std::int32_t o = a; o <= a + len; ++o) fresh += model.insert(o).second ? 1 : 0;
        ASSERT_EQ(l.insert(seq_add(base, a), seq_add(base, a + len)), fresh);
        break;
      }
      case 1:
        ASSERT_EQ(l.remove(seq_add(base, a)), model.erase(a) == 1);
        break;
      case 2: {
        std::uint32_t gone = 0;
        for (std::int32_t o = a; o <= a + len; ++o)
          gone += static_cast<std::uint32_t>(model.erase(o));
        ASSERT_EQ(l.remove_range(seq_add(base, a), seq_add(base, a + len)), gone);
        break;
      }
      default:
        if (rng() % 8 == 0) {
          const auto cut = static_cast<std::int32_t>(rng() % 100);
          std::uint32_t gone = 0;
          while (!model.empty() && *model.begin() <= cut) {
            model.erase(model.begin());
            ++gone;
          }
          ASSERT_EQ(l.remove_up_to(seq_add(base, cut)), gone);
        }
    }
    ASSERT_EQ(l.size(), model.size());
  }
  std::vector<std::uint32_t> from_list;
  while (auto v = l.pop_front()) from_list.push_back(*v);
  std::vector<std::uint32_t> from_model;
  for (std::int32_t o : model) from_model.push_back(seq_add(base, o));
  EXPECT_EQ(from_list, from_model);
}

}  // namespace
}  // namespace srtcore::srt
