// rtph264pay2 element behaviour through GstHarness: caps, properties,
// config-interval, force-key-unit, aggregation, flush and EOS.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include "h264_fixtures.hpp"

using namespace fixtures;

namespace {

constexpr const char *kByteStreamAu = "video/x-h264,stream-format=byte-stream,alignment=au";
constexpr const char *kByteStreamNal = "video/x-h264,stream-format=byte-stream,alignment=nal";

HarnessPtr make_pay(const char *caps, const char *props = "") {
  HarnessPtr h(gst_harness_new("rtph264pay2"));
  set_props(h->element, props);
  gst_harness_set_src_caps_str(h.get(), caps);
  return h;
}

// The NAL units carried in one payload (single or STAP-A; FU-A start shows its type).
std::vector<int> nal_types(const Rtp &p) {
  const int t = p.payload[0] & 0x1f;
  if (t == 24) {
    std::vector<int> out;
    for (std::size_t i = 1; i + 2 < p.payload.size();) {
      const std::size_t len = (p.payload[i] << 8) | p.payload[i + 1];
      out.push_back(p.payload[i + 2] & 0x1f);
      i += 2 + len;
    }
    return out;
  }
  if (t == 28) return {p.payload[1] & 0x80 ? 100 + (p.payload[1] & 0x1f) : -1};
  return {t};
}

std::vector<int> all_types(const std::vector<Rtp> &packets) {
  std::vector<int> out;
  for (const Rtp &p : packets)
    for (int t : nal_types(p))
      if (t >= 0) out.push_back(t);
  return out;
}

int count(const std::vector<int> &v, int x) {
  return static_cast<int>(std::count(v.begin(), v.end(), x));
}

}  // namespace

TEST(RtpH264Pay2, OutputCapsCarryParameterSetsFromTheStream) {
  auto h = make_pay(kByteStreamAu);
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  const std::string caps = caps_string(h.get());
  EXPECT_NE(caps.find("encoding-name=(string)H264"), std::string::npos) << caps;
  EXPECT_NE(caps.find("clock-rate=(int)90000"), std::string::npos) << caps;
  EXPECT_EQ(caps_field(h.get(), "packetization-mode"), "1");
  EXPECT_EQ(caps_field(h.get(), "profile-level-id"), "640028");
  EXPECT_EQ(caps_field(h.get(), "sprop-parameter-sets"), "Z2QAKKzZQHgCJ+WE,aO48gA==");
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(all_types(packets), (std::vector<int>{7, 8, 5}));
  EXPECT_FALSE(packets[0].marker);
  EXPECT_TRUE(packets[2].marker);
}

TEST(RtpH264Pay2, AvcInputUsesCodecData) {
  GstBuffer *cd = buffer(avcc(sps(), pps()), GST_CLOCK_TIME_NONE);
  GstCaps *caps =
      gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                          G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  gst_buffer_unref(cd);
  HarnessPtr h(gst_harness_new("rtph264pay2"));
  gst_harness_set_src_caps(h.get(), caps);
  const Bytes idr = idr_slice(300);
  gst_harness_push(h.get(), buffer(length_prefixed({idr}), 0));
  EXPECT_EQ(caps_field(h.get(), "sprop-parameter-sets"), "Z2QAKKzZQHgCJ+WE,aO48gA==");
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].payload, idr);
  EXPECT_TRUE(packets[0].marker);
}

TEST(RtpH264Pay2, AvcWithoutCodecDataIsAnError) {
  HarnessPtr h(gst_harness_new("rtph264pay2"));
  gst_harness_set_src_caps_str(h.get(), "video/x-h264,stream-format=avc,alignment=au");
  EXPECT_NE(gst_harness_push(h.get(), buffer(length_prefixed({idr_slice(10)}), 0)), GST_FLOW_OK);
}

TEST(RtpH264Pay2, NalAlignmentUsesMarkerFlagForTheRtpMarker) {
  auto h = make_pay(kByteStreamNal);
  GstBuffer *a = buffer(annexb({idr_slice(50, true)}), 0);
  GstBuffer *b = buffer(annexb({idr_slice(50, false)}), 0);
  GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h.get(), a);
  gst_harness_push(h.get(), b);
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_FALSE(packets[0].marker);
  EXPECT_TRUE(packets[1].marker);
  EXPECT_EQ(packets[0].ts, packets[1].ts);
}

