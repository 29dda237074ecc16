// SendBuffer: sequence and message numbering, retransmission, ACK, sender drop.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>

#include "srt/send_buffer.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;

TimePoint at_ms(std::int64_t ms) {
  return TimePoint(milliseconds(ms));
}

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t seed = 0) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

SendBuffer make(std::uint32_t isn, std::size_t capacity = 16, std::size_t max_payload = 100) {
  SendBufferConfig c;
  c.capacity = capacity;
  c.max_payload = max_payload;
  c.start_time = at_ms(1000);
  return SendBuffer(c, isn);
}

TEST(SendBuffer, NumbersPacketsAndStampsThemFromTheStartTime) {
  SendBuffer b = make(500);
  const auto m = bytes(40, 7);
  EXPECT_EQ(b.push(m, at_ms(1250)), 1u);
  EXPECT_EQ(b.push(m, at_ms(1260)), 1u);
  auto p = b.next_unsent(at_ms(1300));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.seq, 500u);
  EXPECT_EQ(p->header.msgno, 1u);
  EXPECT_EQ(p->header.position, PacketPosition::kSolo);
  EXPECT_FALSE(p->header.retransmitted);
  EXPECT_EQ(p->header.timestamp, 250'000u);  // us since the start time
  EXPECT_EQ(p->sends, 1u);
  EXPECT_TRUE(std::equal(m.begin(), m.end(), p->payload.begin(), p->payload.end()));
  p = b.next_unsent(at_ms(1300));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.seq, 501u);
  EXPECT_EQ(p->header.msgno, 2u);
  EXPECT_EQ(p->header.timestamp, 260'000u);
  EXPECT_FALSE(b.next_unsent(at_ms(1300)));
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.bytes(), 80u);
}

TEST(SendBuffer, SplitsALongMessage) {
  SendBuffer b = make(0);
  const auto m = bytes(250);
  EXPECT_EQ(b.push(m, at_ms(1000)), 3u);
  const PacketPosition want[] = {PacketPosition::kFirst, PacketPosition::kMiddle,
                                 PacketPosition::kLast};
  std::vector<std::uint8_t> joined;
  for (int i = 0; i < 3; ++i) {
    auto p = b.next_unsent(at_ms(1000));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->header.position, want[i]);
    EXPECT_EQ(p->header.msgno, 1u);
    joined.insert(joined.end(), p->payload.begin(), p->payload.end());
  }
  EXPECT_EQ(joined, m);
}

TEST(SendBuffer, RetransmitSetsTheRFlag) {
  SendBuffer b = make(10);
  b.push(bytes(10), at_ms(1000));
  b.push(bytes(10), at_ms(1000));
  EXPECT_FALSE(b.retransmit(10, at_ms(1001)));  // not sent yet
  b.next_unsent(at_ms(1001));
  auto r = b.retransmit(10, at_ms(1050));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->header.retransmitted);
  EXPECT_EQ(r->header.seq, 10u);
  EXPECT_EQ(r->sends, 2u);
  EXPECT_EQ(b.last_send_time(10), at_ms(1050));
  EXPECT_FALSE(b.retransmit(11, at_ms(1050)));  // still unsent
  EXPECT_FALSE(b.retransmit_allowed(11, at_ms(1050), milliseconds(20), milliseconds(1)));
  EXPECT_FALSE(b.retransmit(9, at_ms(1050)));  // before the buffer
}

TEST(SendBuffer, AckReleasesAndRejectsTheImpossible) {
  SendBuffer b = make(100);
  for (int i = 0; i < 5; ++i) b.push(bytes(10), at_ms(1000));
  for (int i = 0; i < 3; ++i) b.next_unsent(at_ms(1000));
  EXPECT_FALSE(b.ack(104).has_value());  // 103 was never sent
  EXPECT_EQ(b.ack(102), 2u);
  EXPECT_EQ(b.first_seq(), 102u);
  EXPECT_EQ(b.ack(101), 0u);  // old ACK
  EXPECT_FALSE(b.retransmit(101, at_ms(1001)));
  EXPECT_EQ(b.ack(103), 1u);
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.next_send_seq(), 103u);
}

TEST(SendBuffer, FullBufferRejectsWholeMessages) {
  SendBuffer b = make(0, 4);
  EXPECT_EQ(b.push(bytes(300), at_ms(1000)), 3u);
  EXPECT_EQ(b.push(bytes(150), at_ms(1000)), 0u);  // needs 2, 1 free
  EXPECT_EQ(b.stats().rejected_messages, 1u);
  EXPECT_EQ(b.push(bytes(100), at_ms(1000)), 1u);
  EXPECT_EQ(b.free(), 0u);
  EXPECT_EQ(b.push(bytes(0), at_ms(1000)), 0u);  // empty: nothing to send
}

