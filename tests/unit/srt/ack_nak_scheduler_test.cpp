// ACK and NAK timing in virtual time, and the ACK/ACKACK journal.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "srt/ack_scheduler.hpp"
#include "srt/nak_scheduler.hpp"
#include "srt/rtt.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;

TimePoint at_ms(std::int64_t ms) {
  return TimePoint(milliseconds(ms));
}

constexpr Duration kSrtt = milliseconds(20);
constexpr Duration kVar = milliseconds(5);

struct SentAck {
  std::int64_t t_ms;
  AckToSend ack;
};

// One packet per millisecond for 100 ms; the timer is served exactly at its
// deadline. Expect full ACKs at 10, 20, ... 100 ms numbered 1..10, each
// acknowledging everything received by then, and no light ACKs.
TEST(AckScheduler, FullAckEvery10Ms) {
  const std::uint32_t isn = 0x7FFFFFFBu;  // the ACK sequence wraps during the run
  AckScheduler s(at_ms(0), isn);
  std::uint32_t ack_seq = isn;
  std::vector<SentAck> sent;
  for (std::int64_t t = 0; t <= 100; ++t) {
    ack_seq = seq_next(ack_seq);
    if (auto a = s.on_data(at_ms(t), ack_seq)) sent.push_back({t, *a});
    if (at_ms(t) >= s.next_deadline()) {
      if (auto a = s.on_timer(at_ms(t), ack_seq, kSrtt, kVar)) sent.push_back({t, *a});
    }
  }
  ASSERT_EQ(sent.size(), 10u);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const std::int64_t t = 10 * static_cast<std::int64_t>(i + 1);
    EXPECT_EQ(sent[i].t_ms, t);
    EXPECT_EQ(sent[i].ack.kind, AckKind::kFull);
    EXPECT_EQ(sent[i].ack.ack_number, i + 1);
    EXPECT_EQ(sent[i].ack.ack_seq, seq_add(isn, static_cast<std::int32_t>(t + 1)));
  }
  EXPECT_EQ(s.next_deadline(), at_ms(110));
}

TEST(AckScheduler, LightAckEvery64Packets) {
  AckScheduler s(at_ms(0), 0);
  std::vector<std::uint32_t> light_at;
  for (std::uint32_t n = 1; n <= 200; ++n) {
    if (auto a = s.on_data(at_ms(1), n)) {
      EXPECT_EQ(a->kind, AckKind::kLight);
      EXPECT_EQ(a->ack_number, 0u);
      EXPECT_EQ(a->ack_seq, n);
      light_at.push_back(n);
    }
  }
  EXPECT_EQ(light_at, (std::vector<std::uint32_t>{64, 128, 192}));
  // A periodic ACK restarts the count.
  ASSERT_TRUE(s.on_timer(at_ms(10), 200, kSrtt, kVar));
  std::uint32_t next_light = 0;
  for (std::uint32_t n = 201; n <= 300 && next_light == 0; ++n) {
    if (s.on_data(at_ms(11), n)) next_light = n;
  }
  EXPECT_EQ(next_light, 264u);
}

TEST(AckScheduler, UnchangedAckRepeatedAfterRttPlus4VarUntilConfirmed) {
  AckScheduler s(at_ms(0), 100);
  auto a = s.on_timer(at_ms(10), 105, kSrtt, kVar);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ack_number, 1u);
  // Nothing new; the ACKACK is slow. SRTT + 4 RTTVar = 40 ms.
  EXPECT_FALSE(s.on_timer(at_ms(20), 105, kSrtt, kVar));
  EXPECT_FALSE(s.on_timer(at_ms(49), 105, kSrtt, kVar));
  a = s.on_timer(at_ms(50), 105, kSrtt, kVar);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ack_number, 2u);
  EXPECT_EQ(a->ack_seq, 105u);
  // Confirmed: the peer knows, so nothing more until new data.
  ASSERT_TRUE(s.on_ackack(at_ms(70), 2));
  EXPECT_EQ(s.last_ackack_seq(), 105u);
  EXPECT_FALSE(s.on_timer(at_ms(200), 105, kSrtt, kVar));
  for (int i = 0; i < 64; ++i) EXPECT_FALSE(s.on_data(at_ms(200), 105));  // nor a light one
  EXPECT_TRUE(s.on_timer(at_ms(210), 106, kSrtt, kVar));
}

