// rtpg729depay2 through GstHarness: caps, one buffer per packet, every
// malformed payload length dropped and counted, marker bits, bad caps.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include "audio_fixtures.hpp"

using namespace audiofx;

namespace {

constexpr const char *kRtpCaps =
    "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G729,payload=18";

HarnessPtr make_depay(const char *caps = kRtpCaps) {
  return make("rtpg729depay2", "", caps);
}

}  // namespace

TEST(RtpG729Depay2, CapsAndWholePacketOutput) {
  auto h = make_depay();
  const std::size_t lengths[] = {10, 20, 12, 2, 62};
  std::uint32_t ts = 0;
  for (std::size_t i = 0; i < std::size(lengths); ++i) {
    ASSERT_EQ(
        gst_harness_push(h.get(), rtp_packet(pattern(lengths[i], static_cast<std::uint8_t>(i)),
                                             static_cast<std::uint16_t>(i), ts, false,
                                             ts * GST_SECOND / 8000, 18)),
        GST_FLOW_OK);
    ts += 80 * static_cast<std::uint32_t>(lengths[i] / 10 + (lengths[i] % 10 ? 1 : 0));
  }
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), std::size(lengths));
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(bytes_of(out[i].get()), pattern(lengths[i], static_cast<std::uint8_t>(i)));
    const GstClockTime frames = lengths[i] / 10 + (lengths[i] % 10 ? 1 : 0);
    EXPECT_EQ(GST_BUFFER_DURATION(out[i].get()), frames * 10 * kMs) << lengths[i];
  }
  EXPECT_EQ(GST_BUFFER_PTS(out[2].get()), 30 * kMs);
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_NE(caps, nullptr);
  GstCaps *want = gst_caps_from_string("audio/G729,rate=8000,channels=1");
  EXPECT_TRUE(gst_caps_is_equal(caps, want)) << current_caps(h.get());
  gst_caps_unref(want);
  gst_caps_unref(caps);
  EXPECT_EQ(stat_u64(h.get(), "speech-frames"), 1u + 2u + 1u + 0u + 6u);
  EXPECT_EQ(stat_u64(h.get(), "sid-frames"), 3u);
}

TEST(RtpG729Depay2, EveryMalformedLengthIsDroppedAndCounted) {
  auto h = make_depay();
  std::uint16_t seq = 0;
  guint64 bad = 0;
  for (std::size_t len = 1; len <= 33; ++len) {
    if (len % 10 == 0 || len % 10 == 2) continue;
    ASSERT_EQ(gst_harness_push(h.get(), rtp_packet(pattern(len), seq++, 0, false, 0, 18)),
              GST_FLOW_OK);
    ++bad;
  }
  ASSERT_EQ(gst_harness_push(h.get(), rtp_packet({}, seq++, 0, false, 0, 18)), GST_FLOW_OK);
  EXPECT_TRUE(pull_buffers(h.get()).empty());
  EXPECT_EQ(stat_u64(h.get(), "dropped-bad-length"), bad);
  EXPECT_EQ(stat_u64(h.get(), "dropped-empty"), 1u);
  // Good packets still come through, flagged as following missing audio.
  ASSERT_EQ(gst_harness_push(h.get(), rtp_packet(pattern(10), seq++, 0, false, 0, 18)),
            GST_FLOW_OK);
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out[0].get()));
}

TEST(RtpG729Depay2, MarkerBitBecomesResync) {
  auto h = make_depay();
  gst_harness_push(h.get(), rtp_packet(pattern(10), 1, 0, true, 0, 18));
  gst_harness_push(h.get(), rtp_packet(pattern(10), 2, 80, false, 10 * kMs, 18));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out[0].get(), GST_BUFFER_FLAG_RESYNC));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(out[1].get(), GST_BUFFER_FLAG_RESYNC));
}

TEST(RtpG729Depay2, TimestampsFollowRtpTimeAcrossDtxGaps) {
  auto h = make_depay();
  gst_harness_push(h.get(), rtp_packet(pattern(12), 1, 1000, true, GST_SECOND, 18));
  gst_harness_push(h.get(), rtp_packet(pattern(10), 2, 1000 + 4000, true, GST_CLOCK_TIME_NONE, 18));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(GST_BUFFER_PTS(out[1].get()), GST_SECOND + 500 * kMs);
}

TEST(RtpG729Depay2, StereoCapsAreRefusedWithAReason) {
  HarnessPtr h(gst_harness_new("rtpg729depay2"));
  ErrorWatch errors(h->element);
  gst_harness_set_src_caps_str(h.get(),
                               "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G729,"
                               "encoding-params=(string)2");
  EXPECT_EQ(gst_harness_push(h.get(), rtp_packet(pattern(10), 1, 0, false, 0, 18)),
            GST_FLOW_NOT_NEGOTIATED);
  const std::string e = errors.first_error();
  EXPECT_NE(e.find("2 channels"), std::string::npos) << e;
}

TEST(RtpG729Depay2, EosPassesThrough) {
  auto h = make_depay();
  gst_harness_push(h.get(), rtp_packet(pattern(10), 1, 0, false, 0, 18));
  EXPECT_TRUE(eos_passed(h.get()));
  EXPECT_EQ(pull_buffers(h.get()).size(), 1u);
}
