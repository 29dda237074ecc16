// rtph265depay2 element behaviour through GstHarness: packet types (single,
// AP, FU, PACI, DONL), output formats by negotiation, loss handling, keyframe
// options, bad input, flush and EOS.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

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
using fixtures::pull_buffers;
using fixtures::unref_all;

namespace {

constexpr const char *kRtpCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265";
constexpr const char *kByteStreamAu = "video/x-h265,stream-format=byte-stream,alignment=au";

std::string sprop_caps(const std::string &extra = "") {
  return std::string(kRtpCaps) + ",sprop-vps=(string)\"" + sprop_vps() + "\",sprop-sps=(string)\"" +
         sprop_sps() + "\",sprop-pps=(string)\"" + sprop_pps() + "\"" + extra;
}

HarnessPtr make_depay(const char *out_caps, const char *props = "",
                      const std::string &in_caps = kRtpCaps) {
  HarnessPtr h(gst_harness_new("rtph265depay2"));
  set_props(h->element, props);
  gst_harness_set_sink_caps_str(h.get(), out_caps);
  gst_harness_set_src_caps_str(h.get(), in_caps.c_str());
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

Bytes codec_data_of(GstHarness *h) {
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return {};
  const GValue *cd = gst_structure_get_value(gst_caps_get_structure(caps, 0), "codec_data");
  Bytes out = cd ? to_bytes(gst_value_get_buffer(cd)) : Bytes{};
  gst_caps_unref(caps);
  return out;
}

}  // namespace

TEST(RtpH265Depay2, ApAndFuBecomeOneByteStreamAccessUnit) {
  auto h = make_depay(kByteStreamAu);
  const Bytes big = idr(3000);
  gst_harness_push(h.get(), rtp_packet(ap({vps(), sps(), pps()}), 1, 9000, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu(big, 0, 1400, true, false), 2, 9000, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu(big, 1400, 1400, false, false), 3, 9000, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu(big, 2800, 198, false, true), 4, 9000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), annexb({vps(), sps(), pps(), big}));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(out[0], GST_BUFFER_FLAG_DELTA_UNIT));
  EXPECT_EQ(caps_field(h.get(), "stream-format"), "byte-stream");
  EXPECT_EQ(caps_field(h.get(), "alignment"), "au");
  unref_all(out);
}

TEST(RtpH265Depay2, TypeNameDiffersFromGstPluginsGood) {
  HarnessPtr h(gst_harness_new("rtph265depay2"));
  EXPECT_STREQ(G_OBJECT_TYPE_NAME(h->element), "GstSrtRtpH265Depay2");
  gboolean wait = TRUE, request = TRUE;
  guint max_fu = 0;
  g_object_get(h->element, "wait-for-keyframe", &wait, "request-keyframe", &request,
               "max-fragmentation-unit-size", &max_fu, nullptr);
  EXPECT_FALSE(wait);
  EXPECT_FALSE(request);
  EXPECT_EQ(max_fu, 4u << 20);
}

// Every output the source template offers, chosen by what downstream accepts.
struct OutputCase {
  const char *name;
  const char *format;
  const char *alignment;
};

class RtpH265Depay2Output : public ::testing::TestWithParam<OutputCase> {};

