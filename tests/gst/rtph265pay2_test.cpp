// rtph265pay2 element behaviour through GstHarness: caps in every input
// format, properties, config-interval, force-key-unit, aggregation, flush, EOS.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "h265_fixtures.hpp"

// Codec-independent helpers from h264_fixtures; NAL units from fixtures::h265.
using fixtures::annexb;
using fixtures::buffer;
using fixtures::Bytes;
using fixtures::caps_field;
using fixtures::caps_string;
using fixtures::HarnessPtr;
using fixtures::length_prefixed;
using fixtures::pull_all;
using fixtures::Rtp;
using fixtures::rtp_packet;
using fixtures::set_props;
using fixtures::to_bytes;
using namespace fixtures::h265;

namespace {

constexpr const char *kByteStreamAu = "video/x-h265,stream-format=byte-stream,alignment=au";
constexpr const char *kByteStreamNal = "video/x-h265,stream-format=byte-stream,alignment=nal";

HarnessPtr make_pay(const char *caps, const char *props = "") {
  HarnessPtr h(gst_harness_new("rtph265pay2"));
  set_props(h->element, props);
  gst_harness_set_src_caps_str(h.get(), caps);
  return h;
}

GstCaps *hvc_caps(const char *format) {
  GstBuffer *cd = buffer(hvcc(), GST_CLOCK_TIME_NONE);
  GstCaps *caps =
      gst_caps_new_simple("video/x-h265", "stream-format", G_TYPE_STRING, format, "alignment",
                          G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  gst_buffer_unref(cd);
  return caps;
}

std::vector<unsigned> all_types(const std::vector<Rtp> &packets) {
  std::vector<unsigned> out;
  for (const Rtp &p : packets)
    for (unsigned t : nal_types(p.payload)) out.push_back(t);
  return out;
}

std::vector<unsigned> seq(std::initializer_list<std::vector<unsigned>> parts) {
  std::vector<unsigned> v;
  for (const auto &p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

const std::vector<unsigned> kPs = {32, 33, 34};

Bytes keyframe_au(std::size_t slice_size = 100) {
  return annexb({vps(), sps(), pps(), idr(slice_size)});
}

}  // namespace

TEST(RtpH265Pay2, OutputCapsCarryParameterSetsAndProfileFromTheStream) {
  auto h = make_pay(kByteStreamAu);
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  const std::string caps = caps_string(h.get());
  EXPECT_NE(caps.find("media=(string)video"), std::string::npos) << caps;
  EXPECT_NE(caps.find("encoding-name=(string)H265"), std::string::npos) << caps;
  EXPECT_NE(caps.find("clock-rate=(int)90000"), std::string::npos) << caps;
  EXPECT_EQ(caps_field(h.get(), "sprop-vps"), sprop_vps());
  EXPECT_EQ(caps_field(h.get(), "sprop-sps"), sprop_sps());
  EXPECT_EQ(caps_field(h.get(), "sprop-pps"), sprop_pps());
  EXPECT_EQ(caps_field(h.get(), "profile-id"), "1");
  EXPECT_EQ(caps_field(h.get(), "tier-flag"), "0");
  EXPECT_EQ(caps_field(h.get(), "level-id"), "60");
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 4u);
  EXPECT_EQ(all_types(packets), seq({kPs, {19}}));
  EXPECT_FALSE(packets[2].marker);
  EXPECT_TRUE(packets[3].marker);
}

TEST(RtpH265Pay2, TypeNamesDifferFromGstPluginsGood) {
  HarnessPtr h(gst_harness_new("rtph265pay2"));
  EXPECT_STREQ(G_OBJECT_TYPE_NAME(h->element), "GstSrtRtpH265Pay2");
  GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(h->element), "aggregate-mode");
  ASSERT_NE(spec, nullptr);
  EXPECT_STREQ(g_type_name(spec->value_type), "GstSrtRtpH265AggregateMode");
}

// Every input format the sink template offers gives the same RTP packets.
struct InputCase {
  const char *name;
  const char *format;  // stream-format
  const char *alignment;
};

class RtpH265Pay2Input : public ::testing::TestWithParam<InputCase> {};

TEST_P(RtpH265Pay2Input, SameUnitsInEveryInputFormat) {
  const InputCase &c = GetParam();
  HarnessPtr h(gst_harness_new("rtph265pay2"));
  const std::string fmt = c.format;
  const bool hvc = fmt != "byte-stream";
  const std::vector<Bytes> au1 = {vps(), sps(), pps(), idr(3000, true), idr(200, false)};
  const std::vector<Bytes> au2 = {trail(500)};
  if (hvc) {
    gst_harness_set_src_caps(h.get(), hvc_caps(c.format));
  } else {
    gst_harness_set_src_caps_str(
        h.get(),
        ("video/x-h265,stream-format=byte-stream,alignment=" + std::string(c.alignment)).c_str());
  }
  auto push_au = [&](const std::vector<Bytes> &au, GstClockTime t, bool delta) {
    if (std::string(c.alignment) == "nal") {
      for (std::size_t i = 0; i < au.size(); ++i) {
        GstBuffer *b = buffer(annexb({au[i]}), t, delta);
        if (i + 1 == au.size()) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_MARKER);
        gst_harness_push(h.get(), b);
      }
    } else {
      gst_harness_push(h.get(), buffer(hvc ? length_prefixed(au) : annexb(au), t, delta));
    }
  };
  push_au(au1, 0, false);
  push_au(au2, GST_SECOND / 25, true);
  gst_harness_push_event(h.get(), gst_event_new_eos());
  auto packets = pull_all(h.get());
  std::vector<Bytes> want = au1;
  want.insert(want.end(), au2.begin(), au2.end());
  EXPECT_EQ(unpack(packets), want);
  EXPECT_EQ(std::count_if(packets.begin(), packets.end(), [](const Rtp &p) { return p.marker; }),
            2);
  EXPECT_EQ(caps_field(h.get(), "sprop-sps"), sprop_sps());
  for (const Rtp &p : packets) EXPECT_LE(p.payload.size() + 12, 1400u);
}