TEST(AckScheduler, SmallAckWhenTheLastFullOneIsRecent) {
  AckScheduler s(at_ms(0), 0);
  auto a = s.on_timer(at_ms(10), 5, kSrtt, kVar);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AckKind::kFull);
  a = s.on_timer(at_ms(15), 9, kSrtt, kVar);  // served early (e.g. rescheduled)
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AckKind::kSmall);
  a = s.on_timer(at_ms(20), 12, kSrtt, kVar);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AckKind::kFull);
}

TEST(AckScheduler, AckAckGivesRttAndDiscardsOlderEntries) {
  AckScheduler s(at_ms(0), 0);
  ASSERT_TRUE(s.on_timer(at_ms(10), 10, kSrtt, kVar));  // #1
  ASSERT_TRUE(s.on_timer(at_ms(20), 20, kSrtt, kVar));  // #2
  ASSERT_TRUE(s.on_timer(at_ms(30), 30, kSrtt, kVar));  // #3
  auto r = s.on_ackack(at_ms(45), 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rtt, milliseconds(25));
  EXPECT_EQ(r->ack_seq, 20u);
  EXPECT_EQ(s.last_ackack_seq(), 20u);
  EXPECT_EQ(s.history_size(), 1u);
  EXPECT_FALSE(s.on_ackack(at_ms(46), 1));   // older than an answered one
  EXPECT_FALSE(s.on_ackack(at_ms(46), 2));   // answered already
  EXPECT_FALSE(s.on_ackack(at_ms(46), 99));  // never sent
  r = s.on_ackack(at_ms(45), 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rtt, milliseconds(15));
  EXPECT_EQ(s.history_size(), 0u);
}

TEST(AckScheduler, HistoryIsBounded) {
  AckSchedulerConfig c;
  c.history = 8;
  AckScheduler s(at_ms(0), 0, c);
  for (std::uint32_t i = 1; i <= 20; ++i) {
    ASSERT_TRUE(s.on_timer(at_ms(10 * i), i, kSrtt, kVar));
  }
  EXPECT_EQ(s.history_size(), 8u);
  EXPECT_FALSE(s.on_ackack(at_ms(300), 12));  // forgotten
  auto r = s.on_ackack(at_ms(300), 13);       // the oldest kept
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rtt, milliseconds(170));
}

struct NakIntervalCase {
  int srtt_ms, var_ms, interval_ms;
};
class NakInterval : public ::testing::TestWithParam<NakIntervalCase> {};

TEST_P(NakInterval, IsHalfOfRttPlus4VarAtLeast20Ms) {
  const NakIntervalCase c = GetParam();
  EXPECT_EQ(NakScheduler::interval_for(milliseconds(c.srtt_ms), milliseconds(c.var_ms)),
            milliseconds(c.interval_ms));
}

INSTANTIATE_TEST_SUITE_P(Table, NakInterval,
                         ::testing::Values(NakIntervalCase{100, 50, 150},  // initial values
                                           NakIntervalCase{60, 10, 50},
                                           NakIntervalCase{20, 2, 20},  // 14 -> floor
                                           NakIntervalCase{1, 0, 20},
                                           NakIntervalCase{400, 25, 250}));

