// Malformed FEC packets are dropped and counted, never acted on: too short,
// an index or a sequence that fits no group, far beyond the window, a
// second FEC packet for a group, groups long gone, a rebuilt length larger
// than the clip or the payload limit. The receiver's memory is fixed at
// construction whatever arrives.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fec_stream.hpp"

namespace srtcore::srt {
namespace {

constexpr std::uint32_t kIsn = 1000;

FecParams params(int cols, int rows) {
  FecParams p;
  p.cols = cols;
  p.rows = rows;
  p.staircase = false;
  return p;
}

std::vector<std::uint8_t> fec_datagram(std::uint32_t seq, std::int8_t index, std::uint16_t length,
                                       std::size_t clip_size) {
  std::vector<std::uint8_t> clip(clip_size, 0x5A);
  FecPacket p;
  p.seq = seq;
  p.index = index;
  p.clip = fec::Clip{length, 0, 77};
  p.payload_clip = clip;
  std::vector<std::uint8_t> out(kHeaderSize + kFecHeaderSize + clip_size);
  out.resize(write_fec_packet(p, KeyFlags::kClear, 1, out));
  return out;
}

bool feed_fec(FecReceiver &r, fec_test::Recorder &rec, const std::vector<std::uint8_t> &d) {
  const auto v = parse_data_packet(d);
  return r.on_fec(v->header, v->payload, rec);
}

TEST(FecHostile, MalformedPacketsAreCountedAndIgnored) {
  FecReceiver r(params(4, 3), kIsn, 1316);
  fec_test::Recorder rec;
  rec.isn = kIsn;
  const std::size_t window = r.window();

  // Too short for the FEC header.
  {
    DataHeader h;
    h.seq = kIsn + 3;
    h.msgno = 0;
    const std::array<std::uint8_t, 2> tiny{0xFF, 0};
    EXPECT_FALSE(r.on_fec(h, tiny, rec));
  }
  // A row FEC packet must carry the last sequence of a row.
  EXPECT_FALSE(feed_fec(r, rec, fec_datagram(kIsn + 2, kFecRowIndex, 10, 16)));
  // Column index beyond the matrix, or not the sequence's column.
  EXPECT_FALSE(feed_fec(r, rec, fec_datagram(kIsn + 8, 4, 10, 16)));
  EXPECT_FALSE(feed_fec(r, rec, fec_datagram(kIsn + 8, 1, 10, 16)));
  // A column FEC packet before its column's last row.
  EXPECT_FALSE(feed_fec(r, rec, fec_datagram(kIsn + 4, 0, 10, 16)));
  // Far beyond the window (a forged or foreign sequence).
  EXPECT_FALSE(feed_fec(r, rec, fec_datagram(seq_add(kIsn, 1 << 20) + 3, kFecRowIndex, 10, 16)));
  EXPECT_EQ(r.stats().malformed, 6u);
  EXPECT_EQ(r.stats().fec_packets, 0u);

  // A valid row FEC packet, then the same again: a duplicate.
  EXPECT_TRUE(feed_fec(r, rec, fec_datagram(kIsn + 3, kFecRowIndex, 10, 16)));
  EXPECT_FALSE(feed_fec(r, rec, fec_datagram(kIsn + 3, kFecRowIndex, 10, 16)));
  EXPECT_EQ(r.stats().duplicate, 1u);
  EXPECT_TRUE(rec.rebuilt.empty());
  EXPECT_EQ(r.window(), window);
}

TEST(FecHostile, RebuiltLengthBeyondTheClipOrThePayloadLimitIsRefused) {
  FecReceiver r(params(2, 1), kIsn, 100);  // rebuilt payloads at most 100 bytes
  fec_test::Recorder rec;
  rec.isn = kIsn;
  DataHeader h;
  h.seq = kIsn;
  h.msgno = 1;
  const std::vector<std::uint8_t> payload(8, 1);
  r.on_data(h, payload, rec);
  // The length clip says the missing packet is 8 ^ 200 bytes: more than the
  // 16-byte clip and the 100-byte limit.
  EXPECT_TRUE(feed_fec(r, rec, fec_datagram(kIsn + 1, kFecRowIndex, 8 ^ 200, 16)));
  EXPECT_TRUE(rec.rebuilt.empty());
  EXPECT_EQ(r.stats().malformed, 1u);
  // Within the clip but beyond the limit.
  h.seq = kIsn + 2;
  r.on_data(h, payload, rec);
  EXPECT_TRUE(feed_fec(r, rec, fec_datagram(kIsn + 3, kFecRowIndex, 8 ^ 120, 200)));
  EXPECT_TRUE(rec.rebuilt.empty());
  EXPECT_EQ(r.stats().malformed, 2u);
  // A consistent one is rebuilt.
  h.seq = kIsn + 4;
  r.on_data(h, payload, rec);
  EXPECT_TRUE(feed_fec(r, rec, fec_datagram(kIsn + 5, kFecRowIndex, 8 ^ 16, 16)));
  ASSERT_EQ(rec.rebuilt.size(), 1u);
  EXPECT_EQ(rec.rebuilt.begin()->first, 5);
  EXPECT_EQ(rec.rebuilt.begin()->second.size(), kHeaderSize + 16);
}

TEST(FecHostile, GroupsLongGoneAreStaleAndMemoryStaysFixed) {
  FecReceiver r(params(4, 3), kIsn, 1316);
  fec_test::Recorder rec;
  rec.isn = kIsn;
  const std::size_t window = r.window();
  DataHeader h;
  h.msgno = 1;
  const std::vector<std::uint8_t> payload(100, 3);
  // A long stream moves the window on.
  for (int i = 0; i < 10000; ++i) {
    h.seq = seq_add(kIsn, i);
    r.on_data(h, payload, rec);
  }
  EXPECT_FALSE(feed_fec(r, rec, fec_datagram(kIsn + 3, kFecRowIndex, 100, 16)));
  EXPECT_EQ(r.stats().stale, 1u);
  // A flood of FEC packets for every group ahead changes nothing in size.
  for (int i = 0; i < 5000; ++i) {
    (void)feed_fec(r, rec, fec_datagram(seq_add(kIsn, 10000 + 4 * i + 3), kFecRowIndex, 1, 16));
  }
  EXPECT_EQ(r.window(), window);
  EXPECT_GT(r.stats().malformed + r.stats().stale, 0u);
}

}  // namespace
}  // namespace srtcore::srt