INSTANTIATE_TEST_SUITE_P(Formats, RtpH265Pay2Input,
                         ::testing::Values(InputCase{"bytestream_au", "byte-stream", "au"},
                                           InputCase{"bytestream_nal", "byte-stream", "nal"},
                                           InputCase{"hvc1_au", "hvc1", "au"},
                                           InputCase{"hev1_au", "hev1", "au"}),
                         [](const ::testing::TestParamInfo<InputCase> &param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(RtpH265Pay2, Hvc1CapsGiveSpropsBeforeAnyBuffer) {
  HarnessPtr h(gst_harness_new("rtph265pay2"));
  gst_harness_set_src_caps(h.get(), hvc_caps("hvc1"));
  gst_harness_push(h.get(), buffer(length_prefixed({idr(50)}), 0));
  EXPECT_EQ(caps_field(h.get(), "sprop-vps"), sprop_vps());
  EXPECT_EQ(caps_field(h.get(), "level-id"), "60");
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].payload, idr(50));
}

TEST(RtpH265Pay2, HvcWithoutCodecDataIsAnError) {
  HarnessPtr h(gst_harness_new("rtph265pay2"));
  gst_harness_set_src_caps_str(h.get(), "video/x-h265,stream-format=hvc1,alignment=au");
  EXPECT_NE(gst_harness_push(h.get(), buffer(length_prefixed({idr(10)}), 0)), GST_FLOW_OK);
}

