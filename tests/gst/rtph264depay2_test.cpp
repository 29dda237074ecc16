// rtph264depay2 element behaviour through GstHarness: packet types, output
// formats by negotiation, loss handling, keyframe options, bad input.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include "h264_fixtures.hpp"

using namespace fixtures;

namespace {

constexpr const char *kRtpCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,packetization-mode=1";

HarnessPtr make_depay(const char *out_caps, const char *props = "",
                      const char *in_caps = kRtpCaps) {
  HarnessPtr h(gst_harness_new("rtph264depay2"));
  set_props(h->element, props);
  gst_harness_set_sink_caps_str(h.get(), out_caps);
  gst_harness_set_src_caps_str(h.get(), in_caps);
  return h;
}

guint64 stat(GstHarness *h, const char *name) {
  GstStructure *st = nullptr;
  g_object_get(h->element, "stats", &st, nullptr);
  guint64 v = G_MAXUINT64;
  if (st) gst_structure_get_uint64(st, name, &v);
  if (st) gst_structure_free(st);
  return v;
}

int upstream_force_key_units(GstHarness *h) {
  int n = 0;
  while (GstEvent *e = gst_harness_try_pull_upstream_event(h)) {
    if (gst_video_event_is_force_key_unit(e)) ++n;
    gst_event_unref(e);
  }
  return n;
}

}  // namespace

TEST(RtpH264Depay2, SingleStapAndFuBecomeOneByteStreamAccessUnit) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au");
  const Bytes idr = idr_slice(3000);
  gst_harness_push(h.get(), rtp_packet(stap_a({sps(), pps()}), 1, 9000, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 1, 1400, true, false), 2, 9000, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 1401, 1400, false, false), 3, 9000, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 2801, 199, false, true), 4, 9000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), annexb({sps(), pps(), idr}));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(out[0], GST_BUFFER_FLAG_DELTA_UNIT));
  EXPECT_EQ(caps_field(h.get(), "stream-format"), "byte-stream");
  EXPECT_EQ(caps_field(h.get(), "alignment"), "au");
  unref_all(out);
}

TEST(RtpH264Depay2, AvcOutputPutsParameterSetsInCodecData) {
  auto h = make_depay("video/x-h264,stream-format=avc,alignment=au");
  const Bytes idr = idr_slice(200);
  gst_harness_push(h.get(), rtp_packet(sps(), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(pps(), 2, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(idr, 3, 0, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), length_prefixed({idr}));
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_NE(caps, nullptr);
  const GValue *cd = gst_structure_get_value(gst_caps_get_structure(caps, 0), "codec_data");
  ASSERT_NE(cd, nullptr);
  EXPECT_EQ(to_bytes(gst_value_get_buffer(cd)), avcc(sps(), pps()));
  gst_caps_unref(caps);
  unref_all(out);
}

TEST(RtpH264Depay2, AvcOutputFromSpropBeforeAnyInBandSets) {
  const std::string in =
      std::string(kRtpCaps) + ",sprop-parameter-sets=(string)\"Z2QAKKzZQHgCJ+WE,aO48gA==\"";
  auto h = make_depay("video/x-h264,stream-format=avc,alignment=au", "", in.c_str());
  gst_harness_push(h.get(), rtp_packet(idr_slice(100), 1, 0, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), length_prefixed({idr_slice(100)}));
  unref_all(out);
}

TEST(RtpH264Depay2, ByteStreamGetsSpropParameterSetsBeforeTheKeyframe) {
  const std::string in =
      std::string(kRtpCaps) + ",sprop-parameter-sets=(string)\"Z2QAKKzZQHgCJ+WE,aO48gA==\"";
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au", "", in.c_str());
  gst_harness_push(h.get(), rtp_packet(idr_slice(100), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(p_slice(100), 2, 3000, true, GST_SECOND / 30));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(to_bytes(out[0]), annexb({sps(), pps(), idr_slice(100)}));
  EXPECT_EQ(to_bytes(out[1]), annexb({p_slice(100)}));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out[1], GST_BUFFER_FLAG_DELTA_UNIT));
  unref_all(out);
}

TEST(RtpH264Depay2, NalAlignmentOutputsEveryUnitAndMarksTheLast) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=nal");
  gst_harness_push(h.get(), rtp_packet(stap_a({sps(), pps()}), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(idr_slice(100), 2, 0, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(to_bytes(out[0]), annexb({sps()}));
  EXPECT_EQ(to_bytes(out[1]), annexb({pps()}));
  EXPECT_EQ(to_bytes(out[2]), annexb({idr_slice(100)}));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(out[1], GST_BUFFER_FLAG_MARKER));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out[2], GST_BUFFER_FLAG_MARKER));
  unref_all(out);
}

