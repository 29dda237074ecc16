// rtpst2022-1-fecenc2 / rtpst2022-1-fecdec2 in GstHarness: the FEC pads,
// refusals with a flow error (gaps, non-RTP input, a pt RTP cannot carry),
// the decoder's duplicate suppression and its two-FEC-pad limit.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace {

struct HarnessDel {
  void operator()(GstHarness *h) const { gst_harness_teardown(h); }
};
using Harness = std::unique_ptr<GstHarness, HarnessDel>;

GstBuffer *rtp(guint16 seq, std::size_t len = 40) {
  std::vector<guint8> b(12 + len, 0x33);
  b[0] = 0x80;
  b[1] = 33;
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  for (int i = 4; i < 12; ++i) b[static_cast<std::size_t>(i)] = 0;
  return gst_buffer_new_memdup(b.data(), b.size());
}

Harness encoder() {
  GstElement *e = gst_element_factory_make("rtpst2022-1-fecenc2", nullptr);
  g_object_set(e, "columns", 2u, "rows", 2u, nullptr);
  Harness h(gst_harness_new_with_element(e, "sink", "src"));
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,payload=33,clock-rate=90000");
  return h;
}

TEST(RtpSt2022FecEnc2, AddsFecPadsAndPassesMediaThrough) {
  Harness h = encoder();
  // Column FEC on fec_0, row FEC on fec_1, as rtpst2022-1-fecenc.
  for (const char *name : {"fec_0", "fec_1"}) {
    GstPad *p = gst_element_get_static_pad(h->element, name);
    EXPECT_TRUE(p) << name;
    if (p) gst_object_unref(p);
  }
  for (guint16 s = 10; s < 14; ++s) EXPECT_EQ(gst_harness_push(h.get(), rtp(s)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 4u);
}

TEST(RtpSt2022FecEnc2, RefusesAGapInSequenceNumbers) {
  Harness h = encoder();
  EXPECT_EQ(gst_harness_push(h.get(), rtp(10)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_push(h.get(), rtp(12)), GST_FLOW_ERROR);
}

TEST(RtpSt2022FecEnc2, RefusesInputThatIsNotRtp) {
  Harness h = encoder();
  const guint8 junk[5] = {1, 2, 3, 4, 5};
  EXPECT_EQ(gst_harness_push(h.get(), gst_buffer_new_memdup(junk, sizeof junk)), GST_FLOW_ERROR);
}

TEST(RtpSt2022FecEnc2, APayloadTypeAbove127FailsToStart) {
  GstElement *e = gst_element_factory_make("rtpst2022-1-fecenc2", nullptr);
  ASSERT_TRUE(e);
  g_object_set(e, "columns", 4u, "pt", 200, nullptr);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
}

TEST(RtpSt2022FecDec2, DropsAMediaPacketItAlreadyHolds) {
  Harness h(gst_harness_new("rtpst2022-1-fecdec2"));
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,payload=33,clock-rate=90000");
  EXPECT_EQ(gst_harness_push(h.get(), rtp(5)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_push(h.get(), rtp(5)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_push(h.get(), rtp(6)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 2u);
}

TEST(RtpSt2022FecDec2, TakesTwoFecPadsNotThree) {
  GstElement *e = gst_element_factory_make("rtpst2022-1-fecdec2", nullptr);
  ASSERT_TRUE(e);
  GstPad *a = gst_element_request_pad_simple(e, "fec_%u");
  GstPad *b = gst_element_request_pad_simple(e, "fec_%u");
  GstPad *c = gst_element_request_pad_simple(e, "fec_%u");
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(c);
  for (GstPad *p : {a, b}) {
    if (!p) continue;
    gst_element_release_request_pad(e, p);
    gst_object_unref(p);
  }
  gst_object_unref(e);
}

}  // namespace