// A loss found at 5 ms stays unrepaired until 100 ms: periodic NAKs at 25,
// 45, 65, 85 ms, then none. New holes NAKed immediately at 30 and 50 ms do
// not push the period back.
TEST(NakScheduler, PeriodicWhileLossesRemain) {
  NakScheduler n(milliseconds(100), milliseconds(50));
  EXPECT_FALSE(n.next_deadline(false));
  std::vector<std::int64_t> periodic;
  for (std::int64_t t = 0; t <= 150; ++t) {
    const bool losses = t >= 5 && t < 100;
    if (t == 5 || t == 30 || t == 50) {
      n.on_loss(at_ms(t), milliseconds(20), milliseconds(2));  // a new hole, NAKed at once
      n.on_nak_sent(milliseconds(20), milliseconds(2));
    }
    if (losses) {
      ASSERT_TRUE(n.next_deadline(true));
      if (at_ms(t) < *n.next_deadline(true)) {
        EXPECT_FALSE(n.on_timer(at_ms(t), true));
        continue;
      }
    }
    if (n.on_timer(at_ms(t), losses)) {
      periodic.push_back(t);
      n.on_nak_sent(milliseconds(20), milliseconds(2));
    }
  }
  EXPECT_EQ(periodic, (std::vector<std::int64_t>{25, 45, 65, 85}));
  EXPECT_EQ(n.interval(), milliseconds(20));
  EXPECT_FALSE(n.next_deadline(false));
}

TEST(NakScheduler, UnannouncedLossesAreDueAtOnce) {
  NakScheduler n(milliseconds(100), milliseconds(50));
  EXPECT_EQ(n.interval(), milliseconds(150));
  EXPECT_EQ(n.next_deadline(true), TimePoint::min());
  EXPECT_TRUE(n.on_timer(at_ms(0), true));
  EXPECT_FALSE(n.on_timer(at_ms(149), true));
  EXPECT_TRUE(n.on_timer(at_ms(150), true));
  EXPECT_FALSE(n.on_timer(at_ms(151), false));  // repaired: idle
  EXPECT_FALSE(n.next_deadline(false));
}

}  // namespace
}  // namespace srtcore::srt

namespace srtcore::srt {
namespace {

// A loss found before the first RTT sample is repeated with the measured
// interval, not the 150 ms of the initial 100 / 50 ms estimate.
TEST(NakScheduler, FirstRttSamplePullsTheRepeatIn) {
  const TimePoint t0{std::chrono::seconds(1)};
  NakScheduler n(RttEstimator::kInitialRtt, RttEstimator::kInitialRttVar);
  n.on_loss(t0, RttEstimator::kInitialRtt, RttEstimator::kInitialRttVar);
  EXPECT_EQ(*n.next_deadline(true), t0 + std::chrono::milliseconds(150));
  n.on_rtt_update(t0 + std::chrono::milliseconds(15), std::chrono::milliseconds(20),
                  std::chrono::milliseconds(10));
  EXPECT_EQ(*n.next_deadline(true), t0 + std::chrono::milliseconds(30));
  // Already past the new deadline: due at once, not in the past.
  NakScheduler m(RttEstimator::kInitialRtt, RttEstimator::kInitialRttVar);
  m.on_loss(t0, RttEstimator::kInitialRtt, RttEstimator::kInitialRttVar);
  m.on_rtt_update(t0 + std::chrono::milliseconds(40), std::chrono::milliseconds(20),
                  std::chrono::milliseconds(10));
  EXPECT_EQ(*m.next_deadline(true), t0 + std::chrono::milliseconds(40));
}

TEST(AckScheduler, WindowUpdateIsAJournalledFullAck) {
  const TimePoint t0{std::chrono::seconds(1)};
  AckScheduler a(t0, 100);
  auto first = a.on_timer(t0 + std::chrono::milliseconds(10), 150, std::chrono::milliseconds(20),
                          std::chrono::milliseconds(10));
  ASSERT_TRUE(first);
  const AckToSend u = a.window_update(t0 + std::chrono::milliseconds(12));
  EXPECT_EQ(u.kind, AckKind::kFull);
  EXPECT_EQ(u.ack_seq, 150u);
  EXPECT_EQ(u.ack_number, first->ack_number + 1);
  auto s = a.on_ackack(t0 + std::chrono::milliseconds(32), u.ack_number);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->rtt, std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace srtcore::srt