TEST(RtpH265Pay2, MalformedCodecDataIsAnError) {
  HarnessPtr h(gst_harness_new("rtph265pay2"));
  GstBuffer *cd = buffer({1, 2, 3}, GST_CLOCK_TIME_NONE);
  GstCaps *caps =
      gst_caps_new_simple("video/x-h265", "stream-format", G_TYPE_STRING, "hvc1", "alignment",
                          G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  gst_buffer_unref(cd);
  gst_harness_set_src_caps(h.get(), caps);
  EXPECT_NE(gst_harness_push(h.get(), buffer(length_prefixed({idr(10)}), 0)), GST_FLOW_OK);
}

TEST(RtpH265Pay2, PropertiesShareDefaultsWithRtph265pay) {
  HarnessPtr h(gst_harness_new("rtph265pay2"));
  gint config_interval = 99, aggregate = -1;
  guint mtu = 0, pt = 0;
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
  // rtph265pay's nicks, and max-stap as rtph264pay users know it.
  for (const char *nick : {"none", "zero-latency", "max", "max-stap"}) {
    gst_util_set_object_arg(G_OBJECT(h->element), "aggregate-mode", nick);
    g_object_get(h->element, "aggregate-mode", &aggregate, nullptr);
    EXPECT_EQ(aggregate, std::string(nick) == "none"           ? 0
                         : std::string(nick) == "zero-latency" ? 1
                                                               : 2)
        << nick;
  }
}

TEST(RtpH265Pay2, HeaderPropertiesAreUsed) {
  auto h = make_pay(kByteStreamAu,
                    "pt=101 ssrc=3735928559 seqnum-offset=65534 "
                    "timestamp-offset=1000 mtu=500");
  gst_harness_push(h.get(), buffer(annexb({idr(2000)}), GST_SECOND));
  auto packets = pull_all(h.get());
  ASSERT_GE(packets.size(), 5u);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(packets[i].pt, 101);
    EXPECT_EQ(packets[i].ssrc, 3735928559u);
    EXPECT_EQ(packets[i].seq, static_cast<std::uint16_t>(65534 + i));
    EXPECT_EQ(packets[i].ts, 1000u + 90000u);
    EXPECT_LE(packets[i].payload.size() + 12, 500u);
  }
}

TEST(RtpH265Pay2, ConfigIntervalZeroNeverInserts) {
  auto h = make_pay(kByteStreamAu, "config-interval=0");
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  gst_harness_push(h.get(), buffer(annexb({cra(100)}), GST_SECOND));
  EXPECT_EQ(all_types(pull_all(h.get())), seq({kPs, {19, 21}}));
}

TEST(RtpH265Pay2, ConfigIntervalMinusOneInsertsBeforeEveryKeyframeOncePerAccessUnit) {
  auto h = make_pay(kByteStreamAu, "config-interval=-1");
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  gst_harness_push(h.get(), buffer(annexb({trail(80)}), GST_SECOND / 25, true));
  // A CRA (open GOP keyframe, which rtph265pay skips) of three slice segments.
  gst_harness_push(
      h.get(),
      buffer(annexb({aud(), prefix_sei(), cra(100, true), cra(100, false), cra(100, false)}),
             2 * GST_SECOND / 25));
  EXPECT_EQ(all_types(pull_all(h.get())), seq({kPs, {19, 1, 35}, kPs, {39, 21, 21, 21}}));
}

TEST(RtpH265Pay2, ConfigIntervalMinusOneWithNalAlignmentInsertsOnce) {
  auto h = make_pay(kByteStreamNal, "config-interval=-1");
  for (const Bytes &n : {vps(), sps(), pps()}) gst_harness_push(h.get(), buffer(annexb({n}), 0));
  GstBuffer *last = buffer(annexb({idr(100)}), 0);
  GST_BUFFER_FLAG_SET(last, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h.get(), last);
  const GstClockTime t = GST_SECOND / 25;
  gst_harness_push(h.get(), buffer(annexb({idr(100, true)}), t));
  gst_harness_push(h.get(), buffer(annexb({idr(100, false)}), t));
  last = buffer(annexb({idr(100, false)}), t);
  GST_BUFFER_FLAG_SET(last, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h.get(), last);
  EXPECT_EQ(all_types(pull_all(h.get())), seq({kPs, {19}, kPs, {19, 19, 19}}));
}

