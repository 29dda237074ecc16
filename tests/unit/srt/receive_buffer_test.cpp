// ReceiveBuffer: ordering, ACK sequence, TSBPD delivery, TLPKTDROP, messages
// of several packets, wraps, and hostile input.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "srt/receive_buffer.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;

TimePoint at_ms(std::int64_t ms) {
  return TimePoint(milliseconds(ms));
}
TimePoint at_us(std::int64_t us) {
  return TimePoint(Duration(us));
}

DataHeader hdr(std::uint32_t seq, std::uint32_t ts, PacketPosition pos = PacketPosition::kSolo,
               std::uint32_t msgno = 1) {
  DataHeader h;
  h.seq = seq & kSeqMask;
  h.timestamp = ts;
  h.position = pos;
  h.msgno = msgno;
  return h;
}

std::vector<std::uint8_t> payload_for(std::uint32_t seq, std::size_t n = 8) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(seq + i);
  return p;
}

// Latency 100 ms, time base at 0: a packet stamped t ms plays at t + 100 ms.
class RcvBuf : public ::testing::Test {
 protected:
  explicit RcvBuf(std::uint32_t isn = 1000, bool tlpktdrop = true, std::size_t capacity = 64)
      : isn_(isn), buf_(config(tlpktdrop, capacity), isn) {
    buf_.tsbpd().set_time_base(at_us(0), 0);
  }
  static ReceiveBufferConfig config(bool tlpktdrop, std::size_t capacity) {
    ReceiveBufferConfig c;
    c.capacity = capacity;
    c.latency = milliseconds(100);
    c.tlpktdrop = tlpktdrop;
    return c;
  }
  std::uint32_t s(std::int32_t off) const { return seq_add(isn_, off); }
  // Packet number `off`, stamped off ms, arriving at `now`.
  InsertResult put(std::int32_t off, TimePoint now, PacketPosition pos = PacketPosition::kSolo) {
    const auto p = payload_for(s(off));
    return buf_.insert(now, hdr(s(off), static_cast<std::uint32_t>(off) * 1000, pos), p);
  }
  // Same, stamped ts_ms (the packets of one message share their timestamp).
  InsertResult put_ts(std::int32_t off, std::int64_t ts_ms, TimePoint now, PacketPosition pos) {
    const auto p = payload_for(s(off));
    return buf_.insert(now, hdr(s(off), static_cast<std::uint32_t>(ts_ms) * 1000, pos), p);
  }
  std::optional<Delivery> poll(TimePoint now) { return buf_.poll(now, out_); }

  std::uint32_t isn_;
  ReceiveBuffer buf_;
  std::array<std::uint8_t, 4096> out_{};
};

