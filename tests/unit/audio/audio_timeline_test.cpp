// Perfect RTP timestamps: conversions, advance, 32-bit wrap, gap detection and
// re-anchoring after discontinuities.
#include <gtest/gtest.h>

#include <array>

#include "audio_test_util.hpp"
#include "rtp/audio_timeline.hpp"

namespace srtcore::rtp::audio {
namespace {

using test::kMs;

TEST(AudioTimeline, TickConversions) {
  EXPECT_EQ(ticks_to_ns(80, 8000), 10 * kMs);
  EXPECT_EQ(ticks_to_ns(1, 8000), 125'000);
  EXPECT_EQ(ticks_to_ns(1, 90000), 11'111);
  EXPECT_EQ(ns_to_ticks(10 * kMs, 8000), 80u);
  EXPECT_EQ(ns_to_ticks(62'499, 8000), 0u);  // rounds to nearest
  EXPECT_EQ(ns_to_ticks(62'500, 8000), 1u);
  EXPECT_EQ(ns_to_ticks(-5, 8000), 0u);
  // A year of ticks does not overflow either way.
  const std::uint64_t year = 8000ull * 3600 * 24 * 365;
  EXPECT_EQ(ns_to_ticks(ticks_to_ns(year, 8000), 8000), year);
  // Either side of the largest tick count whose ns product fits 64 bits (the
  // one-division path): floor(ticks * 1e9 / rate), exact by whole seconds
  // and remainder.
  const std::uint64_t edge = UINT64_MAX / 1'000'000'000u;
  for (const std::uint32_t rate : {8000u, 44100u, 90000u}) {
    for (const std::uint64_t ticks :
         std::array<std::uint64_t, 5>{edge - 1, edge, edge + 1, edge * 3 + 7, 12'345}) {
      const auto want = static_cast<std::int64_t>(ticks / rate * 1'000'000'000u +
                                                  ticks % rate * 1'000'000'000u / rate);
      EXPECT_EQ(ticks_to_ns(ticks, rate), want) << ticks << " ticks at " << rate;
    }
  }
}

TEST(AudioTimeline, StampsCountTicksFromTheAnchor) {
  Timeline t(8000, 5 * kMs);
  EXPECT_FALSE(t.started());
  t.start(1000 * kMs, 1000);
  EXPECT_TRUE(t.started());
  auto a = t.take(80);
  auto b = t.take(160);
  EXPECT_EQ(a.pts, 1000 * kMs);
  EXPECT_EQ(a.rtp_time, 1000u);
  EXPECT_EQ(b.pts, 1010 * kMs);
  EXPECT_EQ(b.rtp_time, 1080u);
  EXPECT_EQ(t.end().pts, 1030 * kMs);
  EXPECT_EQ(t.end().rtp_time, 1240u);
}

TEST(AudioTimeline, RtpTimeWrapsModulo2To32) {
  Timeline t(8000, 5 * kMs);
  t.start(0, 0xffffffb0u);
  EXPECT_EQ(t.take(80).rtp_time, 0xffffffb0u);
  EXPECT_EQ(t.take(80).rtp_time, 0x00000000u);
  EXPECT_EQ(t.take(80).rtp_time, 0x00000050u);
  // The output time keeps counting through the wrap.
  EXPECT_EQ(t.end().pts, 30 * kMs);
}

TEST(AudioTimeline, GapOnlyWhenLaterThanTolerance) {
  Timeline t(8000, 5 * kMs);
  EXPECT_FALSE(t.is_gap(100 * kMs, 0));  // not started
  t.start(0, 0);
  t.take(80);  // stream ends at 10 ms
  EXPECT_FALSE(t.is_gap(10 * kMs, 0));
  EXPECT_FALSE(t.is_gap(15 * kMs, 0));  // jitter up to the tolerance
  EXPECT_TRUE(t.is_gap(15 * kMs + 1, 0));
  EXPECT_FALSE(t.is_gap(20 * kMs, 80));  // 80 ticks queued: the stream ends at 20 ms
  EXPECT_TRUE(t.is_gap(26 * kMs, 80));
  EXPECT_FALSE(t.is_gap(0, 0));  // early input is not a gap
  EXPECT_FALSE(t.is_gap(kNoTime, 0));
}

TEST(AudioTimeline, ResyncAdvancesByTheForwardGap) {
  Timeline t(8000, 5 * kMs);
  t.start(0, 100);
  t.take(80);          // ends at 10 ms, RTP 180
  t.resync(50 * kMs);  // 40 ms of silence
  const auto s = t.take(80);
  EXPECT_EQ(s.pts, 50 * kMs);
  EXPECT_EQ(s.rtp_time, 180u + 320u);
}

TEST(AudioTimeline, ResyncNeverGoesBackInRtpTime) {
  Timeline t(8000, 5 * kMs);
  t.start(100 * kMs, 1000);
  t.take(160);  // ends at 120 ms, RTP 1160
  t.resync(30 * kMs);
  const auto s = t.take(80);
  EXPECT_EQ(s.pts, 30 * kMs);  // output times follow the input again
  EXPECT_EQ(s.rtp_time, 1160u);
}

TEST(AudioTimeline, ResyncAcrossTheWrap) {
  Timeline t(8000, 5 * kMs);
  t.start(0, 0xffffff00u);
  t.take(0xf0);  // 30 ms
  t.resync(60 * kMs);
  EXPECT_EQ(t.take(80).rtp_time, 0xfffffff0u + 240u);  // == 0xe0 after the wrap
  EXPECT_EQ(t.end().rtp_time, 0x130u);
}

TEST(AudioTimeline, UnknownTimes) {
  Timeline t(8000, 5 * kMs);
  t.start(kNoTime, 7);
  const auto s = t.take(80);
  EXPECT_EQ(s.pts, kNoTime);
  EXPECT_EQ(s.rtp_time, 7u);
  EXPECT_FALSE(t.is_gap(1000 * kMs, 0));
  // A resync without a time continues where the stream ends.
  Timeline u(8000, 5 * kMs);
  u.start(0, 0);
  u.take(80);
  u.resync(kNoTime);
  EXPECT_EQ(u.end().pts, 10 * kMs);
  EXPECT_EQ(u.end().rtp_time, 80u);
}

TEST(AudioTimeline, ResetNeedsANewStart) {
  Timeline t(8000, 5 * kMs);
  t.start(0, 0);
  t.reset();
  EXPECT_FALSE(t.started());
  EXPECT_FALSE(t.is_gap(1000 * kMs, 0));
}

}  // namespace
}  // namespace srtcore::rtp::audio