namespace srtcore::srt {
namespace {

// A peer whose rows start one packet later than our ISN says (libsrt's
// second group member): every row FEC packet is refused as it stands;
// row_aligned_isn names the ISN that fits, and a receiver built with it
// takes the rows and rebuilds from them. Aligned packets get no answer.
TEST(FecRealign, RowAlignedIsnFindsWhereThePeersRowsStart) {
  const FecParams p = params(5, 1);
  const auto stream = fec_test::send_stream(p, kIsn + 1, 60, 200, 7);
  FecReceiver misaligned(p, kIsn, 1316);
  fec_test::Recorder rec;
  std::optional<std::uint32_t> found;
  for (const auto &d : stream) {
    if (!d.fec) continue;
    EXPECT_FALSE(feed_fec(misaligned, rec, d.bytes));
    const auto v = parse_data_packet(d.bytes);
    const auto isn = misaligned.row_aligned_isn(v->header, v->payload);
    ASSERT_TRUE(isn);
    if (!found) found = isn;
    EXPECT_EQ(*isn, kIsn + 1);
  }
  ASSERT_TRUE(found);
  EXPECT_EQ(misaligned.stats().fec_packets, 0u);

  // Rebuilt with the ISN found: every FEC packet taken, a lost packet back.
  FecReceiver aligned(p, *found, 1316);
  fec_test::Recorder rec2;
  rec2.isn = *found;
  for (const auto &d : stream) {
    const auto v = parse_data_packet(d.bytes);
    if (d.fec) {
      EXPECT_TRUE(aligned.on_fec(v->header, v->payload, rec2));
      EXPECT_FALSE(aligned.row_aligned_isn(v->header, v->payload));
    } else if (d.off != 12) {  // packet 12 lost
      aligned.on_data(v->header, v->payload, rec2);
    }
  }
  EXPECT_EQ(aligned.stats().fec_packets, 12u);
  EXPECT_EQ(rec2.rebuilt.count(12), 1u);
}

}  // namespace
}  // namespace srtcore::srt
