// The buffer parts of socket-group support: SendBuffer::push_numbered,
// rebase and peek (a member stamps the group's numbers and restarts where
// the group is), and ReceiveBuffer::for_each_missing (what no link brought
// yet), with their edges: empty and reversed ranges, ranges before the
// delivery point or past the capacity, and the 2^31 sequence wrap.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "srt/receive_buffer.hpp"
#include "srt/send_buffer.hpp"
#include "srt/seq.hpp"

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

SendBuffer make_send(std::uint32_t isn, std::size_t capacity = 16, std::size_t max_payload = 100) {
  SendBufferConfig c;
  c.capacity = capacity;
  c.max_payload = max_payload;
  c.start_time = at_ms(1000);
  return SendBuffer(c, isn);
}

// ---- SendBuffer ----------------------------------------------------------------

TEST(GroupSendBuffer, PushNumberedStampsTheGivenMessageNumber) {
  SendBuffer b = make_send(500);
  EXPECT_EQ(b.next_msgno(), 1u);
  EXPECT_EQ(b.push_numbered(bytes(40), at_ms(1010), 777), 1u);
  EXPECT_EQ(b.next_msgno(), 778u);
  // A message of three packets: every fragment carries the number.
  EXPECT_EQ(b.push_numbered(bytes(250), at_ms(1020), 900), 3u);
  EXPECT_EQ(b.next_msgno(), 901u);
  // A plain push continues after the last number given.
  EXPECT_EQ(b.push(bytes(10), at_ms(1030)), 1u);
  std::vector<std::uint32_t> msgnos;
  std::vector<PacketPosition> pos;
  while (auto p = b.next_unsent(at_ms(1040))) {
    msgnos.push_back(p->header.msgno);
    pos.push_back(p->header.position);
  }
  EXPECT_EQ(msgnos, (std::vector<std::uint32_t>{777, 900, 900, 900, 901}));
  EXPECT_EQ(pos, (std::vector<PacketPosition>{PacketPosition::kSolo, PacketPosition::kFirst,
                                              PacketPosition::kMiddle, PacketPosition::kLast,
                                              PacketPosition::kSolo}));
}

TEST(GroupSendBuffer, PushNumberedWrapsTheMessageNumberSkippingZero) {
  SendBuffer b = make_send(0);
  EXPECT_EQ(b.push_numbered(bytes(10), at_ms(1000), kMsgNoMax), 1u);
  EXPECT_EQ(b.next_msgno(), 1u);
  EXPECT_EQ(b.push(bytes(10), at_ms(1000)), 1u);
  auto p = b.next_unsent(at_ms(1000));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.msgno, kMsgNoMax);
  p = b.next_unsent(at_ms(1000));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.msgno, 1u);
}

TEST(GroupSendBuffer, PushNumberedIsAllOrNothing) {
  SendBuffer b = make_send(0, 4);
  EXPECT_EQ(b.push_numbered(bytes(300), at_ms(1000), 5), 3u);
  EXPECT_EQ(b.push_numbered(bytes(200), at_ms(1000), 6), 0u);  // 2 packets, 1 free
  EXPECT_EQ(b.push_numbered({}, at_ms(1000), 7), 0u);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.end_seq(), 3u);
  EXPECT_EQ(b.next_msgno(), 6u);  // a refused message takes no number
}