TEST_P(RtpH265Depay2Output, NegotiatedFormatAndContent) {
  const OutputCase &c = GetParam();
  const std::string out_caps =
      std::string("video/x-h265,stream-format=") + c.format + ",alignment=" + c.alignment;
  auto h = make_depay(out_caps.c_str());
  gst_harness_push(h.get(), rtp_packet(ap({vps(), sps(), pps()}), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(idr(200), 2, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(trail(100), 3, 3000, true, GST_SECOND / 30));
  auto out = pull_buffers(h.get());
  EXPECT_EQ(caps_field(h.get(), "stream-format"), c.format);
  EXPECT_EQ(caps_field(h.get(), "alignment"), c.alignment);
  const std::string fmt = c.format;
  const bool nal = std::string(c.alignment) == "nal";
  std::vector<Bytes> units = {vps(), sps(), pps(), idr(200)};
  if (fmt == "hvc1") units = {idr(200)};  // parameter sets only in codec_data
  auto frame = [&](const std::vector<Bytes> &n) {
    return fmt == "byte-stream" ? annexb(n) : length_prefixed(n);
  };
  std::vector<Bytes> want;
  if (nal) {
    for (const Bytes &u : units) want.push_back(frame({u}));
  } else {
    want.push_back(frame(units));
  }
  want.push_back(frame({trail(100)}));
  std::vector<Bytes> got;
  for (GstBuffer *b : out) got.push_back(to_bytes(b));
  EXPECT_EQ(got, want);
  ASSERT_EQ(out.size(), want.size());
  // The last buffer of each access unit is marked; the trail picture is a delta unit.
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out[want.size() - 2], GST_BUFFER_FLAG_MARKER));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out.back(), GST_BUFFER_FLAG_DELTA_UNIT));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(out[want.size() - 2], GST_BUFFER_FLAG_DELTA_UNIT));
  if (fmt == "byte-stream") {
    EXPECT_TRUE(codec_data_of(h.get()).empty());
  } else {
    Bytes cd = hvcc();
    if (fmt == "hvc1") {  // array_completeness: no parameter sets in-band
      cd[23] |= 0x80;
      cd[52] |= 0x80;
      cd[106] |= 0x80;
    }
    EXPECT_EQ(codec_data_of(h.get()), cd);
  }
  unref_all(out);
}

