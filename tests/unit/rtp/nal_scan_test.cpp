#include <gtest/gtest.h>

#include "rtp/nal_scan.hpp"
#include "test_util.hpp"

namespace srtcore::rtp {
namespace {

using test::bytes;
using test::Bytes;

std::vector<Bytes> split_annexb(const Bytes &data) {
  std::vector<Bytes> out;
  const std::size_t n =
      for_each_annexb_nal(data, [&](ByteSpan nal) { out.emplace_back(nal.begin(), nal.end()); });
  EXPECT_EQ(n, out.size());
  return out;
}

struct AnnexBCase {
  const char *name;
  Bytes input;
  std::vector<Bytes> expected;
};

TEST(NalScan, SplitsAnnexB) {
  const AnnexBCase cases[] = {
      {"empty", {}, {}},
      {"only zeros", bytes({0, 0, 0, 0}), {}},
      {"no start code", bytes({0x65, 1, 2}), {bytes({0x65, 1, 2})}},
      {"4-byte codes",
       bytes({0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2}),
       {bytes({0x67, 1}), bytes({0x68, 2})}},
      {"3-byte codes",
       bytes({0, 0, 1, 0x67, 1, 0, 0, 1, 0x68, 2}),
       {bytes({0x67, 1}), bytes({0x68, 2})}},
      {"mixed codes",
       bytes({0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x65, 7}),
       {bytes({0x09, 0xf0}), bytes({0x65, 7})}},
      {"trailing zeros", bytes({0, 0, 0, 1, 0x65, 7, 0, 0, 0, 0}), {bytes({0x65, 7})}},
      {"data before first code",
       bytes({0x41, 5, 0, 0, 1, 0x41, 6}),
       {bytes({0x41, 5}), bytes({0x41, 6})}},
      {"start code at end", bytes({0, 0, 0, 1, 0x65, 7, 0, 0, 1}), {bytes({0x65, 7})}},
      {"empty units between codes", bytes({0, 0, 1, 0, 0, 1, 0x65, 7}), {bytes({0x65, 7})}},
      {"emulation prevented",
       bytes({0, 0, 1, 0x65, 0, 0, 3, 1, 9}),
       {bytes({0x65, 0, 0, 3, 1, 9})}},
      {"two zeros only", bytes({0, 0}), {}},
  };
  for (const AnnexBCase &c : cases) EXPECT_EQ(split_annexb(c.input), c.expected) << c.name;
}

TEST(NalScan, FindStartCode) {
  const Bytes d = bytes({7, 0, 0, 1, 5, 0, 0, 0, 1, 6, 0, 1});
  EXPECT_EQ(find_start_code(d, 0), 1u);
  EXPECT_EQ(find_start_code(d, 1), 1u);
  EXPECT_EQ(find_start_code(d, 2), 6u);  // the 00 00 01 inside 00 00 00 01
  EXPECT_EQ(find_start_code(d, 7), d.size());
  EXPECT_EQ(find_start_code(d, 100), d.size());
  EXPECT_EQ(find_start_code(Bytes{}, 0), 0u);
  EXPECT_EQ(find_start_code(bytes({1, 1, 1, 0, 1}), 0), 5u);
}

TEST(NalScan, FindsStartCodeInLargeBuffer) {
  Bytes d(100000, 0x55);
  d[70000] = 0;
  d[70001] = 0;
  d[70002] = 1;
  d[5000] = 1;  // a lone 01 is not a start code
  EXPECT_EQ(find_start_code(d, 0), 70000u);
  EXPECT_EQ(find_start_code(d, 70001), d.size());
}

std::vector<Bytes> split_prefixed(const Bytes &data, unsigned len_size, bool *ok) {
  std::vector<Bytes> out;
  *ok = for_each_length_prefixed_nal(
      data, len_size, [&](ByteSpan nal) { out.emplace_back(nal.begin(), nal.end()); });
  return out;
}

TEST(NalScan, SplitsLengthPrefixed) {
  bool ok = false;
  EXPECT_EQ(split_prefixed(bytes({0, 0, 0, 2, 0x65, 1, 0, 0, 0, 1, 0x41}), 4, &ok),
            (std::vector<Bytes>{bytes({0x65, 1}), bytes({0x41})}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(split_prefixed(bytes({0, 2, 0x65, 1, 0, 1, 0x41}), 2, &ok),
            (std::vector<Bytes>{bytes({0x65, 1}), bytes({0x41})}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(split_prefixed(bytes({2, 0x65, 1, 1, 0x41}), 1, &ok),
            (std::vector<Bytes>{bytes({0x65, 1}), bytes({0x41})}));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(split_prefixed({}, 4, &ok).empty());
  EXPECT_TRUE(ok);
}

TEST(NalScan, LengthPrefixedReportsOverrunAfterGoodUnits) {
  bool ok = true;
  // Second length says 5 but only 2 bytes follow.
  EXPECT_EQ(split_prefixed(bytes({0, 0, 0, 1, 0x41, 0, 0, 0, 5, 0x41, 2}), 4, &ok),
            (std::vector<Bytes>{bytes({0x41})}));
  EXPECT_FALSE(ok);
  // Length field itself cut short.
  EXPECT_EQ(split_prefixed(bytes({0, 0, 0, 1, 0x41, 0, 0}), 4, &ok),
            (std::vector<Bytes>{bytes({0x41})}));
  EXPECT_FALSE(ok);
  // Huge length must not wrap around.
  EXPECT_TRUE(split_prefixed(bytes({0xff, 0xff, 0xff, 0xff, 0x41}), 4, &ok).empty());
  EXPECT_FALSE(ok);
  // Unsupported length sizes.
  split_prefixed(bytes({1, 0x41}), 0, &ok);
  EXPECT_FALSE(ok);
  split_prefixed(bytes({1, 0x41}), 5, &ok);
  EXPECT_FALSE(ok);
}

TEST(NalScan, ZeroLengthUnitsAreSkipped) {
  bool ok = false;
  EXPECT_EQ(split_prefixed(bytes({0, 0, 0, 1, 0x41}), 2, &ok), (std::vector<Bytes>{bytes({0x41})}));
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace srtcore::rtp
