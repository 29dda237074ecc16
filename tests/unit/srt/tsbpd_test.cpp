// TSBPD time: play times, the 2^32 us timestamp wrap, and drift tracking.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>

#include "srt/tsbpd.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;

TimePoint at_us(std::int64_t us) {
  return TimePoint(Duration(us));
}

TEST(DriftTracer, UpdatesOnlyAtTheEndOfAWindow) {
  DriftTracer t(4, 5000);
  EXPECT_FALSE(t.update(100));
  EXPECT_FALSE(t.update(200));
  EXPECT_FALSE(t.update(300));
  EXPECT_EQ(t.drift_us(), 0);
  EXPECT_TRUE(t.update(400));
  EXPECT_EQ(t.drift_us(), 250);  // average of the window
  EXPECT_EQ(t.overdrift_us(), 0);
}

struct OverdriftCase {
  std::int64_t sample, drift, overdrift;
};
class DriftTracerOverdrift : public ::testing::TestWithParam<OverdriftCase> {};

TEST_P(DriftTracerOverdrift, ExcessMovesToTheTimeBase) {
  const OverdriftCase c = GetParam();
  DriftTracer t(1000, 5000);
  bool updated = false;
  for (int i = 0; i < 1000; ++i) updated = t.update(c.sample);
  EXPECT_TRUE(updated);
  EXPECT_EQ(t.drift_us(), c.drift);
  EXPECT_EQ(t.overdrift_us(), c.overdrift);
  t.update(c.sample);  // the next sample clears the overdrift (libsrt CLEAR_ON_UPDATE)
  EXPECT_EQ(t.overdrift_us(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DriftTracerOverdrift,
    ::testing::Values(OverdriftCase{4999, 4999, 0}, OverdriftCase{5000, 5000, 0},
                      OverdriftCase{5001, 1, 5000}, OverdriftCase{7000, 2000, 5000},
                      OverdriftCase{-7000, -2000, -5000}, OverdriftCase{-5000, -5000, 0}));

TEST(TsbpdTime, PlayTimeIsBasePlusTimestampPlusLatency) {
  TsbpdTime t(milliseconds(120));
  EXPECT_FALSE(t.enabled());
  // The HSREQ with timestamp 2500 us arrived at 1 s local time.
  t.set_time_base(at_us(1'000'000), 2500);
  EXPECT_TRUE(t.enabled());
  EXPECT_EQ(t.time_base(), at_us(997'500));
  EXPECT_EQ(t.play_time(t.unwrap(2500)), at_us(1'120'000));
  EXPECT_EQ(t.play_time(t.unwrap(12'500)), at_us(1'130'000));
}

TEST(TsbpdTime, TimestampWrapAt2To32Us) {
  TsbpdTime t(milliseconds(120));
  const std::uint32_t near_end = 0xFFFFFF00u;
  t.set_time_base(at_us(5'000'000), near_end);
  const std::int64_t before = t.unwrap(near_end);
  const std::int64_t after = t.unwrap(0x00000100u);  // 512 us later, after the wrap
  EXPECT_EQ(after - before, 0x200);
  EXPECT_EQ(after, (std::int64_t{1} << 32) + 0x100);
  EXPECT_EQ(t.play_time(after) - t.play_time(before), Duration(0x200));
  // A reordered packet from just before the wrap still sorts before.
  EXPECT_EQ(t.unwrap(0xFFFFFFF0u), (std::int64_t{1} << 32) - 0x10);
  // Several wraps: every 2^32 us the unwrapped value keeps growing.
  std::int64_t last = after;
  for (int i = 1; i <= 8; ++i) {
    const auto ts =
        static_cast<std::uint32_t>(0x100u + static_cast<std::uint32_t>(i) * 0x40000000u);
    const std::int64_t v = t.unwrap(ts);
    EXPECT_EQ(v - last, 0x40000000);
    last = v;
  }
}

TEST(TsbpdTime, ConstantOffsetMovesTheTimeBaseByTheMaximum) {
  TsbpdTime t(milliseconds(100), DriftTracer(1000, 5000));
  t.set_time_base(at_us(0), 0);
  const Duration rtt = milliseconds(20);
  // ACKACKs arrive 7 ms later than the time base predicts.
  for (int i = 0; i < 999; ++i) {
    const std::int64_t ts = 10'000 * i;
    EXPECT_FALSE(t.add_drift_sample(static_cast<std::uint32_t>(ts), at_us(ts + 7000), rtt));
  }
  EXPECT_TRUE(t.add_drift_sample(9'990'000, at_us(9'997'000), rtt));
  EXPECT_EQ(t.time_base(), at_us(5000));
  EXPECT_EQ(t.drift(), Duration(2000));
  EXPECT_EQ(t.play_time(0), at_us(107'000));
}

TEST(TsbpdTime, RttChangeIsNotTakenForDrift) {
  TsbpdTime t(milliseconds(100), DriftTracer(10, 5000));
  t.set_time_base(at_us(0), 0);
  // The first RTT is 20 ms; then the path gets 30 ms longer each way: RTT
  // +60 ms, ACKACKs arrive 30 ms later. That is delay, not clock drift.
  t.add_drift_sample(0, at_us(0), milliseconds(20));
  for (int i = 1; i < 10; ++i) {
    const std::int64_t ts = 10'000 * i;
    t.add_drift_sample(static_cast<std::uint32_t>(ts), at_us(ts + 30'000), milliseconds(80));
  }
  EXPECT_EQ(t.drift(), Duration(0));
  EXPECT_EQ(t.time_base(), at_us(0));
}

// The sender's clock runs 200 ppm slow against ours: packets look later and
// later. With ACKACK samples every 10 ms the play time must follow, within
// libsrt's granularity (5 ms steps, 1000-sample windows).
TEST(TsbpdTime, DriftTrackingConverges) {
  TsbpdTime t(milliseconds(120));
  t.set_time_base(at_us(0), 0);
  const Duration rtt = milliseconds(20);
  std::int64_t worst_late_error = 0;
  for (std::int64_t k = 0; k < 60'000; ++k) {  // 600 s of ACKACKs
    const std::int64_t local = k * 10'000;
    const std::int64_t sender_ts = local - local / 5000;  // 200 ppm slow
    t.add_drift_sample(static_cast<std::uint32_t>(sender_ts), at_us(local), rtt);
    // Where would a data packet stamped now be played, against where it should be?
    const TimePoint want = at_us(local) + milliseconds(120);
    const std::int64_t err =
        (t.play_time(t.unwrap_peek(static_cast<std::uint32_t>(sender_ts))) - want).count();
    if (k > 20'000) worst_late_error = std::max(worst_late_error, std::abs(err));
  }
  // Uncorrected, the error would be 120 ms by now. Corrected, it stays within
  // one window's growth (10 s * 200 ppm = 2 ms) plus one 5 ms step.
  EXPECT_LT(worst_late_error, 7000);
  EXPECT_GT(t.time_base(), at_us(100'000));  // moved forward in 5 ms steps
  EXPECT_EQ((t.time_base() - at_us(0)).count() % 5000, 0);
}

}  // namespace
}  // namespace srtcore::srt

namespace srtcore::srt {
namespace {

// After more than half the 2^32 us period of silence, the next timestamp
// still unwraps forward: the reference follows the local clock.
TEST(TsbpdTime, LongSilenceAcrossTheWrapUnwrapsForward) {
  TsbpdTime t(milliseconds(120));
  const TimePoint arrival{std::chrono::seconds(10)};
  t.set_time_base(arrival, 1000);
  const Duration silence = Duration((std::int64_t{1} << 32) - 3'000'000);          // 71.5 min
  const auto ts = static_cast<std::uint32_t>(1000 + silence.count() + 5'000'000);  // wrapped
  t.advance(arrival + silence + Duration(5'000'000));
  const std::int64_t u = t.unwrap(ts);
  EXPECT_EQ(u, 1000 + silence.count() + 5'000'000);
  EXPECT_EQ(t.play_time(u), arrival + silence + Duration(5'000'000) + milliseconds(120));
}

}  // namespace
}  // namespace srtcore::srt
