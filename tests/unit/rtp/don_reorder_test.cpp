#include <gtest/gtest.h>

#include "rtp/don_reorder.hpp"
#include "test_util.hpp"

namespace srtcore::rtp {
namespace {

using test::bytes;
using test::Bytes;

struct Out {
  Bytes data;
  std::uint32_t ts;
};

struct Harness {
  explicit Harness(DonReorderParams p) : r(p) {}
  void push(std::uint16_t don, const Bytes &nal, std::uint32_t ts = 0) {
    r.push(don, nal, ts, [this](ByteSpan n, std::uint32_t t) {
      out.push_back(Out{Bytes(n.begin(), n.end()), t});
    });
  }
  void drain() {
    r.drain([this](ByteSpan n, std::uint32_t t) {
      out.push_back(Out{Bytes(n.begin(), n.end()), t});
    });
  }
  // First byte of each output, which the tests use as a label.
  std::vector<int> labels() const {
    std::vector<int> v;
    for (const Out &o : out) v.push_back(o.data[0]);
    return v;
  }
  DonReorder r;
  std::vector<Out> out;
};

DonReorderParams depth(std::uint32_t d) {
  DonReorderParams p;
  p.interleaving_depth = d;
  return p;
}

TEST(DonReorder, OutOfOrderComesOutInDonOrder) {
  Harness h(depth(2));
  h.push(2, bytes({2}), 20);
  h.push(0, bytes({0}), 0);
  EXPECT_TRUE(h.out.empty());
  h.push(1, bytes({1}), 10);  // third unit: over the depth, lowest DON leaves
  EXPECT_EQ(h.labels(), std::vector<int>{0});
  h.push(4, bytes({4}));
  h.push(3, bytes({3}));
  EXPECT_EQ(h.labels(), (std::vector<int>{0, 1, 2}));
  h.drain();
  EXPECT_EQ(h.labels(), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(h.out[1].ts, 10u);
  EXPECT_EQ(h.r.size(), 0u);
}

TEST(DonReorder, WrapAt65535) {
  Harness h(depth(100));
  const std::uint16_t dons[] = {65533, 65535, 0, 65534, 2, 1};
  for (std::uint16_t d : dons) h.push(d, bytes({static_cast<int>(d & 0xff)}));
  h.drain();
  EXPECT_EQ(h.labels(), (std::vector<int>{0xfd, 0xfe, 0xff, 0, 1, 2}));
}

TEST(DonReorder, AbsDonHalfRangeRule) {
  // RFC 6184 5.5: a jump of exactly 32768 from a lower DON goes backwards, from a
  // higher DON forwards.
  Harness a(depth(100));
  a.push(0, bytes({1}));
  a.push(32768, bytes({2}));  // behind 0
  a.drain();
  EXPECT_EQ(a.labels(), (std::vector<int>{2, 1}));
  Harness b(depth(100));
  b.push(32768, bytes({1}));
  b.push(0, bytes({2}));  // ahead of 32768
  b.drain();
  EXPECT_EQ(b.labels(), (std::vector<int>{1, 2}));
}

TEST(DonReorder, MaxDonDiffForcesOutput) {
  DonReorderParams p = depth(1000);
  p.max_don_diff = 10;
  Harness h(p);
  h.push(5, bytes({5}));
  h.push(7, bytes({7}));
  h.push(15, bytes({15}));  // span 10: still held
  EXPECT_TRUE(h.out.empty());
  h.push(17, bytes({17}));  // span 12: 5 must go, then span 10
  EXPECT_EQ(h.labels(), std::vector<int>{5});
}

TEST(DonReorder, DeintBufReqBytesForcesOutput) {
  DonReorderParams p = depth(1000);
  p.deint_buf_req = 10;
  Harness h(p);
  h.push(1, Bytes(6, 1));
  h.push(0, Bytes(4, 0));
  EXPECT_TRUE(h.out.empty());  // exactly 10 bytes
  h.push(2, Bytes(1, 2));
  EXPECT_EQ(h.labels(), std::vector<int>{0});
}

TEST(DonReorder, DepthCountsOnlySelectedUnits) {
  DonReorderParams p = depth(1);
  p.counts_toward_depth = [](ByteSpan n) { return n[0] >= 100; };  // "VCL" labels
  Harness h(p);
  h.push(0, bytes({1}));    // non-VCL
  h.push(1, bytes({2}));    // non-VCL
  h.push(3, bytes({103}));  // 1 VCL: held
  EXPECT_TRUE(h.out.empty());
  h.push(2, bytes({102}));  // 2 VCL: out until 1 VCL left
  EXPECT_EQ(h.labels(), (std::vector<int>{1, 2, 102}));
}

TEST(DonReorder, LateAndDuplicateUnitsDropped) {
  Harness h(depth(1));
  h.push(10, bytes({10}));
  h.push(11, bytes({11}));  // 10 out
  h.push(11, bytes({11}));  // duplicate of a held unit
  EXPECT_EQ(h.r.stats().duplicates, 1u);
  h.push(9, bytes({9}));  // behind what was already output
  EXPECT_EQ(h.r.stats().late, 1u);
  h.drain();
  EXPECT_EQ(h.labels(), (std::vector<int>{10, 11}));
}

TEST(DonReorder, EqualDonsKeepTransmissionOrder) {
  Harness h(depth(100));
  h.push(4, bytes({1}));
  h.push(4, bytes({2}));
  h.push(3, bytes({0}));
  h.drain();
  EXPECT_EQ(h.labels(), (std::vector<int>{0, 1, 2}));
}

TEST(DonReorder, HugeParamsStillBounded) {
  DonReorderParams p;
  p.interleaving_depth = 0xffffffffu;
  p.max_don_diff = 0xffffffffu;
  Harness h(p);
  for (std::uint32_t i = 0; i < DonReorder::kMaxUnits + 10; ++i)
    h.push(static_cast<std::uint16_t>(i), bytes({static_cast<int>(i & 0xff)}));
  EXPECT_EQ(h.r.size(), DonReorder::kMaxUnits);
  ASSERT_EQ(h.out.size(), 10u);
  EXPECT_EQ(h.out[0].data[0], 0);  // oldest out first
  EXPECT_EQ(h.out[9].data[0], 9);

  Harness b(p);
  const Bytes big(8u << 20, 0x41);
  for (int i = 0; i < 9; ++i) b.push(static_cast<std::uint16_t>(i), big);
  EXPECT_EQ(b.out.size(), 1u);  // 9 x 8 MiB > 64 MiB: the oldest leaves, 64 MiB stay
  EXPECT_EQ(b.r.size(), 8u);
}

TEST(DonReorder, ResetForgetsEverything) {
  Harness h(depth(10));
  h.push(100, bytes({1}));
  h.r.reset();
  EXPECT_EQ(h.r.size(), 0u);
  h.push(5, bytes({5}));  // AbsDON starts afresh: not late
  h.drain();
  EXPECT_EQ(h.labels(), std::vector<int>{5});
  EXPECT_EQ(h.r.stats().late, 0u);
}

}  // namespace
}  // namespace srtcore::rtp