TEST(RtpH264Pay2, HeaderPropertiesAreUsed) {
  auto h = make_pay(kByteStreamAu,
                    "pt=101 ssrc=3735928559 seqnum-offset=65534 "
                    "timestamp-offset=1000 mtu=500");
  gst_harness_push(h.get(), buffer(annexb({idr_slice(2000)}), GST_SECOND));
  auto packets = pull_all(h.get());
  ASSERT_GE(packets.size(), 5u);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(packets[i].pt, 101);
    EXPECT_EQ(packets[i].ssrc, 3735928559u);
    EXPECT_EQ(packets[i].seq, static_cast<std::uint16_t>(65534 + i));  // wraps
    EXPECT_EQ(packets[i].ts, 1000u + 90000u);
    EXPECT_LE(packets[i].payload.size() + 12, 500u);
  }
  guint seqnum = 0, timestamp = 0;
  g_object_get(h->element, "seqnum", &seqnum, "timestamp", &timestamp, nullptr);
  EXPECT_EQ(seqnum, static_cast<guint16>(65534 + packets.size()));
  EXPECT_EQ(timestamp, 91000u);
  GstStructure *stats = nullptr;
  g_object_get(h->element, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  guint pt = 0, clock_rate = 0;
  EXPECT_TRUE(gst_structure_get_uint(stats, "pt", &pt));
  EXPECT_EQ(pt, 101u);
  EXPECT_TRUE(gst_structure_get_uint(stats, "clock-rate", &clock_rate));
  EXPECT_EQ(clock_rate, 90000u);
  gst_structure_free(stats);
  const std::string caps = caps_string(h.get());
  EXPECT_NE(caps.find("payload=(int)101"), std::string::npos) << caps;
  EXPECT_NE(caps.find("seqnum-offset=(uint)65534"), std::string::npos) << caps;
}

TEST(RtpH264Pay2, PropertiesShareDefaultsWithRtph264pay) {
  HarnessPtr h(gst_harness_new("rtph264pay2"));
  gint config_interval = 99;
  guint mtu = 0, pt = 0;
  gint aggregate = -1;
  g_object_get(h->element, "config-interval", &config_interval, "mtu", &mtu, "pt", &pt,
               "aggregate-mode", &aggregate, nullptr);
  EXPECT_EQ(config_interval, 0);
  EXPECT_EQ(mtu, 1400u);
  EXPECT_EQ(pt, 96u);
  EXPECT_EQ(aggregate, 0);  // none
  GParamSpec *spec =
      g_object_class_find_property(G_OBJECT_GET_CLASS(h->element), "config-interval");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(G_PARAM_SPEC_INT(spec)->minimum, -1);
  EXPECT_EQ(G_PARAM_SPEC_INT(spec)->maximum, 3600);
}

TEST(RtpH264Pay2, ConfigIntervalZeroNeverInserts) {
  auto h = make_pay(kByteStreamAu, "config-interval=0");
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100)}), GST_SECOND));
  auto types = all_types(pull_all(h.get()));
  EXPECT_EQ(count(types, 7), 1);
  EXPECT_EQ(count(types, 8), 1);
}

TEST(RtpH264Pay2, ConfigIntervalMinusOneInsertsBeforeEveryIdrOncePerAccessUnit) {
  auto h = make_pay(kByteStreamAu, "config-interval=-1");
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  gst_harness_push(h.get(), buffer(annexb({p_slice(80)}), GST_SECOND / 25, true));
  // A keyframe of three slices: parameter sets once, before the first slice.
  gst_harness_push(
      h.get(),
      buffer(annexb({aud(), idr_slice(100, true), idr_slice(100, false), idr_slice(100, false)}),
             2 * GST_SECOND / 25));
  auto types = all_types(pull_all(h.get()));
  EXPECT_EQ(types, (std::vector<int>{7, 8, 5, 1, 9, 7, 8, 5, 5, 5}));
}