TEST(RtpH265Pay2, ConfigIntervalNotDuplicatedWhenTheStreamCarriesThem) {
  auto h = make_pay(kByteStreamAu, "config-interval=-1");
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  gst_harness_push(h.get(), buffer(keyframe_au(), GST_SECOND / 25));
  EXPECT_EQ(all_types(pull_all(h.get())), seq({kPs, {19}, kPs, {19}}));
}

TEST(RtpH265Pay2, ConfigIntervalInSecondsWaitsForTheInterval) {
  auto h = make_pay(kByteStreamAu, "config-interval=1");
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  gst_harness_push(h.get(), buffer(annexb({idr(100)}), GST_SECOND / 2));      // too soon
  gst_harness_push(h.get(), buffer(annexb({idr(100)}), GST_SECOND + 10));     // due
  gst_harness_push(h.get(), buffer(annexb({idr(100)}), 3 * GST_SECOND / 2));  // too soon
  EXPECT_EQ(all_types(pull_all(h.get())), seq({kPs, {19, 19}, kPs, {19, 19}}));
}

TEST(RtpH265Pay2, ForceKeyUnitWithAllHeadersResendsParameterSets) {
  auto h = make_pay(kByteStreamAu);
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  gst_harness_push(h.get(), buffer(annexb({trail(80)}), GST_SECOND / 25, true));
  pull_all(h.get());
  EXPECT_TRUE(gst_harness_push_upstream_event(
      h.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 1)));
  gst_harness_push(h.get(), buffer(annexb({idr(100)}), 2 * GST_SECOND / 25));
  EXPECT_EQ(all_types(pull_all(h.get())), seq({kPs, {19}}));
}

TEST(RtpH265Pay2, DownstreamForceKeyUnitAlsoWorks) {
  auto h = make_pay(kByteStreamAu);
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  pull_all(h.get());
  EXPECT_TRUE(gst_harness_push_event(
      h.get(), gst_video_event_new_downstream_force_key_unit(
                   GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, TRUE, 1)));
  gst_harness_push(h.get(), buffer(annexb({idr(100)}), GST_SECOND));
  EXPECT_EQ(all_types(pull_all(h.get())), seq({kPs, {19}}));
}

TEST(RtpH265Pay2, ForceKeyUnitWithoutAllHeadersChangesNothing) {
  auto h = make_pay(kByteStreamAu);
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  pull_all(h.get());
  gst_harness_push_upstream_event(
      h.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, 1));
  gst_harness_push(h.get(), buffer(annexb({idr(100)}), GST_SECOND));
  EXPECT_EQ(all_types(pull_all(h.get())), (std::vector<unsigned>{19}));
}

TEST(RtpH265Pay2, AggregateNoneSendsEachUnitAlone) {
  auto h = make_pay(kByteStreamAu, "aggregate-mode=none");
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 4u);
  for (const Rtp &p : packets) EXPECT_NE(type_of(p.payload), 48u);
}

TEST(RtpH265Pay2, AggregateZeroLatencyBundlesParameterSetsWithTheSlice) {
  auto h = make_pay(kByteStreamAu, "aggregate-mode=zero-latency");
  gst_harness_push(h.get(), buffer(annexb({vps(), sps(), pps(), idr(100), idr(50, false)}), 0));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(type_of(packets[0].payload), 48u);
  EXPECT_EQ(nal_types(packets[0].payload), seq({kPs, {19}}));
  EXPECT_EQ(nal_types(packets[1].payload), (std::vector<unsigned>{19}));
  EXPECT_FALSE(packets[0].marker);
  EXPECT_TRUE(packets[1].marker);
  // AP header: lowest LayerId (0) and TID (1) of its units.
  EXPECT_EQ(packets[0].payload[0], 48 << 1);
  EXPECT_EQ(packets[0].payload[1], 1);
}

TEST(RtpH265Pay2, AggregateMaxBundlesTheWholeAccessUnit) {
  auto h = make_pay(kByteStreamAu, "aggregate-mode=max");
  gst_harness_push(h.get(), buffer(annexb({vps(), sps(), pps(), idr(100), idr(100, false)}), 0));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(nal_types(packets[0].payload), seq({kPs, {19, 19}}));
  EXPECT_TRUE(packets[0].marker);
}

