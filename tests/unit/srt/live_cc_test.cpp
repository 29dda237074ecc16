// LiveCC: the send period for each MAXBW mode, libsrt's average payload, the
// input-rate estimate, and the pacer's exact spacing and bounded catch-up.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "srt/live_cc.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;

TimePoint at_us(std::int64_t us) {
  return TimePoint(Duration(us));
}

struct PeriodCase {
  std::int64_t max_bw, input_bw, measured;
  int overhead;
  std::int64_t bw, period_ps;
};
class LiveCcPeriod : public ::testing::TestWithParam<PeriodCase> {};

TEST_P(LiveCcPeriod, IsPacketBytesOverBandwidth) {
  const PeriodCase c = GetParam();
  LiveCcConfig cfg;
  cfg.max_bw = c.max_bw;
  cfg.input_bw = c.input_bw;
  cfg.overhead_percent = c.overhead;
  LiveCc cc(cfg);
  if (c.measured > 0) cc.set_measured_input_rate(c.measured);
  EXPECT_EQ(cc.bandwidth(), c.bw);
  EXPECT_EQ(cc.period_ps(), c.period_ps);  // (1316 + 44) bytes * 1e12 / bw
}

INSTANTIATE_TEST_SUITE_P(
    Table, LiveCcPeriod,
    ::testing::Values(
        // MAXBW -1: 1 Gbps = 125,000,000 B/s -> 10.88 us.
        PeriodCase{-1, 0, 0, 25, 125'000'000, 10'880'000},
        // MAXBW 10 Mbit/s as bytes.
        PeriodCase{1'250'000, 0, 0, 25, 1'250'000, 1'088'000'000},
        // MAXBW 0, INPUTBW 1 MB/s, OHEADBW 25 % -> 1.25 MB/s.
        PeriodCase{0, 1'000'000, 0, 25, 1'250'000, 1'088'000'000},
        PeriodCase{0, 1'000'000, 0, 100, 2'000'000, 680'000'000},
        // MAXBW 0, INPUTBW 0: the measured rate plus overhead.
        PeriodCase{0, 0, 800'000, 25, 1'000'000, 1'360'000'000},
        // Nothing measured yet: libsrt's initial estimate of 1 Gbps, plus overhead.
        PeriodCase{0, 0, 0, 25, 156'250'000, 8'704'000},
        // A rate that does not divide evenly: 1360e12 / 3e6 truncated to the picosecond.
        PeriodCase{3'000'000, 0, 0, 25, 3'000'000, 453'333'333}));

TEST(LiveCc, AveragePayloadIsLibsrtsAvgIir128) {
  LiveCc cc;
  EXPECT_EQ(cc.average_payload(), 1316u);
  std::size_t want = 1316;
  for (int i = 0; i < 300; ++i) {
    cc.on_packet_sent(188);
    want = (want * 127 + 188) / 128;
    ASSERT_EQ(cc.average_payload(), want);
  }
  const std::int64_t before = cc.period_ps();
  cc.on_ack();  // the period follows only on ACK, as in libsrt
  EXPECT_LT(cc.period_ps(), before);
  EXPECT_EQ(cc.period_ps(), static_cast<std::int64_t>(want + 44) * 1'000'000'000'000 / 125'000'000);
}

TEST(InputRateEstimator, FastStartThenOnePerSecond) {
  InputRateEstimator e;
  // 1316-byte packets every millisecond: 1000 * 1360 = 1,360,000 B/s.
  for (std::int64_t ms = 0; ms <= 500; ++ms) e.on_input(at_us(ms * 1000), 1316);
  EXPECT_FALSE(e.rate());  // 500 ms have not *passed* yet
  e.on_input(at_us(501'000), 1316);
  ASSERT_TRUE(e.rate());
  EXPECT_EQ(*e.rate(), 1'360'000);
  // Then twice the rate for a second.
  for (std::int64_t us = 501'500; us <= 1'502'000; us += 500) e.on_input(at_us(us), 1316);
  EXPECT_EQ(*e.rate(), 2'720'000);
}

// At 10 Mbit/s the packets go exactly 1088 us apart, forever.
TEST(Pacer, ExactSpacingAtAnIntegralPeriod) {
  LiveCcConfig cfg;
  cfg.max_bw = 1'250'000;
  const LiveCc cc(cfg);
  Pacer p;
  const TimePoint t0 = at_us(5'000'000);
  EXPECT_TRUE(p.ready(t0));
  TimePoint now = t0;
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_EQ(now, t0 + Duration(1088) * i);
    p.on_sent(now, cc.period_ps());
    now = p.next_send_time();
    ASSERT_FALSE(p.ready(now - Duration(1)));
  }
}

// At 1 Gbit/s the period is 10.88 us: packet n goes at ceil(n * 10.88 us),
// so microsecond rounding never accumulates into drift.
TEST(Pacer, NoDriftAtAFractionalPeriod) {
  const LiveCc cc;
  Pacer p;
  const TimePoint t0 = at_us(0);
  p.on_sent(t0, cc.period_ps());
  for (std::int64_t n = 1; n <= 100'000; ++n) {
    const std::int64_t want_us = (n * 10'880'000 + 999'999) / 1'000'000;
    ASSERT_EQ(p.next_send_time(), t0 + Duration(want_us)) << n;
    p.on_sent(p.next_send_time(), cc.period_ps());
  }
}

TEST(Pacer, LateSenderCatchesUpByAtMostTheBurst) {
  Pacer p(4);
  const std::int64_t period = 1'000'000'000;  // 1 ms
  p.on_sent(at_us(0), period);
  // The sender wakes 10 ms late: 3 more may go at once (4 back to back), then pace.
  const TimePoint late = at_us(10'000);
  int burst = 0;
  while (p.ready(late)) {
    p.on_sent(late, period);
    ++burst;
  }
  EXPECT_EQ(burst, 4);
  EXPECT_EQ(p.next_send_time(), at_us(11'000));
}

TEST(Pacer, RetransmissionsGoFirst) {
  Pacer p;
  EXPECT_EQ(p.pick(at_us(0), true, true), SendChoice::kRetransmit);
  EXPECT_EQ(p.pick(at_us(0), false, true), SendChoice::kNew);
  EXPECT_FALSE(p.pick(at_us(0), false, false));
  p.on_sent(at_us(0), 1'000'000'000);
  EXPECT_FALSE(p.pick(at_us(999), true, true));  // not time yet, even for a retransmission
  EXPECT_EQ(p.pick(at_us(1000), true, true), SendChoice::kRetransmit);
  // libsrt 1.5's live-mode order, on request.
  EXPECT_EQ(p.pick(at_us(1000), true, true, true), SendChoice::kNew);
  EXPECT_EQ(p.pick(at_us(1000), true, false, true), SendChoice::kRetransmit);
}

}  // namespace
}  // namespace srtcore::srt