TEST(RtpH264Pay2, ConfigIntervalMinusOneCoversRecoveryPointKeyframes) {
  // x264 intra-refresh: one IDR, then recovery-point SEIs on P slices.
  auto h = make_pay(kByteStreamAu, "config-interval=-1");
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  gst_harness_push(h.get(), buffer(annexb({p_slice(80)}), GST_SECOND / 25, true));
  gst_harness_push(h.get(),
                   buffer(annexb({sei_recovery_point(), p_slice(80)}), 2 * GST_SECOND / 25, true));
  auto types = all_types(pull_all(h.get()));
  EXPECT_EQ(types, (std::vector<int>{7, 8, 5, 1, 7, 8, 6, 1}));
}

TEST(RtpH264Pay2, ConfigIntervalMinusOneWithNalAlignmentInsertsOnce) {
  auto h = make_pay(kByteStreamNal, "config-interval=-1");
  gst_harness_push(h.get(), buffer(annexb({sps()}), 0));
  gst_harness_push(h.get(), buffer(annexb({pps()}), 0));
  GstBuffer *last = buffer(annexb({idr_slice(100)}), 0);
  GST_BUFFER_FLAG_SET(last, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h.get(), last);
  const GstClockTime t = GST_SECOND / 25;
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100, true)}), t));
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100, false)}), t));
  last = buffer(annexb({idr_slice(100, false)}), t);
  GST_BUFFER_FLAG_SET(last, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h.get(), last);
  auto types = all_types(pull_all(h.get()));
  EXPECT_EQ(types, (std::vector<int>{7, 8, 5, 7, 8, 5, 5, 5}));
}

TEST(RtpH264Pay2, ConfigIntervalInSecondsWaitsForTheInterval) {
  auto h = make_pay(kByteStreamAu, "config-interval=1");
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100)}), GST_SECOND / 2));      // too soon
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100)}), GST_SECOND + 10));     // due
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100)}), 3 * GST_SECOND / 2));  // too soon
  auto types = all_types(pull_all(h.get()));
  EXPECT_EQ(types, (std::vector<int>{7, 8, 5, 5, 7, 8, 5, 5}));
}

TEST(RtpH264Pay2, ForceKeyUnitWithAllHeadersResendsParameterSets) {
  auto h = make_pay(kByteStreamAu);
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  gst_harness_push(h.get(), buffer(annexb({p_slice(80)}), GST_SECOND / 25, true));
  pull_all(h.get());
  EXPECT_TRUE(gst_harness_push_upstream_event(
      h.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 1)));
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100)}), 2 * GST_SECOND / 25));
  EXPECT_EQ(all_types(pull_all(h.get())), (std::vector<int>{7, 8, 5}));
}

TEST(RtpH264Pay2, DownstreamForceKeyUnitFromTheEncoderAlsoWorks) {
  auto h = make_pay(kByteStreamAu);
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  pull_all(h.get());
  EXPECT_TRUE(gst_harness_push_event(
      h.get(), gst_video_event_new_downstream_force_key_unit(
                   GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, TRUE, 1)));
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100)}), GST_SECOND));
  EXPECT_EQ(all_types(pull_all(h.get())), (std::vector<int>{7, 8, 5}));
}

TEST(RtpH264Pay2, AggregateNoneSendsEachUnitAlone) {
  auto h = make_pay(kByteStreamAu, "aggregate-mode=none");
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100)}), 0));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 3u);
  for (const Rtp &p : packets) EXPECT_NE(p.payload[0] & 0x1f, 24);
}

TEST(RtpH264Pay2, AggregateZeroLatencyBundlesParameterSetsWithTheSlice) {
  auto h = make_pay(kByteStreamAu, "aggregate-mode=zero-latency");
  gst_harness_push(h.get(), buffer(annexb({sps(), pps(), idr_slice(100), p_slice(50, false)}), 0));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].payload[0] & 0x1f, 24);
  EXPECT_EQ(nal_types(packets[0]), (std::vector<int>{7, 8, 5}));
  EXPECT_EQ(nal_types(packets[1]), (std::vector<int>{1}));
  EXPECT_TRUE(packets[1].marker);
  EXPECT_FALSE(packets[0].marker);
}

