// RFC 8285 blocks: expected bytes are worked out by hand from the RFC's
// layout (section 4.2 one-byte, 4.3 two-byte), not produced by the writer.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "rtp/header_extension.hpp"
#include "test_util.hpp"

namespace srtcore::rtp::hdrext {
namespace {

using test::bytes;
using test::Bytes;

struct Seen {
  unsigned id;
  Bytes data;
  bool operator==(const Seen &) const = default;
};

std::vector<Seen> read_all(std::uint16_t profile, const Bytes &block, ReadStatus *status) {
  ElementReader r(profile, block);
  std::vector<Seen> out;
  while (auto e = r.next()) out.push_back({e->id, Bytes(e->data.begin(), e->data.end())});
  *status = r.status();
  return out;
}

struct ReadCase {
  const char *name;
  std::uint16_t profile;
  Bytes block;
  std::vector<Seen> expected;
  ReadStatus status;
};

class ReadTable : public ::testing::TestWithParam<ReadCase> {};

TEST_P(ReadTable, ElementsAndStatus) {
  const ReadCase &c = GetParam();
  ReadStatus status;
  EXPECT_EQ(read_all(c.profile, c.block, &status), c.expected);
  EXPECT_EQ(status, c.status);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc8285, ReadTable,
    ::testing::Values(
        // id 1 len 1, id 2 len 2, one padding byte, id 3 len 4, trailing pad
        ReadCase{"one_byte_three_elements",
                 0xBEDE,
                 bytes({0x10, 0xaa, 0x21, 0xbb, 0xcc, 0x00, 0x33, 1, 2, 3, 4, 0x00}),
                 {{1, bytes({0xaa})}, {2, bytes({0xbb, 0xcc})}, {3, bytes({1, 2, 3, 4})}},
                 ReadStatus::kEnd},
        ReadCase{"one_byte_sixteen_bytes",
                 0xBEDE,
                 bytes({0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0}),
                 {{14, bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})}},
                 ReadStatus::kEnd},
        // id 1 len 0, padding, id 16 len 2, id 255 len 1, two padding bytes
        ReadCase{"two_byte_mixed_ids",
                 0x1000,
                 bytes({0x01, 0x00, 0x00, 0x10, 0x02, 0xab, 0xcd, 0xff, 0x01, 0x7f, 0, 0}),
                 {{1, {}}, {16, bytes({0xab, 0xcd})}, {255, bytes({0x7f})}},
                 ReadStatus::kEnd},
        ReadCase{"two_byte_appbits",
                 0x100f,
                 bytes({0x0f, 0x01, 0x55, 0}),
                 {{15, bytes({0x55})}},
                 ReadStatus::kEnd},
        ReadCase{"other_profile", 0xabcd, bytes({0x10, 0xaa, 0, 0}), {}, ReadStatus::kNotRfc8285},
        ReadCase{"all_padding", 0xBEDE, bytes({0, 0, 0, 0}), {}, ReadStatus::kEnd},
        ReadCase{"empty_block", 0xBEDE, {}, {}, ReadStatus::kEnd},
        // id 15 ends the block: what follows is not read, whatever it is
        ReadCase{"id_15_stops",
                 0xBEDE,
                 bytes({0x10, 0xaa, 0xf3, 0x10, 0xaa, 0, 0, 0}),
                 {{1, bytes({0xaa})}},
                 ReadStatus::kReservedId},
        ReadCase{"id_0_with_length",
                 0xBEDE,
                 bytes({0x10, 0xaa, 0x05, 0x10, 0xaa, 0, 0, 0}),
                 {{1, bytes({0xaa})}},
                 ReadStatus::kBadPadding},
        ReadCase{"one_byte_data_truncated",
                 0xBEDE,
                 bytes({0x10, 0xaa, 0x23, 0x01, 0x02}),
                 {{1, bytes({0xaa})}},
                 ReadStatus::kTruncated},
        ReadCase{"two_byte_header_truncated",
                 0x1000,
                 bytes({0x01, 0x01, 0x55, 0x07}),
                 {{1, bytes({0x55})}},
                 ReadStatus::kTruncated},
        ReadCase{"two_byte_data_truncated",
                 0x1000,
                 bytes({0x07, 0x09, 1, 2, 3, 4, 5, 6}),
                 {},
                 ReadStatus::kTruncated}),
    [](const auto &p) { return std::string(p.param.name); });

TEST(HeaderExtensionRead, DamageIsReportedAsDamage) {
  const Bytes bad = bytes({0x10, 0xaa, 0xf0, 0});
  ElementReader r(0xBEDE, bad);
  while (r.next()) {
  }
  EXPECT_TRUE(r.damaged());
  const Bytes good = bytes({0x10, 0xaa, 0, 0});
  ElementReader ok(0xBEDE, good);
  while (ok.next()) {
  }
  EXPECT_FALSE(ok.damaged());
  ElementReader other(0x1234, good);
  EXPECT_FALSE(other.next());
  EXPECT_FALSE(other.damaged());
}