TEST(RtpH265Pay2, LargeUnitsAreFragmentedWithinTheMtu) {
  auto h = make_pay(kByteStreamAu, "mtu=1400");
  const Bytes big = idr(5000);
  gst_harness_push(h.get(), buffer(annexb({big}), 0));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 4u);  // 4998 body bytes in 1385-byte fragments
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Rtp &p = packets[i];
    EXPECT_LE(p.payload.size() + 12, 1400u);
    EXPECT_EQ(type_of(p.payload), 49u);
    EXPECT_EQ(p.payload[1], big[1]);  // LayerId and TID copied
    EXPECT_EQ((p.payload[2] & 0x80) != 0, i == 0);
    EXPECT_EQ((p.payload[2] & 0x40) != 0, i + 1 == packets.size());
    EXPECT_EQ(p.payload[2] & 0x3f, 19);
    EXPECT_EQ(p.marker, i + 1 == packets.size());
  }
  EXPECT_EQ(unpack(packets), std::vector<Bytes>{big});
}

TEST(RtpH265Pay2, RtpTimestampFollowsPts) {
  auto h = make_pay(kByteStreamAu, "timestamp-offset=0");
  gst_harness_push(h.get(), buffer(annexb({idr(10)}), 0));
  gst_harness_push(h.get(), buffer(annexb({trail(10)}), GST_SECOND / 25, true));
  gst_harness_push(h.get(), buffer(annexb({trail(10)}), 2 * GST_SECOND, true));
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].ts, 0u);
  EXPECT_EQ(packets[1].ts, 3600u);
  EXPECT_EQ(packets[2].ts, 180000u);
}

TEST(RtpH265Pay2, EosSendsWhatMaxHeld) {
  auto h = make_pay(kByteStreamNal, "aggregate-mode=max");
  gst_harness_push(h.get(), buffer(annexb({vps()}), 0));
  gst_harness_push(h.get(), buffer(annexb({sps()}), 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push_event(h.get(), gst_event_new_eos());
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(nal_types(packets[0].payload), (std::vector<unsigned>{32, 33}));
  EXPECT_TRUE(packets[0].marker);
}

TEST(RtpH265Pay2, FlushDropsHeldUnitsAndMarksDiscont) {
  auto h = make_pay(kByteStreamNal, "aggregate-mode=max");
  gst_harness_push(h.get(), buffer(annexb({idr(100, true)}), 0));
  gst_harness_push(h.get(), buffer(annexb({idr(100, false)}), 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push_event(h.get(), gst_event_new_flush_start());
  gst_harness_push_event(h.get(), gst_event_new_flush_stop(TRUE));
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_harness_push_event(h.get(), gst_event_new_segment(&seg));
  GstBuffer *b = buffer(annexb({idr(60)}), GST_SECOND);
  GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h.get(), b);
  auto packets = pull_all(h.get());
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].payload, idr(60));
  EXPECT_TRUE(packets[0].discont);
}

TEST(RtpH265Pay2, StatsCountUnitsAndInsertions) {
  auto h = make_pay(kByteStreamAu, "config-interval=-1");
  gst_harness_push(h.get(), buffer(keyframe_au(), 0));
  gst_harness_push(h.get(), buffer(annexb({cra(50)}), GST_SECOND));
  pull_all(h.get());
  GstStructure *st = nullptr;
  g_object_get(h->element, "stats", &st, nullptr);
  ASSERT_NE(st, nullptr);
  guint64 units = 0, insertions = 0;
  EXPECT_TRUE(gst_structure_get_uint64(st, "nal-units", &units));
  EXPECT_TRUE(gst_structure_get_uint64(st, "parameter-set-insertions", &insertions));
  EXPECT_EQ(units, 8u);
  EXPECT_EQ(insertions, 1u);
  gst_structure_free(st);
}