// rebase forgets everything held, wherever the ring's head is, and
// continues at the given sequence with timestamps from the new origin.
TEST(GroupSendBuffer, RebaseForgetsAndRestarts) {
  struct Case {
    const char *name;
    std::uint32_t isn;
    std::uint32_t rebase_to;
    std::uint32_t want_first;
  };
  const Case cases[] = {
      {"Forward", 100, 5000, 5000},          {"Backward", 5000, 100, 100},
      {"AcrossTheWrap", kSeqMax - 1, 3, 3},  {"ToTheTop", 10, kSeqMax, kSeqMax},
      {"MaskedTo31Bits", 10, 0x80000007, 7},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    SendBuffer b = make_send(c.isn, 8);
    // Move the ring's head away from slot 0 and leave packets in every state.
    for (int i = 0; i < 5; ++i) ASSERT_EQ(b.push(bytes(60, 1), at_ms(1001)), 1u);
    ASSERT_TRUE(b.next_unsent(at_ms(1002)));
    ASSERT_TRUE(b.next_unsent(at_ms(1002)));
    ASSERT_TRUE(b.next_unsent(at_ms(1002)));
    ASSERT_EQ(b.ack(seq_add(c.isn, 2)), 2u);
    ASSERT_EQ(b.size(), 3u);

    b.rebase(c.rebase_to, at_ms(3000));
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.bytes(), 0u);
    EXPECT_EQ(b.free(), 8u);
    EXPECT_FALSE(b.has_unsent());
    EXPECT_FALSE(b.oldest_origin());
    EXPECT_EQ(b.first_seq(), c.want_first);
    EXPECT_EQ(b.next_send_seq(), c.want_first);
    EXPECT_EQ(b.end_seq(), c.want_first);
    EXPECT_FALSE(b.retransmit(seq_add(c.isn, 2), at_ms(3000)));  // forgotten
    const auto stale = b.ack(seq_add(c.isn, 3));                 // an ACK for the old numbers
    EXPECT_TRUE(!stale || *stale == 0u);

    // The whole capacity is free again, and packets come out in order.
    for (std::uint32_t i = 0; i < 8; ++i) {
      ASSERT_EQ(b.push_numbered(bytes(90, static_cast<std::uint8_t>(i)), at_ms(3000 + i), 40 + i),
                1u)
          << i;
    }
    EXPECT_EQ(b.push(bytes(10), at_ms(3010)), 0u);
    for (std::uint32_t i = 0; i < 8; ++i) {
      auto p = b.next_unsent(at_ms(3020));
      ASSERT_TRUE(p) << i;
      EXPECT_EQ(p->header.seq, seq_add(c.want_first, static_cast<std::int32_t>(i)));
      EXPECT_EQ(p->header.msgno, 40 + i);
      EXPECT_EQ(p->header.timestamp, i * 1000);  // us from the new origin
      const auto want = bytes(90, static_cast<std::uint8_t>(i));
      EXPECT_TRUE(std::equal(want.begin(), want.end(), p->payload.begin(), p->payload.end()));
    }
    EXPECT_EQ(b.ack(seq_add(c.want_first, 8)), 8u);
    EXPECT_EQ(b.size(), 0u);
  }
}

TEST(GroupSendBuffer, PeekShowsHeldPacketsWithoutMarkingThem) {
  const std::uint32_t isn = kSeqMax - 1;  // held: kSeqMax - 1, kSeqMax, 0, 1
  SendBuffer b = make_send(isn);
  for (std::uint32_t i = 0; i < 4; ++i) {
    ASSERT_EQ(b.push_numbered(bytes(20, static_cast<std::uint8_t>(i)), at_ms(1100 + i), 60 + i),
              1u);
  }
  ASSERT_TRUE(b.next_unsent(at_ms(1200)));  // kSeqMax - 1 sent once

  // Held, across the wrap.
  for (std::uint32_t i = 0; i < 4; ++i) {
    const std::uint32_t seq = seq_add(isn, static_cast<std::int32_t>(i));
    const auto p = b.peek(seq);
    ASSERT_TRUE(p) << seq;
    EXPECT_EQ(p->header.seq, seq);
    EXPECT_EQ(p->header.msgno, 60 + i);
    EXPECT_EQ(p->header.timestamp, (100 + i) * 1000);
    EXPECT_FALSE(p->header.retransmitted);
    EXPECT_EQ(p->origin, at_ms(1100 + i));
    EXPECT_EQ(p->sends, i == 0 ? 1u : 0u);
    const auto want = bytes(20, static_cast<std::uint8_t>(i));
    EXPECT_TRUE(std::equal(want.begin(), want.end(), p->payload.begin(), p->payload.end()));
  }
  // Not held: before, at and past the end, and not a sequence at all.
  EXPECT_FALSE(b.peek(seq_prev(isn)));
  EXPECT_FALSE(b.peek(2));
  EXPECT_FALSE(b.peek(100));
  EXPECT_FALSE(b.peek(0x80000000));
  EXPECT_FALSE(b.peek(0xFFFFFFFF));
  // Peeking marks nothing: the next unsent is still kSeqMax, sent once now.
  auto p = b.next_unsent(at_ms(1200));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.seq, kSeqMax);
  EXPECT_EQ(p->sends, 1u);
  EXPECT_EQ(b.peek(isn)->sends, 1u);
  // Acknowledged ones are gone.
  ASSERT_EQ(b.ack(0), 2u);
  EXPECT_FALSE(b.peek(isn));
  EXPECT_FALSE(b.peek(kSeqMax));
  EXPECT_TRUE(b.peek(0));
  EXPECT_TRUE(b.peek(1));
}

// ---- ReceiveBuffer::for_each_missing ----------------------------------------------

DataHeader hdr(std::uint32_t seq) {
  DataHeader h;
  h.seq = seq & kSeqMask;
  h.position = PacketPosition::kSolo;
  h.msgno = 1;
  h.timestamp = 0;
  return h;
}

std::vector<SeqRange> missing(const ReceiveBuffer &b, std::uint32_t first, std::uint32_t last) {
  std::vector<SeqRange> v;
  b.for_each_missing(first, last, [&](const SeqRange &r) { v.push_back(r); });
  return v;
}

struct MissingCase {
  const char *name;
  std::int32_t first, last;    // offsets from the ISN
  std::vector<SeqRange> want;  // offsets from the ISN
};

