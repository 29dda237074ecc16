// RED (RFC 2198) block headers and the sequence number of a redundant
// block, against packets laid out by hand from the RFC's figures.
#include "rtp/red.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace srtcore::rtp::red {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Red, ParsesTheRfcExample) {
  // RFC 2198 section 3: a redundant block (PT 5, 320 samples back, 14 bytes)
  // and a primary block (PT 0).
  Bytes p = {0x85, 0x05, 0x00, 0x0e, 0x00};
  for (int i = 0; i < 14; ++i) p.push_back(static_cast<std::uint8_t>(0xa0 + i));
  for (int i = 0; i < 20; ++i) p.push_back(static_cast<std::uint8_t>(i));
  // 320 << 10 | 14 = 0x05000e
  const auto r = parse(ByteSpan(p.data(), p.size()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->redundant_count, 1u);
  EXPECT_EQ(r->redundant[0].payload_type, 5);
  EXPECT_EQ(r->redundant[0].timestamp_offset, 320u);
  ASSERT_EQ(r->redundant[0].data.size(), 14u);
  EXPECT_EQ(r->redundant[0].data[0], 0xa0);
  EXPECT_EQ(r->primary_payload_type, 0);
  ASSERT_EQ(r->primary.size(), 20u);
  EXPECT_EQ(r->primary[19], 19);
  EXPECT_EQ(r->header_size, 5u);
}

TEST(Red, WritesWhatItParses) {
  const BlockHeader blocks[] = {{96, 16383, 1023}, {97, 0, 0}};
  Bytes p(header_size(2));
  write_headers(p.data(), blocks, 111);
  p.insert(p.end(), 1023, 0x11);
  p.push_back(0x22);  // a one-byte primary
  const auto r = parse(ByteSpan(p.data(), p.size()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->redundant_count, 2u);
  EXPECT_EQ(r->redundant[0].payload_type, 96);
  EXPECT_EQ(r->redundant[0].timestamp_offset, 16383u);
  EXPECT_EQ(r->redundant[0].data.size(), 1023u);
  EXPECT_EQ(r->redundant[1].payload_type, 97);
  EXPECT_EQ(r->redundant[1].data.size(), 0u);
  EXPECT_EQ(r->primary_payload_type, 111);
  ASSERT_EQ(r->primary.size(), 1u);
  EXPECT_EQ(r->primary[0], 0x22);
  EXPECT_TRUE(fits(16383, 1023));
  EXPECT_FALSE(fits(16384, 10));
  EXPECT_FALSE(fits(10, 1024));
}

TEST(Red, MalformedPayloadsAreRefused) {
  const Bytes cases[] = {
      {},                                    // nothing
      {0x85},                                // a redundant header cut short
      {0x85, 0x05, 0x00},                    // still short
      {0x85, 0x05, 0x00, 0x0e},              // no primary header
      {0x00},                                // a primary header and no primary data
      {0x85, 0x05, 0x00, 0x02, 0x00, 1, 2},  // the redundant block takes the primary's byte
      {0x85, 0x05, 0x03, 0xff, 0x00, 1, 2},  // a redundant block longer than the packet
  };
  for (const Bytes &c : cases)
    EXPECT_FALSE(parse(ByteSpan(c.data(), c.size()))) << "case of " << c.size() << " bytes";
  // More blocks than kMaxRedundantBlocks.
  Bytes many;
  for (std::size_t i = 0; i <= kMaxRedundantBlocks; ++i) many.insert(many.end(), {0x80, 0, 0, 0});
  many.insert(many.end(), {0x00, 1});
  EXPECT_FALSE(parse(ByteSpan(many.data(), many.size())));
}

TEST(RedSequenceFinder, FindsTheMissingPacketsSequenceNumber) {
  SequenceFinder f;
  f.add(100, 1600);
  f.add(103, 2080);                     // 101 and 102 (1760, 1920) missing
  EXPECT_EQ(f.missing_seq(1760), 101);  // a redundant block of 101
  EXPECT_EQ(f.missing_seq(1920), 102);
  EXPECT_FALSE(f.missing_seq(1600));  // received
  EXPECT_FALSE(f.missing_seq(1700));  // no missing packet had this time
  EXPECT_FALSE(f.missing_seq(1500));  // older than the history
  EXPECT_FALSE(f.missing_seq(2200));  // newer than anything received
}

TEST(RedSequenceFinder, NoGapNoPacketAndWrapsAreHandled) {
  SequenceFinder f;
  f.add(65535, 0xffffff00u);
  f.add(1, 0x00000040u);  // 0 missing, its time 0xffffffa0 across the wrap
  EXPECT_EQ(f.missing_seq(0xffffffa0u), 0);
  SequenceFinder g;
  g.add(7, 1000);
  g.add(8, 1160);
  EXPECT_FALSE(g.missing_seq(1080));  // consecutive numbers: nothing was lost
}

TEST(RedSequenceFinder, KeepsTheNewestSixteenInTimestampOrder) {
  SequenceFinder f;
  for (std::uint16_t s = 0; s < 40; s += 2) f.add(s, 160u * s);  // every other one missing
  f.add(41, 160u * 41);
  f.add(39, 160u * 39);  // arrives late: placed by its timestamp
  EXPECT_FALSE(f.missing_seq(160u * 39));
  EXPECT_EQ(f.missing_seq(160u * 37), 37);
  EXPECT_EQ(f.missing_seq(160u * 40), 40);  // never sent to the history: missing
  EXPECT_FALSE(f.missing_seq(160u * 5));    // fell out of the history
}

}  // namespace
}  // namespace srtcore::rtp::red
