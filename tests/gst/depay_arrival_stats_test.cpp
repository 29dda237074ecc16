// The depayloader base's arrival statistics, on rtpg722depay2 (one packet,
// one output): late packets split into duplicates and reordered ones, and
// RFC 3550 interarrival jitter from the packets' arrival stamps (DTS, else
// PTS), checked against the RFC's own floating-point formula.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "audio_fixtures.hpp"

using namespace audiofx;

namespace {

constexpr const char *kRtpCaps =
    "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9";

GstFlowReturn push(GstHarness *h, std::uint16_t seq, GstClockTime dts = GST_CLOCK_TIME_NONE,
                   std::uint32_t ts = 0) {
  GstBuffer *b = rtp_packet(pattern(160, static_cast<std::uint8_t>(seq)), seq, ts, false,
                            GST_CLOCK_TIME_NONE, 9);
  GST_BUFFER_DTS(b) = dts;
  return gst_harness_push(h, b);
}

TEST(DepayArrivalStats, LatePacketsSplitIntoDuplicatesAndReordered) {
  auto h = make("rtpg722depay2", "", kRtpCaps);
  // 4 skipped then late (reordered); 2, 6 and 3 again (duplicates); 9 and 8
  // skipped, 8 late (reordered), 9 never.
  for (std::uint16_t seq : {1, 2, 3, 2, 5, 4, 6, 6, 3, 7, 10, 8})
    ASSERT_EQ(push(h.get(), seq), GST_FLOW_OK) << seq;
  EXPECT_EQ(stat_u64(h.get(), "packets-duplicated"), 3u);
  EXPECT_EQ(stat_u64(h.get(), "packets-reordered"), 2u);
  EXPECT_EQ(stat_u64(h.get(), "packets-late"), 5u);
  EXPECT_EQ(stat_u64(h.get(), "packets-lost"), 3u);  // 4, 8 and 9 at their gaps
  EXPECT_EQ(pull_buffers(h.get()).size(), 7u);       // 1 2 3 5 6 7 10
}

TEST(DepayArrivalStats, ANewSenderIsNotADuplicateOfTheOld) {
  auto h = make("rtpg722depay2", "", kRtpCaps);
  for (std::uint16_t seq : {500, 501, 502}) ASSERT_EQ(push(h.get(), seq), GST_FLOW_OK);
  // The sender restarts far back (beyond max-reorder): a new stream whose
  // numbers the old one used. Then one real duplicate of the new stream.
  for (std::uint16_t seq : {100, 101, 101}) ASSERT_EQ(push(h.get(), seq), GST_FLOW_OK);
  EXPECT_EQ(stat_u64(h.get(), "packets-duplicated"), 1u);
  EXPECT_EQ(stat_u64(h.get(), "packets-reordered"), 0u);
}

TEST(DepayArrivalStats, JitterFollowsRfc3550FromArrivalStamps) {
  auto h = make("rtpg722depay2", "", kRtpCaps);
  // 20 ms packets (160 RTP units at 8 kHz) arriving with up to 3 ms of noise.
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> noise_us(0, 3000);
  double reference = 0, last_transit = 0;
  for (std::uint16_t i = 0; i < 500; ++i) {
    const GstClockTime arrival =
        GST_SECOND + i * 20 * GST_MSECOND + static_cast<GstClockTime>(noise_us(rng)) * GST_USECOND;
    const std::uint32_t ts = 40000u + 160u * i;
    ASSERT_EQ(push(h.get(), i, arrival, ts), GST_FLOW_OK);
    const double transit =
        std::floor(static_cast<double>(arrival) * 8000 / GST_SECOND) - static_cast<double>(ts);
    if (i > 0) reference += (std::abs(transit - last_transit) - reference) / 16;
    last_transit = transit;
  }
  EXPECT_GT(reference, 3.0);  // the noise is there: about 1 ms = 8 units
  EXPECT_NEAR(stat_uint(h.get(), "jitter"), reference, 1.0);
}

TEST(DepayArrivalStats, NoJitterWithoutArrivalStampsOrWithPerfectPacing) {
  auto unstamped = make("rtpg722depay2", "", kRtpCaps);
  auto paced = make("rtpg722depay2", "", kRtpCaps);
  for (std::uint16_t i = 0; i < 50; ++i) {
    // Unstamped packets with wildly varying RTP time: nothing to compare.
    ASSERT_EQ(push(unstamped.get(), i, GST_CLOCK_TIME_NONE, 160u * i * (i % 7)), GST_FLOW_OK);
    ASSERT_EQ(push(paced.get(), i, i * 20 * GST_MSECOND, 160u * i), GST_FLOW_OK);
  }
  EXPECT_EQ(stat_uint(unstamped.get(), "jitter"), 0u);
  EXPECT_EQ(stat_uint(paced.get(), "jitter"), 0u);
}

TEST(DepayArrivalStats, EveryDepayloaderReportsThem) {
  for (const char *name : {"rtpg722depay2", "rtpg729depay2", "rtph264depay2", "rtph265depay2"}) {
    GstElement *e = gst_element_factory_make(name, nullptr);
    ASSERT_NE(e, nullptr) << name;
    GstStructure *s = nullptr;
    g_object_get(e, "stats", &s, nullptr);
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(gst_structure_has_field_typed(s, "packets-duplicated", G_TYPE_UINT64)) << name;
    EXPECT_TRUE(gst_structure_has_field_typed(s, "packets-reordered", G_TYPE_UINT64)) << name;
    EXPECT_TRUE(gst_structure_has_field_typed(s, "jitter", G_TYPE_UINT)) << name;
    gst_structure_free(s);
    gst_object_unref(e);
  }
}

}  // namespace