TEST(RtpH264Pay2, AggregateMaxStapBundlesTheWholeAccessUnit) {
  auto h = make_pay(kByteStreamAu, "aggregate-mode=max-stap");
  gst_harness_push(h.get(),
                   buffer(annexb({sps(), pps(), idr_slice(100, true), idr_slice(100, false)}), 0));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(nal_types(packets[0]), (std::vector<int>{7, 8, 5, 5}));
  EXPECT_TRUE(packets[0].marker);
}

TEST(RtpH264Pay2, LargeUnitsAreFragmentedWithinTheMtu) {
  auto h = make_pay(kByteStreamAu, "mtu=1400");
  const Bytes idr = idr_slice(5000);
  gst_harness_push(h.get(), buffer(annexb({idr}), 0));
  auto packets = pull_all(h.get());
  ASSERT_GE(packets.size(), 4u);
  Bytes rebuilt = {
      static_cast<std::uint8_t>((packets[0].payload[0] & 0xe0) | (packets[0].payload[1] & 0x1f))};
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Rtp &p = packets[i];
    EXPECT_LE(p.payload.size() + 12, 1400u);
    EXPECT_EQ(p.payload[0] & 0x1f, 28);
    EXPECT_EQ((p.payload[1] & 0x80) != 0, i == 0);
    EXPECT_EQ((p.payload[1] & 0x40) != 0, i + 1 == packets.size());
    EXPECT_EQ(p.marker, i + 1 == packets.size());
    rebuilt.insert(rebuilt.end(), p.payload.begin() + 2, p.payload.end());
  }
  EXPECT_EQ(rebuilt, idr);
}

TEST(RtpH264Pay2, RtpTimestampFollowsPts) {
  auto h = make_pay(kByteStreamAu, "timestamp-offset=0");
  gst_harness_push(h.get(), buffer(annexb({idr_slice(10)}), 0));
  gst_harness_push(h.get(), buffer(annexb({p_slice(10)}), GST_SECOND / 25, true));
  gst_harness_push(h.get(), buffer(annexb({p_slice(10)}), 2 * GST_SECOND, true));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].ts, 0u);
  EXPECT_EQ(packets[1].ts, 3600u);
  EXPECT_EQ(packets[2].ts, 180000u);
}

TEST(RtpH264Pay2, EosSendsWhatMaxStapHeld) {
  auto h = make_pay(kByteStreamNal, "aggregate-mode=max-stap");
  gst_harness_push(h.get(), buffer(annexb({sps()}), 0));
  gst_harness_push(h.get(), buffer(annexb({pps()}), 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push_event(h.get(), gst_event_new_eos());
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(nal_types(packets[0]), (std::vector<int>{7, 8}));
}

TEST(RtpH264Pay2, FlushDropsHeldUnitsAndMarksDiscont) {
  auto h = make_pay(kByteStreamNal, "aggregate-mode=max-stap");
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100, true)}), 0));
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100, false)}), 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push_event(h.get(), gst_event_new_flush_start());
  gst_harness_push_event(h.get(), gst_event_new_flush_stop(TRUE));
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_harness_push_event(h.get(), gst_event_new_segment(&seg));
  GstBuffer *b = buffer(annexb({idr_slice(60)}), GST_SECOND);
  GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h.get(), b);
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].payload.size(), 60u);
  EXPECT_TRUE(packets[0].discont);
}

TEST(RtpH264Pay2, NalAlignedInputWithoutMarkersSplitsAccessUnitsOnTimestamp) {
  auto h = make_pay(kByteStreamNal, "aggregate-mode=max-stap timestamp-offset=0");
  gst_harness_push(h.get(), buffer(annexb({sps()}), GST_SECOND));
  gst_harness_push(h.get(), buffer(annexb({pps()}), GST_SECOND));
  gst_harness_push(h.get(), buffer(annexb({idr_slice(100)}), GST_SECOND));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push(h.get(), buffer(annexb({p_slice(100)}), GST_SECOND + GST_SECOND / 25, true));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);  // the first AU went out when the timestamp changed
  EXPECT_EQ(nal_types(packets[0]), (std::vector<int>{7, 8, 5}));
  EXPECT_EQ(packets[0].ts, 90000u);  // its own timestamp, not the next buffer's
  EXPECT_TRUE(packets[0].marker);
}