INSTANTIATE_TEST_SUITE_P(Formats, RtpH265Depay2Output,
                         ::testing::Values(OutputCase{"bytestream_au", "byte-stream", "au"},
                                           OutputCase{"bytestream_nal", "byte-stream", "nal"},
                                           OutputCase{"hvc1_au", "hvc1", "au"},
                                           OutputCase{"hvc1_nal", "hvc1", "nal"},
                                           OutputCase{"hev1_au", "hev1", "au"},
                                           OutputCase{"hev1_nal", "hev1", "nal"}),
                         [](const ::testing::TestParamInfo<OutputCase> &param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(RtpH265Depay2, PrefersHvc1WhenDownstreamTakesAnything) {
  auto h = make_depay("video/x-h265");
  gst_harness_push(h.get(), rtp_packet(ap({vps(), sps(), pps()}), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(idr(50), 2, 0, true, 0));
  EXPECT_EQ(caps_field(h.get(), "stream-format"), "hvc1");
  EXPECT_EQ(caps_field(h.get(), "alignment"), "au");
}

TEST(RtpH265Depay2, Hvc1OutputFromSpropBeforeAnyInBandSets) {
  auto h = make_depay("video/x-h265,stream-format=hvc1,alignment=au", "", sprop_caps());
  gst_harness_push(h.get(), rtp_packet(idr(100), 1, 0, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), length_prefixed({idr(100)}));
  EXPECT_EQ(codec_data_of(h.get()).size(), hvcc().size());
  unref_all(out);
}

TEST(RtpH265Depay2, Hvc1WithoutParameterSetsOutputsNothing) {
  auto h = make_depay("video/x-h265,stream-format=hvc1,alignment=au");
  gst_harness_push(h.get(), rtp_packet(idr(100), 1, 0, true, 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  EXPECT_EQ(stat(h.get(), "dropped-no-codec-data"), 1u);
}

TEST(RtpH265Depay2, ByteStreamGetsSpropParameterSetsBeforeEveryKeyframe) {
  auto h = make_depay(kByteStreamAu, "", sprop_caps());
  gst_harness_push(h.get(), rtp_packet(idr(100), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(trail(100), 2, 3000, true, 0));
  gst_harness_push(h.get(), rtp_packet(cra(100), 3, 6000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(to_bytes(out[0]), annexb({vps(), sps(), pps(), idr(100)}));
  EXPECT_EQ(to_bytes(out[1]), annexb({trail(100)}));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out[1], GST_BUFFER_FLAG_DELTA_UNIT));
  EXPECT_EQ(to_bytes(out[2]), annexb({vps(), sps(), pps(), cra(100)}));
  EXPECT_EQ(stat(h.get(), "parameter-set-insertions"), 2u);
  unref_all(out);
}

TEST(RtpH265Depay2, TimestampsComeFromRtpTime) {
  auto h = make_depay(kByteStreamAu);
  gst_harness_push(h.get(), rtp_packet(idr(50), 1, 90000, true, GST_SECOND));
  gst_harness_push(h.get(), rtp_packet(trail(50), 2, 90000 + 45000, true));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(GST_BUFFER_PTS(out[0]), GST_SECOND);
  EXPECT_EQ(GST_BUFFER_PTS(out[1]), GST_SECOND + GST_SECOND / 2);
  unref_all(out);
}

// gst-plugins-good's rtph265depay assumes no DONL and mis-parses such streams.
TEST(RtpH265Depay2, DonlStreamIsReorderedIntoDecodingOrder) {
  auto h = make_depay(
      kByteStreamAu, "",
      std::string(kRtpCaps) + ",sprop-max-don-diff=(string)2,sprop-depack-buf-nalus=(string)2");
  // Decoding order: DON 0..2 parameter sets (AP with DOND), 3 IDR (FU, DONL in
  // the first fragment), 4 P (ts 6000), 5 B (ts 3000). Sent: 4, 0-2, 3, 5.
  const Bytes key = idr(2000), p = trail(60, true, 7), b = trail(60, true, 8);
  Bytes ap_donl = {48 << 1, 1, 0, 0};
  for (std::size_t i = 0; i < 3; ++i) {
    const Bytes n = i == 0 ? vps() : i == 1 ? sps() : pps();
    if (i > 0) ap_donl.push_back(0);  // DOND 0: DON + 1
    ap_donl.push_back(static_cast<std::uint8_t>(n.size() >> 8));
    ap_donl.push_back(static_cast<std::uint8_t>(n.size()));
    ap_donl.insert(ap_donl.end(), n.begin(), n.end());
  }
  gst_harness_push(h.get(), rtp_packet(single_donl(p, 4), 1, 6000, true, 0));
  gst_harness_push(h.get(), rtp_packet(ap_donl, 2, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu(key, 0, 1000, true, false, 3), 3, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu(key, 1000, 998, false, true), 4, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(single_donl(b, 5), 5, 3000, true, 0));
  gst_harness_push_event(h.get(), gst_event_new_eos());
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(to_bytes(out[0]), annexb({vps(), sps(), pps(), key}));
  EXPECT_EQ(to_bytes(out[1]), annexb({p}));
  EXPECT_EQ(to_bytes(out[2]), annexb({b}));
  unref_all(out);
}

TEST(RtpH265Depay2, InvalidMaxDonDiffIsRejected) {
  HarnessPtr h(gst_harness_new("rtph265depay2"));
  gst_harness_set_sink_caps_str(h.get(), kByteStreamAu);
  gst_harness_set_src_caps_str(h.get(),
                               (std::string(kRtpCaps) + ",sprop-max-don-diff=40000").c_str());
  EXPECT_NE(gst_harness_push(h.get(), rtp_packet(idr(10), 1, 0, true, 0)), GST_FLOW_OK);
}

// gst-plugins-good's rtph265depay errors out on PACI packets.
TEST(RtpH265Depay2, PaciPacketsAreUnwrapped) {
  auto h = make_depay(kByteStreamAu);
  const Bytes big = idr(600);
  // TSCI in the PHES (F0 would say so; it is skipped either way).
  const Bytes phes = {0x12, 0x34, 0xc0};
  gst_harness_push(h.get(), rtp_packet(paci(ap({vps(), sps(), pps()}), phes), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(paci(fu(big, 0, 300, true, false), phes), 2, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(fu(big, 300, 298, false, true), 3, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(paci(trail(40), {}), 4, 3000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(to_bytes(out[0]), annexb({vps(), sps(), pps(), big}));
  EXPECT_EQ(to_bytes(out[1]), annexb({trail(40)}));
  EXPECT_EQ(stat(h.get(), "paci-packets"), 3u);
  EXPECT_EQ(stat(h.get(), "malformed-packets"), 0u);
  unref_all(out);
}

TEST(RtpH265Depay2, LostFragmentDropsTheUnitAndMarksDiscont) {
  auto h = make_depay(kByteStreamAu);
  const Bytes big = idr(3000);
  gst_harness_push(h.get(), rtp_packet(idr(40), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(fu(big, 0, 1400, true, false), 2, 3000, false, 0));
  // seq 3 lost
  gst_harness_push(h.get(), rtp_packet(fu(big, 2800, 198, false, true), 4, 3000, true, 0));
  gst_harness_push(h.get(), rtp_packet(trail(40), 5, 6000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(to_bytes(out[1]), annexb({trail(40)}));
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out[1]));
  EXPECT_GE(stat(h.get(), "packets-lost"), 1u);
  unref_all(out);
}

TEST(RtpH265Depay2, WaitForKeyframeDropsUntilAKeyframe) {
  auto h = make_depay(kByteStreamAu, "wait-for-keyframe=true");
  gst_harness_push(h.get(), rtp_packet(trail(40), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(trail(40), 2, 3000, true, 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push(h.get(), rtp_packet(cra(40), 3, 6000, true, 0));
  gst_harness_push(h.get(), rtp_packet(trail(40), 4, 9000, true, 0));
  gst_harness_push(h.get(), rtp_packet(trail(40), 6, 15000, true, 0));  // loss: wait again
  gst_harness_push(h.get(), rtp_packet(idr(41), 7, 18000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(to_bytes(out[0]), annexb({cra(40)}));
  EXPECT_EQ(to_bytes(out[2]), annexb({idr(41)}));
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out[2]));
  EXPECT_EQ(stat(h.get(), "dropped-waiting-keyframe"), 3u);
  unref_all(out);
}

TEST(RtpH265Depay2, RequestKeyframeAsksOncePerLoss) {
  auto h = make_depay(kByteStreamAu, "request-keyframe=true");
  gst_harness_push(h.get(), rtp_packet(idr(40), 1, 0, true, 0));
  EXPECT_EQ(upstream_force_key_units(h.get()), 0);
  gst_harness_push(h.get(), rtp_packet(trail(40), 3, 3000, true, 0));  // seq 2 lost
  gst_harness_push(h.get(), rtp_packet(trail(40), 5, 6000, true, 0));  // more loss
  EXPECT_EQ(upstream_force_key_units(h.get()), 1);
  gst_harness_push(h.get(), rtp_packet(idr(40), 6, 9000, true, 0));
  EXPECT_EQ(upstream_force_key_units(h.get()), 0);
  EXPECT_EQ(stat(h.get(), "keyframe-requests"), 1u);
}

TEST(RtpH265Depay2, NoKeyframeRequestWithoutTheProperty) {
  auto h = make_depay(kByteStreamAu);
  gst_harness_push(h.get(), rtp_packet(idr(40), 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(trail(40), 5, 3000, true, 0));
  EXPECT_EQ(upstream_force_key_units(h.get()), 0);
}

TEST(RtpH265Depay2, MaxFragmentationUnitSizeBoundsReassembly) {
  auto h = make_depay(kByteStreamAu, "max-fragmentation-unit-size=2000");
  const Bytes big = idr(4202);
  for (std::uint16_t i = 0; i < 3; ++i)
    gst_harness_push(h.get(),
                     rtp_packet(fu(big, i * 1400u, 1400, i == 0, i == 2), i + 1, 0, i == 2, 0));
  gst_harness_push(h.get(), rtp_packet(idr(40), 4, 3000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), annexb({idr(40)}));
  EXPECT_EQ(stat(h.get(), "dropped-fu-too-large"), 1u);
  unref_all(out);
}

struct BadPacket {
  const char *name;
  Bytes payload;
  const char *counter;
};

class RtpH265Depay2Bad : public ::testing::TestWithParam<BadPacket> {};

TEST_P(RtpH265Depay2Bad, IsDroppedCountedAndHarmless) {
  auto h = make_depay(kByteStreamAu);
  gst_harness_push(h.get(), rtp_packet(GetParam().payload, 1, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(idr(40), 2, 3000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u) << GetParam().name;
  EXPECT_EQ(to_bytes(out[0]), annexb({idr(40)}));
  EXPECT_EQ(stat(h.get(), GetParam().counter), 1u) << GetParam().name;
  EXPECT_EQ(stat(h.get(), "malformed-packets"), 1u);
  unref_all(out);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, RtpH265Depay2Bad,
    ::testing::Values(
        BadPacket{"empty", {}, "dropped-empty"},
        BadPacket{"truncated_header", {0x26}, "dropped-truncated"},
        BadPacket{"forbidden_bit", {0xa6, 0x01, 0x80, 1}, "dropped-forbidden-bit"},
        BadPacket{"tid_zero", {0x26, 0x00, 0x80, 1}, "dropped-tid-zero"},
        BadPacket{"reserved_type_51", {51 << 1, 1, 2, 3}, "dropped-reserved-type"},
        BadPacket{"reserved_type_63", {63 << 1, 1, 2, 3}, "dropped-reserved-type"},
        BadPacket{
            "ap_length_overruns", {48 << 1, 1, 0x00, 0x10, 0x44, 0x01}, "dropped-bad-aggregate"},
        BadPacket{"ap_truncated_length",
                  {48 << 1, 1, 0x00, 0x06, 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x09, 0x00},
                  "dropped-bad-aggregate"},
        BadPacket{"fu_header_missing", {49 << 1, 1}, "dropped-truncated"},
        BadPacket{"fu_without_start", {49 << 1, 1, 0x13, 1, 2, 3}, "dropped-fu-without-start"},
        BadPacket{"fu_start_and_end", {49 << 1, 1, 0xd3, 1, 2, 3}, "dropped-fu-start-and-end"},
        BadPacket{"paci_nested", {50 << 1, 1, 50 << 1, 0x00, 1, 2}, "dropped-bad-paci"},
        BadPacket{"paci_phes_overruns", {50 << 1, 1, 1 << 1, 0x40, 1}, "dropped-truncated"}),
    [](const ::testing::TestParamInfo<BadPacket> &param_info) {
      return std::string(param_info.param.name);
    });

TEST(RtpH265Depay2, FlushForgetsAPartialFragment) {
  auto h = make_depay(kByteStreamAu);
  const Bytes big = idr(3000);
  gst_harness_push(h.get(), rtp_packet(fu(big, 0, 1400, true, false), 1, 0, false, 0));
  gst_harness_push_event(h.get(), gst_event_new_flush_start());
  gst_harness_push_event(h.get(), gst_event_new_flush_stop(TRUE));
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_harness_push_event(h.get(), gst_event_new_segment(&seg));
  gst_harness_push(h.get(), rtp_packet(fu(big, 1400, 1598, false, true), 2, 0, true, 0));
  gst_harness_push(h.get(), rtp_packet(idr(40), 3, 3000, true, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), annexb({idr(40)}));
  unref_all(out);
}

TEST(RtpH265Depay2, EosOutputsTheAccessUnitWithoutMarker) {
  auto h = make_depay(kByteStreamAu);
  gst_harness_push(h.get(), rtp_packet(idr(40), 1, 0, false, 0));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  gst_harness_push_event(h.get(), gst_event_new_eos());
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_bytes(out[0]), annexb({idr(40)}));
  unref_all(out);
}

TEST(RtpH265Depay2, RoundTripThroughRtph265pay2) {
  HarnessPtr h(
      gst_harness_new_parse("rtph265pay2 mtu=600 aggregate-mode=zero-latency ! "
                            "rtph265depay2"));
  gst_harness_set_src_caps_str(h.get(), "video/x-h265,stream-format=byte-stream,alignment=au");
  gst_harness_set_sink_caps_str(h.get(), kByteStreamAu);
  const std::vector<Bytes> au1 = {vps(), sps(), pps(), idr(2500, true), idr(700, false)};
  const std::vector<Bytes> au2 = {trail(3), trail(1300, false)};
  gst_harness_push(h.get(), buffer(annexb(au1), 0));
  gst_harness_push(h.get(), buffer(annexb(au2), GST_SECOND / 25, true));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(to_bytes(out[0]), annexb(au1));
  EXPECT_EQ(to_bytes(out[1]), annexb(au2));
  unref_all(out);
}