TEST(RtpH264Depay2, TimestampsComeFromRtpTime) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au");
  gst_harness_push(h.get(), rtp_packet(idr_slice(50), 1, 90000, true, GST_SECOND));
  // The input PTS is missing here; the RTP time still gives the output PTS.
  gst_harness_push(h.get(), rtp_packet(p_slice(50), 2, 90000 + 45000, true));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(GST_BUFFER_PTS(out[0]), GST_SECOND);
  EXPECT_EQ(GST_BUFFER_PTS(out[1]), GST_SECOND + GST_SECOND / 2);
  unref_all(out);
}

TEST(RtpH264Depay2, LostFragmentDropsTheUnitAndMarksDiscont) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au");
  const Bytes idr = idr_slice(3000);
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 1, 1400, true, false), 2, 3000, false, 0));
  // seq 3 lost
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 2801, 199, false, true), 4, 3000, true, 0));
  gst_harness_push(h.get(), rtp_packet(p_slice(40), 5, 6000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(to_bytes(out[0]), annexb({idr_slice(40)}));
  EXPECT_EQ(to_bytes(out[1]), annexb({p_slice(40)}));
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out[1]));
  EXPECT_GE(stat(h.get(), "packets-lost"), 1u);
  unref_all(out);
}

TEST(RtpH264Depay2, WaitForKeyframeDropsUntilAKeyframe) {
  auto h =
      make_depay("video/x-h264,stream-format=byte-stream,alignment=au", "wait-for-keyframe=true");
  gst_harness_push(h.get(), rtp_packet(p_slice(40), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(p_slice(40), 2, 3000, true, 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 3, 6000, true, 0));
  gst_harness_push(h.get(), rtp_packet(p_slice(40), 4, 9000, true, 0));
  // Loss: wait again.
  gst_harness_push(h.get(), rtp_packet(p_slice(40), 6, 15000, true, 0));
  gst_harness_push(h.get(), rtp_packet(idr_slice(41), 7, 18000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(to_bytes(out[0]), annexb({idr_slice(40)}));
  EXPECT_EQ(to_bytes(out[1]), annexb({p_slice(40)}));
  EXPECT_EQ(to_bytes(out[2]), annexb({idr_slice(41)}));
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out[2]));
  unref_all(out);
}

TEST(RtpH264Depay2, RequestKeyframeAsksOncePerLoss) {
  auto h =
      make_depay("video/x-h264,stream-format=byte-stream,alignment=au", "request-keyframe=true");
  const Bytes idr = idr_slice(3000);
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 1, 0, true, 0));
  EXPECT_EQ(upstream_force_key_units(h.get()), 0);
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 1, 1400, true, false), 2, 3000, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 2801, 199, false, true), 4, 3000, true, 0));
  gst_harness_push(h.get(), rtp_packet(p_slice(40), 6, 6000, true, 0));  // more loss
  EXPECT_EQ(upstream_force_key_units(h.get()), 1);
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 7, 9000, true, 0));
  EXPECT_EQ(upstream_force_key_units(h.get()), 0);
}

TEST(RtpH264Depay2, NoKeyframeRequestWithoutTheProperty) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au");
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(p_slice(40), 5, 3000, true, 0));
  EXPECT_EQ(upstream_force_key_units(h.get()), 0);
}