TEST_F(RcvBuf, DeliversAtPlayTimeNotBefore) {
  EXPECT_EQ(put(0, at_ms(10)).status, InsertStatus::kInserted);
  EXPECT_EQ(buf_.next_delivery_time(), at_ms(100));
  EXPECT_FALSE(poll(at_us(99'999)));
  auto d = poll(at_ms(100));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kMessage);
  EXPECT_EQ(d->first_seq, s(0));
  EXPECT_EQ(d->play_time, at_ms(100));
  ASSERT_EQ(d->size, 8u);
  const auto want = payload_for(s(0));
  EXPECT_TRUE(std::equal(want.begin(), want.end(), out_.begin()));
  EXPECT_FALSE(poll(at_ms(1000)));
  EXPECT_FALSE(buf_.next_delivery_time());
}

TEST_F(RcvBuf, AckSequenceAndGaps) {
  EXPECT_EQ(buf_.ack_seq(), s(0));
  EXPECT_FALSE(put(0, at_ms(1)).gap);
  EXPECT_FALSE(put(1, at_ms(1)).gap);
  EXPECT_EQ(buf_.ack_seq(), s(2));
  const auto r = put(5, at_ms(1));
  ASSERT_TRUE(r.gap);
  EXPECT_EQ(*r.gap, (SeqRange{s(2), s(4)}));
  EXPECT_EQ(buf_.ack_seq(), s(2));
  EXPECT_FALSE(put(3, at_ms(1)).gap);  // filling a hole reveals nothing new
  put(2, at_ms(1));
  EXPECT_EQ(buf_.ack_seq(), s(4));
  put(4, at_ms(1));
  EXPECT_EQ(buf_.ack_seq(), s(6));
  EXPECT_EQ(buf_.end_seq(), s(6));
}

TEST_F(RcvBuf, DuplicatesAndBelatedAreCountedAndIgnored) {
  put(0, at_ms(1));
  EXPECT_EQ(put(0, at_ms(2)).status, InsertStatus::kDuplicate);
  ASSERT_TRUE(poll(at_ms(100)));
  EXPECT_EQ(put(0, at_ms(101)).status, InsertStatus::kBelated);
  EXPECT_EQ(buf_.stats().duplicates, 1u);
  EXPECT_EQ(buf_.stats().belated, 1u);
  EXPECT_EQ(buf_.stats().received, 3u);
  EXPECT_EQ(buf_.stats().delivered_messages, 1u);
  EXPECT_FALSE(poll(at_ms(1000)));
}

// Packets 1 and 2 lost; 3 is due at 103 ms: exactly 1..2 dropped then, not earlier.
TEST_F(RcvBuf, TooLatePacketDropExact) {
  put(0, at_ms(0));
  put(3, at_ms(3));
  ASSERT_TRUE(poll(at_ms(100)));
  EXPECT_EQ(buf_.next_delivery_time(), at_ms(103));
  EXPECT_FALSE(poll(at_us(102'999)));
  auto d = poll(at_ms(103));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kDrop);
  EXPECT_EQ(d->first_seq, s(1));
  EXPECT_EQ(d->last_seq, s(2));
  EXPECT_EQ(d->packets, 2u);
  d = poll(at_ms(103));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kMessage);
  EXPECT_EQ(d->first_seq, s(3));
  EXPECT_EQ(buf_.stats().dropped_packets, 2u);
  EXPECT_EQ(buf_.ack_seq(), s(4));
  // The retransmission that comes too late is belated.
  EXPECT_EQ(put(2, at_ms(104)).status, InsertStatus::kBelated);
}

TEST_F(RcvBuf, NoDropWithoutALaterPacket) {
  put(0, at_ms(0));
  ASSERT_TRUE(poll(at_ms(100)));
  // 1 is missing and nothing came after it: nothing to give up for.
  EXPECT_FALSE(poll(at_ms(10'000)));
  EXPECT_FALSE(buf_.next_delivery_time());
  put(1, at_ms(10'000));  // very late but not belated: delivered (its time passed)
  auto d = poll(at_ms(10'000));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kMessage);
}

class RcvBufNoDrop : public RcvBuf {
 protected:
  RcvBufNoDrop() : RcvBuf(1000, false) {}
};

TEST_F(RcvBufNoDrop, WaitsForTheMissingPacket) {
  put(0, at_ms(0));
  put(2, at_ms(2));
  ASSERT_TRUE(poll(at_ms(100)));
  EXPECT_FALSE(poll(at_ms(5000)));
  EXPECT_FALSE(buf_.next_delivery_time());
  put(1, at_ms(5000));
  auto d1 = poll(at_ms(5000));
  auto d2 = poll(at_ms(5000));
  ASSERT_TRUE(d1 && d2);
  EXPECT_EQ(d1->first_seq, s(1));
  EXPECT_EQ(d2->first_seq, s(2));
}

// Sequence numbers wrap from 2^31 - 1 to 0 inside the buffer.
class RcvBufSeqWrap : public RcvBuf {
 protected:
  RcvBufSeqWrap() : RcvBuf(0x7FFFFFFDu) {}
};

TEST_F(RcvBufSeqWrap, OrderAckAndDropAcrossTheWrap) {
  for (int i = 0; i < 6; ++i) {
    if (i == 3) continue;  // seq 0 lost
    put(i, at_ms(i));
  }
  EXPECT_EQ(s(3), 0u);
  EXPECT_EQ(buf_.ack_seq(), 0u);
  std::vector<std::uint32_t> seen;
  std::vector<Delivery::Kind> kinds;
  while (auto d = poll(at_ms(200))) {
    seen.push_back(d->first_seq);
    kinds.push_back(d->kind);
  }
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{0x7FFFFFFDu, 0x7FFFFFFEu, 0x7FFFFFFFu, 0u, 1u, 2u}));
  EXPECT_EQ(kinds[3], Delivery::Kind::kDrop);
  EXPECT_EQ(buf_.ack_seq(), 3u);
}

TEST(ReceiveBufferTimestampWrap, PlaysAcrossTheWrapInOrder) {
  ReceiveBufferConfig c;
  c.capacity = 32;
  c.latency = milliseconds(120);
  ReceiveBuffer buf(c, 50);
  const std::uint32_t ts0 = 0xFFFFD8F0u;  // 10 ms before the wrap
  buf.tsbpd().set_time_base(at_ms(1000), ts0);
  std::array<std::uint8_t, 64> out{};
  // One packet every 4 ms across the wrap; arrival 1000 ms + offset.
  for (std::uint32_t i = 0; i < 6; ++i) {
    const auto ts = static_cast<std::uint32_t>(ts0 + i * 4000u);
    const auto p = payload_for(50 + i);
    ASSERT_EQ(buf.insert(at_ms(1000 + 4 * i), hdr(50 + i, ts), p).status, InsertStatus::kInserted);
  }
  for (std::uint32_t i = 0; i < 6; ++i) {
    const TimePoint due = at_ms(1120 + 4 * i);
    ASSERT_EQ(buf.next_delivery_time(), due) << i;
    EXPECT_FALSE(buf.poll(due - Duration(1), out));
    auto d = buf.poll(due, out);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->first_seq, 50 + i);
    EXPECT_EQ(d->play_time, due);
  }
}

TEST_F(RcvBuf, MultiPacketMessageDeliveredWhole) {
  put(0, at_ms(1), PacketPosition::kFirst);
  put(2, at_ms(1), PacketPosition::kLast);
  EXPECT_FALSE(poll(at_ms(100)));  // middle missing, nothing later: wait
  put(1, at_ms(50), PacketPosition::kMiddle);
  auto d = poll(at_ms(100));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kMessage);
  EXPECT_EQ(d->packets, 3u);
  EXPECT_EQ(d->first_seq, s(0));
  EXPECT_EQ(d->last_seq, s(2));
  ASSERT_EQ(d->size, 24u);
  for (int i = 0; i < 3; ++i) {
    const auto want = payload_for(s(i));
    EXPECT_TRUE(std::equal(want.begin(), want.end(), out_.begin() + 8 * i)) << i;
  }
}

TEST_F(RcvBuf, IncompleteMessageDroppedWholeWhenALaterPacketIsDue) {
  put_ts(0, 0, at_ms(0), PacketPosition::kFirst);   // one message stamped 0 ms
  put_ts(2, 0, at_ms(0), PacketPosition::kMiddle);  // 1 lost
  put_ts(3, 0, at_ms(0), PacketPosition::kLast);
  put(4, at_ms(4));                                  // solo, due at 104 ms
  EXPECT_EQ(buf_.next_delivery_time(), at_ms(100));  // when packet 2 is due
  EXPECT_FALSE(poll(at_us(99'999)));
  auto d = poll(at_ms(100));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kDrop);
  EXPECT_EQ(d->first_seq, s(0));
  EXPECT_EQ(d->last_seq, s(3));  // the whole message, present packets too, in one event
  EXPECT_EQ(d->packets, 4u);
  EXPECT_FALSE(poll(at_ms(100)));
  EXPECT_EQ(buf_.next_delivery_time(), at_ms(104));
  d = poll(at_ms(104));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kMessage);
  EXPECT_EQ(d->first_seq, s(4));
  EXPECT_EQ(buf_.stats().dropped_bytes, 24u);
}

TEST_F(RcvBuf, FragmentsWithoutTheirStartAreDropped) {
  put(0, at_ms(0), PacketPosition::kFirst);   // 1 and 2 lost: 0 never completes,
  put(3, at_ms(0), PacketPosition::kMiddle);  // and 3..4 are the tail of a message
  put(4, at_ms(0), PacketPosition::kLast);    // whose start was lost
  put(5, at_ms(5));
  std::vector<std::pair<Delivery::Kind, SeqRange>> got;
  while (auto d = poll(at_ms(105))) got.push_back({d->kind, {d->first_seq, d->last_seq}});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, Delivery::Kind::kDrop);
  EXPECT_EQ(got[0].second, (SeqRange{s(0), s(4)}));  // one drop event for all of it
  EXPECT_EQ(got[1].first, Delivery::Kind::kMessage);
  EXPECT_EQ(got[1].second, (SeqRange{s(5), s(5)}));
}

TEST_F(RcvBuf, BrokenMessageIsDroppedAtOnce) {
  put(0, at_ms(0), PacketPosition::kFirst);
  put(1, at_ms(0), PacketPosition::kFirst);  // a new message before the last one ended
  put(2, at_ms(0), PacketPosition::kLast);
  auto d = poll(at_ms(0));  // no need to wait for a play time
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kDrop);
  EXPECT_EQ(d->first_seq, s(0));
  EXPECT_EQ(d->last_seq, s(0));
  EXPECT_FALSE(poll(at_us(100'999)));
  d = poll(at_ms(101));  // the second message, stamped 1 ms
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kMessage);
  EXPECT_EQ(d->packets, 2u);
}

TEST_F(RcvBuf, TruncatesIntoASmallBuffer) {
  put(0, at_ms(0));
  std::array<std::uint8_t, 3> small{};
  auto d = buf_.poll(at_ms(100), small);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->truncated);
  EXPECT_EQ(d->size, 8u);
  EXPECT_EQ(small[2], static_cast<std::uint8_t>(s(0) + 2));
}

TEST_F(RcvBuf, OversizedPayloadIsRejected) {
  std::vector<std::uint8_t> big(kMaxPayloadSize + 1);
  EXPECT_EQ(buf_.insert(at_ms(0), hdr(s(0), 0), big).status, InsertStatus::kOversized);
  EXPECT_EQ(buf_.ack_seq(), s(0));
}

TEST_F(RcvBuf, DropRequestSkipsWithoutWaiting) {
  put(0, at_ms(0));
  put(4, at_ms(4));
  // The sender gave up 1..3; 2 arrived anyway and is kept.
  put(2, at_ms(2));
  const auto r = buf_.drop_range(at_ms(5), s(1), s(3));
  EXPECT_EQ(r.marked, 2u);
  EXPECT_FALSE(r.gap);
  EXPECT_EQ(buf_.ack_seq(), s(5));
  std::vector<std::pair<Delivery::Kind, std::uint32_t>> got;
  while (auto d = poll(at_ms(102))) got.push_back({d->kind, d->first_seq});
  // 0 at 100 ms, 1 dropped, 2 at 102 ms; 3 dropped once 2 is out, 4 not yet due.
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], std::make_pair(Delivery::Kind::kMessage, s(0)));
  EXPECT_EQ(got[1], std::make_pair(Delivery::Kind::kDrop, s(1)));
  EXPECT_EQ(got[2], std::make_pair(Delivery::Kind::kMessage, s(2)));
  EXPECT_EQ(got[3], std::make_pair(Delivery::Kind::kDrop, s(3)));
  EXPECT_EQ(buf_.next_delivery_time(), at_ms(104));
}

TEST_F(RcvBuf, DropRequestBeyondTheNewestReportsTheHole) {
  put(0, at_ms(0));
  const auto r = buf_.drop_range(at_ms(1), s(5), s(6));
  ASSERT_TRUE(r.gap);
  EXPECT_EQ(*r.gap, (SeqRange{s(1), s(4)}));
  EXPECT_EQ(buf_.end_seq(), s(7));
  EXPECT_EQ(buf_.ack_seq(), s(1));
}

TEST_F(RcvBuf, SequencesFarAheadStayBounded) {
  // Exactly at the window's end: refused, and no loss is reported for it.
  auto r = put(64, at_ms(0));
  EXPECT_EQ(r.status, InsertStatus::kOutOfWindow);
  EXPECT_FALSE(r.gap);
  // Half the circle away in either direction.
  EXPECT_EQ(put(0x3FFFFFFF, at_ms(0)).status, InsertStatus::kOutOfWindow);
  EXPECT_EQ(put(-0x40000000, at_ms(0)).status, InsertStatus::kBelated);
  // The last slot of the window is fine and reports one gap of 63.
  r = put(63, at_ms(0));
  EXPECT_EQ(r.status, InsertStatus::kInserted);
  ASSERT_TRUE(r.gap);
  EXPECT_EQ(seq_count(r.gap->first, r.gap->last), 63u);
  EXPECT_EQ(buf_.available(), 0u);
}

// A flood of random sequence numbers, timestamps and positions: the buffer
// stays within its window and its answers stay consistent.
TEST(ReceiveBufferHostile, RandomFloodKeepsInvariants) {
  std::mt19937 rng(20240611);
  ReceiveBufferConfig c;
  c.capacity = 256;
  c.latency = milliseconds(50);
  const std::uint32_t isn = 0x7FFFFF00u;
  ReceiveBuffer buf(c, isn);
  buf.tsbpd().set_time_base(at_us(0), 0);
  std::vector<std::uint8_t> out(256 * kMaxPayloadSize);
  std::uint32_t last_delivered_end = isn;
  for (int i = 0; i < 200'000; ++i) {
    const TimePoint now = at_us(i * 50);
    std::uint32_t seq;
    switch (rng() % 4) {
      case 0:
        seq = static_cast<std::uint32_t>(rng()) & kSeqMask;  // anywhere
        break;
      default:
        seq = seq_add(buf.start_seq(), static_cast<std::int32_t>(rng() % 300) - 20);
    }
    const auto ts =
        rng() % 2 == 0 ? static_cast<std::uint32_t>(i * 50) : static_cast<std::uint32_t>(rng());
    const DataHeader h = hdr(seq, ts, static_cast<PacketPosition>(rng() % 4));
    std::vector<std::uint8_t> p(rng() % 32);
    const auto r = buf.insert(now, h, p);
    if (r.gap) {
      ASSERT_LE(seq_count(r.gap->first, r.gap->last), c.capacity);
    }
    ASSERT_LE(static_cast<std::size_t>(seq_diff(buf.end_seq(), buf.start_seq())), c.capacity);
    ASSERT_TRUE(seq_le(buf.start_seq(), buf.ack_seq()));
    ASSERT_TRUE(seq_le(buf.ack_seq(), buf.end_seq()));
    while (auto d = buf.poll(now, out)) {
      ASSERT_EQ(d->first_seq, last_delivered_end);  // contiguous, in order, once
      last_delivered_end = seq_next(d->last_seq);
    }
  }
}

}  // namespace
}  // namespace srtcore::srt
