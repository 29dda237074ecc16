// rtpg729pay2 through GstHarness: caps (PT 18), packet time, SID frames end
// packets, marker bits at talkspurt starts, DTX gaps in RTP time, bad input,
// EOS and flush.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include "audio_fixtures.hpp"

using namespace audiofx;

namespace {

constexpr const char *kG729 = "audio/G729,rate=8000,channels=1";

HarnessPtr make_pay(const std::string &props = "", const char *sink_caps = nullptr) {
  return make("rtpg729pay2", "timestamp-offset=0 " + props, kG729, sink_caps);
}

// `speech` 10-byte frames and an optional 2-byte SID, as one encoder buffer.
GstFlowReturn push(GstHarness *h, std::size_t speech, bool sid, GstClockTime pts,
                   std::uint8_t seed = 0) {
  return gst_harness_push(h, buffer(pattern(speech * 10 + (sid ? 2 : 0), seed), pts));
}

std::vector<std::size_t> sizes(const std::vector<Rtp> &pkts) {
  std::vector<std::size_t> v;
  for (const Rtp &p : pkts) v.push_back(p.payload.size());
  return v;
}

}  // namespace

TEST(RtpG729Pay2, StaticPayloadType18) {
  auto h = make_pay();
  ASSERT_EQ(push(h.get(), 1, false, 0), GST_FLOW_OK);
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 1u);
  EXPECT_EQ(pkts[0].pt, 18);
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_NE(caps, nullptr);
  GstCaps *want = gst_caps_from_string(
      "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G729,payload=18");
  EXPECT_TRUE(gst_caps_is_subset(caps, want)) << current_caps(h.get());
  gst_caps_unref(want);
  gst_caps_unref(caps);
}

TEST(RtpG729Pay2, FramesPerPacketFromPtimeCaps) {
  auto h = make_pay("", "application/x-rtp,ptime=(uint)30");
  for (int i = 0; i < 7; ++i) ASSERT_EQ(push(h.get(), 1, false, i * 10 * kMs), GST_FLOW_OK);
  auto pkts = pull_rtp(h.get());
  EXPECT_EQ(sizes(pkts), (std::vector<std::size_t>{30, 30}));
  ASSERT_EQ(pkts.size(), 2u);
  EXPECT_EQ(pkts[1].ts, 240u);
  ASSERT_TRUE(eos_passed(h.get()));
  EXPECT_EQ(sizes(pull_rtp(h.get())), (std::vector<std::size_t>{10}));
}

TEST(RtpG729Pay2, MaxPtimeSplitsBigBuffers) {
  auto h = make_pay("max-ptime=20000000");
  ASSERT_EQ(push(h.get(), 5, false, 0), GST_FLOW_OK);
  auto pkts = pull_rtp(h.get());
  EXPECT_EQ(sizes(pkts), (std::vector<std::size_t>{20, 20, 10}));
  ASSERT_EQ(pkts.size(), 3u);
  EXPECT_EQ(pkts[2].ts, 320u);
  EXPECT_EQ(pkts[2].pts, 40 * kMs);
}

TEST(RtpG729Pay2, SidEndsThePacketAndTheNextTalkspurtIsMarked) {
  auto h = make_pay("min-ptime=30000000");
  ASSERT_EQ(push(h.get(), 1, false, 0, 1), GST_FLOW_OK);
  ASSERT_EQ(push(h.get(), 1, false, 10 * kMs, 2), GST_FLOW_OK);
  EXPECT_TRUE(pull_rtp(h.get()).empty());
  ASSERT_EQ(push(h.get(), 0, true, 20 * kMs, 3), GST_FLOW_OK);  // silence starts
  auto a = pull_rtp(h.get());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].payload.size(), 22u);
  EXPECT_EQ(Bytes(a[0].payload.end() - 2, a[0].payload.end()), pattern(2, 3)) << "SID last";
  EXPECT_TRUE(a[0].marker);  // first packet of the stream
  for (int i = 0; i < 3; ++i) ASSERT_EQ(push(h.get(), 1, false, (300 + i * 10) * kMs), GST_FLOW_OK);
  for (int i = 3; i < 6; ++i) ASSERT_EQ(push(h.get(), 1, false, (300 + i * 10) * kMs), GST_FLOW_OK);
  auto b = pull_rtp(h.get());
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(b[0].marker) << "first packet after silence";
  EXPECT_FALSE(b[1].marker);
  EXPECT_EQ(b[0].ts, 300u * 8u) << "the DTX gap shows in RTP time";
  EXPECT_EQ(stat_u64(h.get(), "sid-frames"), 1u);
}

TEST(RtpG729Pay2, SpeechAndSidInOneBuffer) {
  auto h = make_pay("max-ptime=20000000");
  ASSERT_EQ(push(h.get(), 3, true, 0), GST_FLOW_OK);
  auto pkts = pull_rtp(h.get());
  EXPECT_EQ(sizes(pkts), (std::vector<std::size_t>{20, 12}));
}

TEST(RtpG729Pay2, BadBufferSizeIsAnErrorThatSaysWhatToFeed) {
  auto h = make_pay();
  ErrorWatch errors(h->element);
  EXPECT_EQ(gst_harness_push(h.get(), buffer(pattern(15), 0)), GST_FLOW_ERROR);
  const std::string e = errors.first_error();
  EXPECT_NE(e.find("15 bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("10-byte"), std::string::npos) << e;
  EXPECT_TRUE(pull_rtp(h.get()).empty());
}

TEST(RtpG729Pay2, EosSendsHeldFrames) {
  auto h = make_pay("min-ptime=100000000");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(push(h.get(), 1, false, i * 10 * kMs), GST_FLOW_OK);
  EXPECT_TRUE(pull_rtp(h.get()).empty());
  ASSERT_TRUE(eos_passed(h.get()));
  EXPECT_EQ(sizes(pull_rtp(h.get())), (std::vector<std::size_t>{30}));
}

TEST(RtpG729Pay2, FlushForgetsHeldFrames) {
  auto h = make_pay("min-ptime=100000000");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(push(h.get(), 1, false, i * 10 * kMs), GST_FLOW_OK);
  flush(h.get());
  ASSERT_EQ(push(h.get(), 1, false, 0, 42), GST_FLOW_OK);
  ASSERT_TRUE(eos_passed(h.get()));
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 1u);
  EXPECT_EQ(pkts[0].payload, pattern(10, 42));
  EXPECT_TRUE(pkts[0].marker);
}

TEST(RtpG729Pay2, DefaultPayloadTypeProperty) {
  auto h = make_pay();
  guint pt = 0;
  gint64 max_ptime = 0;
  g_object_get(h->element, "pt", &pt, "max-ptime", &max_ptime, nullptr);
  EXPECT_EQ(pt, 18u);
  EXPECT_EQ(max_ptime, -1);
}