// Capacity 16; offsets 0..15 fit. Stored: 0, 1, 4, 6, 7; given up: 9..10
// (drop request); so the window is 0..10 and 11.. is still to come.
class ForEachMissing : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  static constexpr std::size_t kCapacity = 16;
  std::uint32_t isn() const { return GetParam(); }
  std::uint32_t s(std::int32_t off) const { return seq_add(isn(), off); }

  ReceiveBuffer make() const {
    ReceiveBufferConfig c;
    c.capacity = kCapacity;
    c.latency = milliseconds(100);
    ReceiveBuffer b(c, isn());
    b.tsbpd().set_time_base(at_ms(0), 0);
    const std::uint8_t pl[4] = {1, 2, 3, 4};
    for (std::int32_t off : {0, 1, 4, 6, 7}) {
      EXPECT_EQ(b.insert(at_ms(1), hdr(s(off)), pl).status, InsertStatus::kInserted);
    }
    b.drop_range(at_ms(1), s(9), s(10));
    return b;
  }
};

TEST_P(ForEachMissing, Table) {
  const ReceiveBuffer b = make();
  ASSERT_EQ(b.start_seq(), s(0));
  ASSERT_EQ(b.end_seq(), s(11));
  const MissingCase cases[] = {
      {"Whole window and beyond", 0, 15, {{2, 3}, {5, 5}, {8, 8}, {11, 15}}},
      {"Reversed range", 5, 2, {}},
      {"One stored", 4, 4, {}},
      {"One missing", 5, 5, {{5, 5}}},
      {"Stored runs only", 6, 7, {}},
      {"Given up only", 9, 10, {}},
      {"Hole touching the end", 8, 12, {{8, 8}, {11, 12}}},
      {"Only past the newest", 12, 13, {{12, 13}}},
      {"From before the start", -5, 3, {{2, 3}}},
      {"Entirely before the start", -9, -1, {}},
      {"Past the capacity is clamped", 10, 40, {{11, 15}}},
      {"Entirely past the capacity", 16, 30, {}},
      {"Before the start to past the capacity", -3, 100, {{2, 3}, {5, 5}, {8, 8}, {11, 15}}},
  };
  for (const MissingCase &c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<SeqRange> want;
    for (const SeqRange &r : c.want) {
      want.push_back({s(static_cast<std::int32_t>(r.first)), s(static_cast<std::int32_t>(r.last))});
    }
    EXPECT_EQ(missing(b, s(c.first), s(c.last)), want);
  }
}

// After delivery the start moves: what was delivered is never missing.
TEST_P(ForEachMissing, DeliveredIsNotMissing) {
  ReceiveBuffer b = make();
  std::array<std::uint8_t, 64> out{};
  // 0 and 1 play; 2..3 are given up when 4 is due (TLPKTDROP), then 4 plays.
  int messages = 0;
  while (auto d = b.poll(at_ms(1000), out)) {
    if (d->kind == Delivery::Kind::kMessage) ++messages;
    if (d->first_seq == s(4)) break;
  }
  EXPECT_EQ(messages, 3);
  ASSERT_EQ(b.start_seq(), s(5));
  EXPECT_EQ(missing(b, s(0), s(8)), (std::vector<SeqRange>{{s(5), s(5)}, {s(8), s(8)}}));
  EXPECT_EQ(missing(b, s(0), s(4)), std::vector<SeqRange>{});
  // The capacity counts from the new start: 5 + 16 - 1 = 20.
  EXPECT_EQ(missing(b, s(11), s(40)), (std::vector<SeqRange>{{s(11), s(20)}}));
}

TEST_P(ForEachMissing, EmptyBuffer) {
  ReceiveBufferConfig c;
  c.capacity = kCapacity;
  const ReceiveBuffer b(c, isn());
  EXPECT_EQ(missing(b, s(0), s(3)), (std::vector<SeqRange>{{s(0), s(3)}}));
  EXPECT_EQ(missing(b, s(0), s(0)), (std::vector<SeqRange>{{s(0), s(0)}}));
  EXPECT_EQ(missing(b, s(3), s(0)), std::vector<SeqRange>{});
  EXPECT_EQ(missing(b, s(-1), s(-1)), std::vector<SeqRange>{});
  EXPECT_EQ(missing(b, s(0), s(1000)), (std::vector<SeqRange>{{s(0), s(15)}}));
}

// ISNs that put the 2^31 wrap inside the window (and around it).
INSTANTIATE_TEST_SUITE_P(Isn, ForEachMissing,
                         ::testing::Values(1000u, 0u, kSeqMax, kSeqMax - 3, kSeqMax - 8,
                                           kSeqMax - 14),
                         [](const ::testing::TestParamInfo<std::uint32_t> &i) {
                           return "Isn" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace srtcore::srt