TEST(RtpH264Depay2, MaxFragmentationUnitSizeBoundsReassembly) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au",
                      "max-fragmentation-unit-size=2000");
  const Bytes idr = idr_slice(4201);
  for (std::uint16_t i = 0; i < 3; ++i)
    gst_harness_push(
        h.get(), rtp_packet(fu_a(idr, 1 + i * 1400u, 1400, i == 0, i == 2), i + 1, 0, i == 2, 0));
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 4, 3000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), annexb({idr_slice(40)}));
  EXPECT_EQ(stat(h.get(), "dropped-fu-too-large"), 1u);
  unref_all(out);
}

struct BadPacket {
  const char *name;
  Bytes payload;
  const char *counter;
};

class RtpH264Depay2Bad : public ::testing::TestWithParam<BadPacket> {};

TEST_P(RtpH264Depay2Bad, IsDroppedCountedAndHarmless) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au");
  gst_harness_push(h.get(), rtp_packet(GetParam().payload, 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 2, 3000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u) << GetParam().name;
  EXPECT_EQ(to_bytes(out[0]), annexb({idr_slice(40)}));
  EXPECT_EQ(stat(h.get(), GetParam().counter), 1u) << GetParam().name;
  EXPECT_GE(stat(h.get(), "malformed-packets"), 1u);
  unref_all(out);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, RtpH264Depay2Bad,
    ::testing::Values(
        BadPacket{"empty", {}, "dropped-empty"},
        BadPacket{"stap truncated length", {24, 0x00}, "dropped-truncated"},
        BadPacket{"stap length overruns", {24, 0x00, 0x10, 0x67, 0x42}, "dropped-bad-aggregate"},
        BadPacket{"fu header missing", {28}, "dropped-truncated"},
        BadPacket{"fu without start", {0x7c, 0x05, 1, 2, 3}, "dropped-fu-without-start"},
        BadPacket{"fu start and end", {0x7c, 0xc5, 1, 2, 3}, "dropped-fu-start-and-end"},
        BadPacket{"reserved type 0", {0x00, 1, 2}, "dropped-reserved-type"},
        BadPacket{"reserved type 30", {0x1e, 1, 2}, "dropped-reserved-type"},
        BadPacket{"reserved type 31", {0x1f, 1, 2}, "dropped-reserved-type"}),
    [](const auto &param_info) {
      std::string n = param_info.param.name;
      for (char &c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

TEST(RtpH264Depay2, InvalidRtpIsDroppedByTheBase) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au");
  const guint8 junk[] = {0x00, 0x01, 0x02};
  gst_harness_push(h.get(), gst_buffer_new_memdup(junk, sizeof junk));
  EXPECT_EQ(stat(h.get(), "packets-invalid"), 1u);
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
}

TEST(RtpH264Depay2, InterleavedModeOutputsDecodingOrder) {
  const char *in =
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,"
      "packetization-mode=(string)2,sprop-interleaving-depth=(string)2";
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au", "", in);
  // STAP-B: type 25, DON 16 bits, then 16-bit size + NAL units with consecutive DONs.
  auto stap_b = [](std::uint16_t don, const std::vector<Bytes> &nals) {
    Bytes out = {25, static_cast<std::uint8_t>(don >> 8), static_cast<std::uint8_t>(don)};
    for (const Bytes &n : nals) {
      out.push_back(static_cast<std::uint8_t>(n.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(n.size()));
      out.insert(out.end(), n.begin(), n.end());
    }
    return out;
  };
  // Decoding order: DON 0 SPS, 1 PPS, 2 IDR (ts 0), 3 P (ts 6000), 4 P (ts 3000).
  // Sent in the order 3, 0-2, 4.
  gst_harness_push(h.get(), rtp_packet(stap_b(3, {p_slice(30)}), 1, 6000, false, 0));
  gst_harness_push(h.get(), rtp_packet(stap_b(0, {sps(), pps(), idr_slice(30)}), 2, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(stap_b(4, {p_slice(31)}), 3, 3000, false, 0));
  gst_harness_push_event(h.get(), gst_event_new_eos());
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(to_bytes(out[0]), annexb({sps(), pps(), idr_slice(30)}));
  EXPECT_EQ(to_bytes(out[1]), annexb({p_slice(30)}));
  EXPECT_EQ(to_bytes(out[2]), annexb({p_slice(31)}));
  unref_all(out);
}

TEST(RtpH264Depay2, FlushForgetsAPartialFragment) {
  auto h = make_depay("video/x-h264,stream-format=byte-stream,alignment=au");
  const Bytes idr = idr_slice(3000);
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 1, 1400, true, false), 1, 0, false, 0));
  gst_harness_push_event(h.get(), gst_event_new_flush_start());
  gst_harness_push_event(h.get(), gst_event_new_flush_stop(TRUE));
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_harness_push_event(h.get(), gst_event_new_segment(&seg));
  gst_harness_push(h.get(), rtp_packet(fu_a(idr, 1401, 1599, false, true), 2, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(idr_slice(40), 3, 3000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), annexb({idr_slice(40)}));
  unref_all(out);
}

TEST(RtpH264Depay2, RoundTripThroughRtph264pay2) {
  HarnessPtr h(
      gst_harness_new_parse("rtph264pay2 mtu=600 aggregate-mode=zero-latency ! "
                            "rtph264depay2"));
  gst_harness_set_src_caps_str(h.get(), "video/x-h264,stream-format=byte-stream,alignment=au");
  gst_harness_set_sink_caps_str(h.get(), "video/x-h264,stream-format=byte-stream,alignment=au");
  const std::vector<Bytes> au1 = {sps(), pps(), idr_slice(2500, true), idr_slice(700, false)};
  const std::vector<Bytes> au2 = {p_slice(1), p_slice(1300, false)};
  gst_harness_push(h.get(), buffer(annexb(au1), 0));
  gst_harness_push(h.get(), buffer(annexb(au2), GST_SECOND / 25, true));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(to_bytes(out[0]), annexb(au1));
  EXPECT_EQ(to_bytes(out[1]), annexb(au2));
  unref_all(out);
}

TEST(RtpH264Depay2, AvcNalAlignmentOutputsLengthPrefixedUnits) {
  auto h = make_depay("video/x-h264,stream-format=avc,alignment=nal");
  gst_harness_push(h.get(), rtp_packet(stap_a({sps(), pps(), idr_slice(60)}), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(idr_slice(70, false), 2, 0, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);  // parameter sets travel in codec_data
  EXPECT_EQ(to_bytes(out[0]), length_prefixed({idr_slice(60)}));
  EXPECT_EQ(to_bytes(out[1]), length_prefixed({idr_slice(70, false)}));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(out[0], GST_BUFFER_FLAG_MARKER));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out[1], GST_BUFFER_FLAG_MARKER));
  EXPECT_EQ(caps_field(h.get(), "stream-format"), "avc");
  EXPECT_EQ(caps_field(h.get(), "alignment"), "nal");
  unref_all(out);
}

TEST(RtpH264Depay2, UnknownPacketizationModeIsAClearError) {
  HarnessPtr h(gst_harness_new("rtph264depay2"));
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_set_sink_caps_str(h.get(), "video/x-h264,stream-format=byte-stream,alignment=au");
  gst_harness_set_src_caps_str(h.get(),
                               "application/x-rtp,media=video,clock-rate=90000,"
                               "encoding-name=H264,packetization-mode=(string)7");
  EXPECT_NE(gst_harness_push(h.get(), rtp_packet(idr_slice(40), 1, 0, true, 0)), GST_FLOW_OK);
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError *err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  EXPECT_NE(std::string(err->message).find("packetization-mode"), std::string::npos)
      << err->message;
  g_error_free(err);
  gst_message_unref(m);
  gst_element_set_bus(h->element, nullptr);
  gst_object_unref(bus);
}

TEST(RtpH264Depay2, DefaultOutputIsAvcAuAsRtph264depay) {
  HarnessPtr h(gst_harness_new("rtph264depay2"));
  gst_harness_set_src_caps_str(h.get(), kRtpCaps);
  gst_harness_push(h.get(), rtp_packet(stap_a({sps(), pps()}), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(idr_slice(60), 2, 0, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(caps_field(h.get(), "stream-format"), "avc");
  EXPECT_EQ(caps_field(h.get(), "alignment"), "au");
  EXPECT_EQ(to_bytes(out[0]), length_prefixed({idr_slice(60)}));
  unref_all(out);
}