TEST(SendBuffer, SequenceWrapAt2To31) {
  SendBuffer b = make(0x7FFFFFFEu);
  for (int i = 0; i < 4; ++i) b.push(bytes(5, static_cast<std::uint8_t>(i)), at_ms(1000));
  std::vector<std::uint32_t> seqs;
  while (auto p = b.next_unsent(at_ms(1000))) seqs.push_back(p->header.seq);
  EXPECT_EQ(seqs, (std::vector<std::uint32_t>{0x7FFFFFFEu, 0x7FFFFFFFu, 0u, 1u}));
  auto r = b.retransmit(0, at_ms(1001));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload[0], 2u);
  EXPECT_EQ(b.ack(1), 3u);
  EXPECT_EQ(b.first_seq(), 1u);
}

// SRTT 20 ms, RTTVar 1 ms: a repeated NAK less than 16 ms after the last
// retransmission is ignored; the original send does not count.
TEST(SendBuffer, RetransmissionDampingAsLibsrt) {
  SendBuffer b = make(0);
  b.push(bytes(10), at_ms(1000));
  b.next_unsent(at_ms(1000));
  const auto srtt = milliseconds(20);
  const auto var = milliseconds(1);
  EXPECT_TRUE(b.retransmit_allowed(0, at_ms(1001), srtt, var));  // first retransmission
  b.retransmit(0, at_ms(1001));
  EXPECT_FALSE(b.retransmit_allowed(0, at_ms(1017) - Duration(1), srtt, var));
  EXPECT_TRUE(b.retransmit_allowed(0, at_ms(1017), srtt, var));
  // A jittery path (4 RTTVar > SRTT) never damps.
  EXPECT_TRUE(b.retransmit_allowed(0, at_ms(1001), srtt, milliseconds(6)));
}

struct ThresholdCase {
  int latency_ms, snd_drop_delay_ms;
  std::optional<int> threshold_ms;
};
class SendDropThreshold : public ::testing::TestWithParam<ThresholdCase> {};

TEST_P(SendDropThreshold, MatchesLibsrt) {
  const ThresholdCase c = GetParam();
  const auto t =
      SendBuffer::drop_threshold(milliseconds(c.latency_ms), milliseconds(c.snd_drop_delay_ms));
  ASSERT_EQ(t.has_value(), c.threshold_ms.has_value());
  if (t) {
    EXPECT_EQ(*t, milliseconds(*c.threshold_ms));
  }
}

INSTANTIATE_TEST_SUITE_P(Table, SendDropThreshold,
                         ::testing::Values(ThresholdCase{120, 0, 1020},
                                           ThresholdCase{1000, 0, 1020},
                                           ThresholdCase{1500, 0, 1520},
                                           ThresholdCase{900, 200, 1120},
                                           ThresholdCase{120, -1, std::nullopt}));

TEST(SendBuffer, DropsTooLatePacketsAndReportsTheRange) {
  SendBuffer b = make(0x7FFFFFFEu);
  // Origins 1000, 1010, 1020, 1030 ms; one three-packet message at 1040.
  for (int i = 0; i < 4; ++i) b.push(bytes(10), at_ms(1000 + 10 * i));
  b.push(bytes(250), at_ms(1040));
  b.next_unsent(at_ms(1000));  // only the first was sent
  const Duration thr = milliseconds(1020);
  EXPECT_FALSE(b.drop_too_late(at_ms(2020), thr));  // 1000 is not older than 2020 - 1020
  auto d = b.drop_too_late(at_ms(2035), thr);       // drops 1000, 1010 (1015 cut-off)
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, 0x7FFFFFFEu);
  EXPECT_EQ(d->last, 0x7FFFFFFFu);
  EXPECT_EQ(d->msgno, 0u);  // two messages: by range only
  EXPECT_EQ(b.first_seq(), 0u);
  EXPECT_EQ(b.next_send_seq(), 0u);  // skipped the dropped unsent one
  EXPECT_EQ(b.stats().dropped_packets, 2u);
  d = b.drop_too_late(at_ms(2045), thr);  // drops 1020 only
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, 0u);
  EXPECT_EQ(d->last, 0u);
  EXPECT_EQ(d->msgno, 3u);  // exactly one whole message
  d = b.drop_too_late(at_ms(5000), thr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, 1u);
  EXPECT_EQ(d->last, 4u);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_FALSE(b.has_unsent());
}

}  // namespace
}  // namespace srtcore::srt