TEST(HeaderExtensionWrite, OneByteBlockBytes) {
  Bytes block(12, 0xee);  // garbage: the writer must overwrite or pad it
  BlockWriter w(Form::kOneByte, block);
  auto d = w.data_space();
  d[0] = 0xaa;
  ASSERT_TRUE(w.commit(1, 1));
  d = w.data_space();
  d[0] = 0xbb;
  d[1] = 0xcc;
  ASSERT_TRUE(w.commit(14, 2));
  EXPECT_TRUE(w.commit(3, 0));  // nothing written, not an error
  EXPECT_EQ(w.finish(), 8u);
  EXPECT_EQ(Bytes(block.begin(), block.begin() + 8),
            bytes({0x10, 0xaa, 0xe1, 0xbb, 0xcc, 0, 0, 0}));
  std::uint8_t header[4];
  write_block_header(header, Form::kOneByte, 8);
  EXPECT_EQ(Bytes(header, header + 4), bytes({0xbe, 0xde, 0x00, 0x02}));
}

TEST(HeaderExtensionWrite, TwoByteBlockBytes) {
  Bytes block(8, 0xee);
  BlockWriter w(Form::kTwoByte, block);
  w.data_space()[0] = 0x42;
  ASSERT_TRUE(w.commit(200, 1));
  w.data_space()[0] = 0x43;
  ASSERT_TRUE(w.commit(15, 1));
  EXPECT_EQ(w.finish(), 8u);
  EXPECT_EQ(block, bytes({200, 1, 0x42, 15, 1, 0x43, 0, 0}));
  std::uint8_t header[4];
  write_block_header(header, Form::kTwoByte, 8);
  EXPECT_EQ(Bytes(header, header + 4), bytes({0x10, 0x00, 0x00, 0x02}));
}

TEST(HeaderExtensionWrite, RefusesWhatTheFormCannotCarry) {
  Bytes block(64);
  BlockWriter one(Form::kOneByte, block);
  EXPECT_FALSE(one.commit(15, 1));  // reserved
  EXPECT_FALSE(one.commit(0, 1));   // padding
  EXPECT_FALSE(one.commit(16, 1));
  EXPECT_FALSE(one.commit(1, 17));
  EXPECT_EQ(one.written(), 0u);
  EXPECT_EQ(one.finish(), 0u);
  BlockWriter two(Form::kTwoByte, block);
  EXPECT_FALSE(two.commit(0, 1));
  EXPECT_FALSE(two.commit(256, 1));
  EXPECT_FALSE(two.commit(1, 63));  // more than the space left
  EXPECT_TRUE(two.commit(1, 62));
  EXPECT_TRUE(two.data_space().empty());
}

TEST(HeaderExtensionForm, ChoosesOneByteUnlessAnElementForbidsIt) {
  FormChooser a;
  a.add(1, 1, true, true);
  a.add(14, 16, true, true);
  EXPECT_EQ(a.form(), Form::kOneByte);
  EXPECT_EQ(a.reserve_size(), 20u);  // 2 headers + 17 bytes = 19, rounded

  FormChooser b;
  b.add(1, 3, true, true);
  b.add(15, 1, true, true);  // id above 14: two-byte for all
  EXPECT_EQ(b.form(), Form::kTwoByte);
  EXPECT_EQ(b.reserve_size(), 8u);

  FormChooser c;
  c.add(2, 17, true, true);
  EXPECT_EQ(c.form(), Form::kTwoByte);

  FormChooser d;
  d.add(20, 2, true, false);  // one-byte only, but an id one-byte cannot carry
  EXPECT_EQ(d.form(), std::nullopt);

  FormChooser e;
  e.add(3, 2, false, true);
  EXPECT_EQ(e.form(), Form::kTwoByte);
  EXPECT_EQ(FormChooser{}.reserve_size(), 0u);
}

// Whatever the writer accepts, the reader gives back in order.
TEST(HeaderExtensionRoundTrip, RandomElements) {
  std::mt19937 rng(8285);
  for (int round = 0; round < 2000; ++round) {
    const Form form = rng() % 2 ? Form::kOneByte : Form::kTwoByte;
    const unsigned max_id = form == Form::kOneByte ? 14 : 255;
    const std::size_t max_size = form == Form::kOneByte ? 16 : 40;
    std::vector<Seen> want;
    FormChooser chooser;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      Seen s{static_cast<unsigned>(1 + rng() % max_id), {}};
      const std::size_t size = (form == Form::kOneByte ? 1 : 0) + rng() % max_size;
      for (std::size_t k = 0; k < size; ++k) s.data.push_back(static_cast<std::uint8_t>(rng()));
      chooser.add(s.id, size, form == Form::kOneByte, true);
      want.push_back(s);
    }
    ASSERT_EQ(chooser.form(), form) << "round " << round;
    Bytes block(chooser.reserve_size(), 0x5a);
    BlockWriter w(form, block);
    std::vector<Seen> kept;
    for (const Seen &s : want) {
      std::copy(s.data.begin(), s.data.end(), w.data_space().begin());
      ASSERT_TRUE(w.commit(s.id, s.data.size())) << "round " << round;
      if (!s.data.empty()) kept.push_back(s);  // empty elements are not written
    }
    const std::size_t len = w.finish();
    ASSERT_EQ(len % 4, 0u);
    block.resize(len);
    ReadStatus status;
    EXPECT_EQ(read_all(profile_of(form), block, &status), kept) << "round " << round;
    EXPECT_EQ(status, ReadStatus::kEnd);
  }
}

}  // namespace
}  // namespace srtcore::rtp::hdrext
