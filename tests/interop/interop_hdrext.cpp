// RFC 8285 header extensions through our payloader and depayloader bases,
// against gst-plugins-good 1.22: each rtphdrext* element writes through our
// payloader into the C depayloader and through the C payloader into ours,
// and the value is checked where it lands (a meta, the extension's property,
// the src caps). Also the API the C bases have (properties, signals,
// extmap-N caps, auto-header-extension), and damaged blocks (dropped and
// counted, payload kept).
#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "h264_fixtures.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif

namespace {

using Bytes = std::vector<std::uint8_t>;
using fixtures::HarnessPtr;

constexpr GstClockTime kMs = GST_MSECOND;
constexpr const char *kG722 = "audio/G722,rate=16000,channels=1";
constexpr const char *kG722Rtp =
    "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9";

struct ObjectUnref {
  void operator()(gpointer p) const { gst_object_unref(p); }
};
using ExtPtr = std::unique_ptr<GstRTPHeaderExtension, ObjectUnref>;

bool have(const char *factory) {
  GstElementFactory *f = gst_element_factory_find(factory);
  if (f) gst_object_unref(f);
  return f != nullptr;
}

#define REQUIRE_ELEMENTS(...)            \
  for (const char *name : {__VA_ARGS__}) \
    if (!have(name)) GTEST_SKIP() << name << " is not installed: skipped";

ExtPtr make_ext(const char *factory, guint id) {
  GstElement *e = gst_element_factory_make(factory, nullptr);
  if (!e) return {};
  gst_object_ref_sink(e);
  auto *ext = GST_RTP_HEADER_EXTENSION(e);
  gst_rtp_header_extension_set_id(ext, id);
  return ExtPtr(ext);
}

void add_ext(GstHarness *h, GstRTPHeaderExtension *ext) {
  g_signal_emit_by_name(h->element, "add-extension", ext);
}

// Downstream caps (if any) first: elements choose their output from them
// when their input caps arrive.
HarnessPtr harness(const char *factory, const char *src_caps, const char *sink_caps = nullptr) {
  GstHarness *h = gst_harness_new(factory);
  if (sink_caps) gst_harness_set_sink_caps_str(h, sink_caps);
  gst_harness_set_src_caps_str(h, src_caps);
  return HarnessPtr(h);
}

// An H.264 payloader and depayloader, each with its own `ext_factory`
// extension of id `id` (writer on the payloader, reader on the depayloader).
struct H264ExtPair {
  HarnessPtr pay, depay;
  ExtPtr writer, reader;
};

H264ExtPair h264_ext_pair(const char *pay, const char *depay, const std::string &pay_caps,
                          const char *ext_factory, guint id) {
  H264ExtPair p{harness(pay, pay_caps.c_str()),
                harness(depay, "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264",
                        "video/x-h264,stream-format=byte-stream,alignment=au"),
                make_ext(ext_factory, id), make_ext(ext_factory, id)};
  add_ext(p.pay.get(), p.writer.get());
  add_ext(p.depay.get(), p.reader.get());
  return p;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return b;
}

using fixtures::pull_buffers;
using fixtures::unref_all;

// One element id's data in an RTP packet, read with GstRTPBuffer (not our parser).
std::optional<Bytes> ext_data(GstBuffer *packet, guint8 id) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(packet, GST_MAP_READ, &rtp)) return std::nullopt;
  gpointer data = nullptr;
  guint size = 0;
  std::optional<Bytes> out;
  guint16 bits = 0;
  guint8 appbits = 0;
  gpointer block = nullptr;
  guint words = 0;
  gst_rtp_buffer_get_extension_data(&rtp, &bits, &block, &words);
  if ((bits == 0xBEDE && gst_rtp_buffer_get_extension_onebyte_header(&rtp, id, 0, &data, &size)) ||
      ((bits >> 4) == 0x100 &&
       gst_rtp_buffer_get_extension_twobytes_header(&rtp, &appbits, id, 0, &data, &size))) {
    const auto *p = static_cast<const guint8 *>(data);
    out = Bytes(p, p + size);
  }
  gst_rtp_buffer_unmap(&rtp);
  return out;
}

guint16 ext_profile(GstBuffer *packet) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 bits = 0;
  if (gst_rtp_buffer_map(packet, GST_MAP_READ, &rtp)) {
    gpointer data;
    guint words;
    if (!gst_rtp_buffer_get_extension_data(&rtp, &bits, &data, &words)) bits = 0;
    gst_rtp_buffer_unmap(&rtp);
  }
  return bits;
}

// Pushes `count` 20 ms G.722 buffers (decorated by `decorate`) through
// pay, hands every packet to `on_packet` then to depay; returns the
// depayloader's output.
std::vector<GstBuffer *> relay(GstHarness *pay, GstHarness *depay, int count,
                               const std::function<void(GstBuffer *, int)> &decorate,
                               const std::function<void(GstBuffer *)> &on_packet = {}) {
  for (int i = 0; i < count; ++i) {
    const Bytes frame = pattern(160, static_cast<std::uint8_t>(i));
    GstBuffer *in = gst_buffer_new_memdup(frame.data(), frame.size());
    GST_BUFFER_PTS(in) = static_cast<GstClockTime>(i) * 20 * kMs;
    GST_BUFFER_DURATION(in) = 20 * kMs;
    if (decorate) decorate(in, i);
    EXPECT_EQ(gst_harness_push(pay, in), GST_FLOW_OK);
    for (GstBuffer *pkt : pull_buffers(pay)) {
      if (on_packet) on_packet(pkt);
      EXPECT_EQ(gst_harness_push(depay, pkt), GST_FLOW_OK);
    }
  }
  return pull_buffers(depay);
}

struct Pair {
  const char *pay;
  const char *depay;
};

class HdrextG722 : public ::testing::TestWithParam<Pair> {
 protected:
  void SetUp() override {
    REQUIRE_ELEMENTS(GetParam().pay, GetParam().depay);
    pay_ = harness(GetParam().pay, kG722);
    depay_ = harness(GetParam().depay, kG722Rtp);
  }
  // Same G.722 frames out as in: the extensions never cost payload.
  void expect_payloads(const std::vector<GstBuffer *> &out, int count) {
    ASSERT_EQ(out.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i)
      EXPECT_EQ(fixtures::to_bytes(out[i]), pattern(160, static_cast<std::uint8_t>(i))) << i;
  }
  HarnessPtr pay_, depay_;
};

GstCaps *ntp_caps() {
  return gst_caps_from_string("timestamp/x-ntp");
}
GstClockTime ntp_time(int i) {
  return (3900000000ull + i) * GST_SECOND + i * 1234567ull;
}

TEST_P(HdrextG722, Ntp64TimestampArrivesAsMeta) {
  REQUIRE_ELEMENTS("rtphdrextntp64");
  auto w = make_ext("rtphdrextntp64", 1);
  auto r = make_ext("rtphdrextntp64", 1);
  g_object_set(w.get(), "every-packet", TRUE, nullptr);
  add_ext(pay_.get(), w.get());
  add_ext(depay_.get(), r.get());
  GstCaps *caps = ntp_caps();
  auto out = relay(pay_.get(), depay_.get(), 5, [&](GstBuffer *b, int i) {
    gst_buffer_add_reference_timestamp_meta(b, caps, ntp_time(i), GST_CLOCK_TIME_NONE);
  });
  expect_payloads(out, 5);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto *m = gst_buffer_get_reference_timestamp_meta(out[i], caps);
    ASSERT_NE(m, nullptr) << i;
    // 64-bit NTP has 2^-32 s steps: back in ns within one.
    EXPECT_LE(std::max(m->timestamp, ntp_time(int(i))) - std::min(m->timestamp, ntp_time(int(i))),
              1u)
        << i;
  }
  gst_caps_unref(caps);
  unref_all(out);
}

TEST_P(HdrextG722, AudioLevelArrivesAsMeta) {
  REQUIRE_ELEMENTS("rtphdrextclientaudiolevel");
  auto w = make_ext("rtphdrextclientaudiolevel", 3);
  auto r = make_ext("rtphdrextclientaudiolevel", 3);
  add_ext(pay_.get(), w.get());
  add_ext(depay_.get(), r.get());
  auto out = relay(pay_.get(), depay_.get(), 6, [](GstBuffer *b, int i) {
    gst_buffer_add_audio_level_meta(b, static_cast<guint8>(20 * i + 7), i % 2 == 1);
  });
  expect_payloads(out, 6);
  for (std::size_t i = 0; i < out.size(); ++i) {
    GstAudioLevelMeta *m = gst_buffer_get_audio_level_meta(out[i]);
    ASSERT_NE(m, nullptr) << i;
    EXPECT_EQ(m->level, 20 * i + 7) << i;
    EXPECT_EQ(m->voice_activity, i % 2 == 1) << i;
  }
  unref_all(out);
}

std::string string_prop(GstRTPHeaderExtension *ext, const char *name) {
  gchar *v = nullptr;
  g_object_get(ext, name, &v, nullptr);
  std::string s = v ? v : "";
  g_free(v);
  return s;
}

TEST_P(HdrextG722, MidAndStreamIdsReachTheReader) {
  REQUIRE_ELEMENTS("rtphdrextmid", "rtphdrextstreamid", "rtphdrextrepairedstreamid");
  struct {
    const char *factory, *prop, *value;
    guint id;
  } exts[] = {{"rtphdrextmid", "mid", "audio0", 2},
              {"rtphdrextstreamid", "rid", "hi", 4},
              {"rtphdrextrepairedstreamid", "rid", "r1", 5}};
  std::vector<ExtPtr> readers;
  for (const auto &e : exts) {
    auto w = make_ext(e.factory, e.id);
    g_object_set(w.get(), e.prop, e.value, nullptr);
    add_ext(pay_.get(), w.get());
    readers.push_back(make_ext(e.factory, e.id));
    add_ext(depay_.get(), readers.back().get());
  }
  auto out = relay(pay_.get(), depay_.get(), 3, {});
  expect_payloads(out, 3);
  for (std::size_t i = 0; i < readers.size(); ++i)
    EXPECT_EQ(string_prop(readers[i].get(), exts[i].prop), exts[i].value) << exts[i].factory;
  unref_all(out);
}

TEST_P(HdrextG722, TwccCarriesTheSequenceNumber) {
  REQUIRE_ELEMENTS("rtphdrexttwcc");
  auto w = make_ext("rtphdrexttwcc", 6);
  auto r = make_ext("rtphdrexttwcc", 6);
  add_ext(pay_.get(), w.get());
  add_ext(depay_.get(), r.get());
  int checked = 0;
  auto out = relay(pay_.get(), depay_.get(), 4, {}, [&](GstBuffer *pkt) {
    const auto d = ext_data(pkt, 6);
    ASSERT_TRUE(d.has_value());
    ASSERT_EQ(d->size(), 2u);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    ASSERT_TRUE(gst_rtp_buffer_map(pkt, GST_MAP_READ, &rtp));
    EXPECT_EQ(((*d)[0] << 8) | (*d)[1], gst_rtp_buffer_get_seq(&rtp));
    gst_rtp_buffer_unmap(&rtp);
    ++checked;
  });
  EXPECT_EQ(checked, 4);
  expect_payloads(out, 4);
  unref_all(out);
}

TEST_P(HdrextG722, ThreeExtensionsInOnePacket) {
  REQUIRE_ELEMENTS("rtphdrextntp64", "rtphdrextclientaudiolevel", "rtphdrextmid");
  auto ntp_w = make_ext("rtphdrextntp64", 1), ntp_r = make_ext("rtphdrextntp64", 1);
  auto lvl_w = make_ext("rtphdrextclientaudiolevel", 3),
       lvl_r = make_ext("rtphdrextclientaudiolevel", 3);
  auto mid_w = make_ext("rtphdrextmid", 9), mid_r = make_ext("rtphdrextmid", 9);
  g_object_set(ntp_w.get(), "every-packet", TRUE, nullptr);
  g_object_set(mid_w.get(), "mid", "m3", nullptr);
  for (auto *e : {ntp_w.get(), lvl_w.get(), mid_w.get()}) add_ext(pay_.get(), e);
  for (auto *e : {ntp_r.get(), lvl_r.get(), mid_r.get()}) add_ext(depay_.get(), e);
  GstCaps *caps = ntp_caps();
  auto out = relay(
      pay_.get(), depay_.get(), 3,
      [&](GstBuffer *b, int i) {
        gst_buffer_add_reference_timestamp_meta(b, caps, ntp_time(i), GST_CLOCK_TIME_NONE);
        gst_buffer_add_audio_level_meta(b, static_cast<guint8>(40 + i), TRUE);
      },
      [](GstBuffer *pkt) {
        EXPECT_EQ(ext_profile(pkt), 0xBEDE);
        EXPECT_TRUE(ext_data(pkt, 1) && ext_data(pkt, 3) && ext_data(pkt, 9));
      });
  expect_payloads(out, 3);
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_NE(gst_buffer_get_reference_timestamp_meta(out[i], caps), nullptr);
    GstAudioLevelMeta *m = gst_buffer_get_audio_level_meta(out[i]);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->level, 40 + i);
  }
  EXPECT_EQ(string_prop(mid_r.get(), "mid"), "m3");
  gst_caps_unref(caps);
  unref_all(out);
}

// An id above 14 needs the two-byte form for every element of the packet.
TEST_P(HdrextG722, TwoByteFormForMixedIds) {
  REQUIRE_ELEMENTS("rtphdrextntp64", "rtphdrextmid");
  auto ntp_w = make_ext("rtphdrextntp64", 1), ntp_r = make_ext("rtphdrextntp64", 1);
  auto mid_w = make_ext("rtphdrextmid", 200), mid_r = make_ext("rtphdrextmid", 200);
  g_object_set(ntp_w.get(), "every-packet", TRUE, nullptr);
  g_object_set(mid_w.get(), "mid", "video7", nullptr);
  add_ext(pay_.get(), ntp_w.get());
  add_ext(pay_.get(), mid_w.get());
  add_ext(depay_.get(), ntp_r.get());
  add_ext(depay_.get(), mid_r.get());
  GstCaps *caps = ntp_caps();
  int packets = 0;
  auto out = relay(
      pay_.get(), depay_.get(), 3,
      [&](GstBuffer *b, int i) {
        gst_buffer_add_reference_timestamp_meta(b, caps, ntp_time(i), GST_CLOCK_TIME_NONE);
      },
      [&](GstBuffer *pkt) {
        EXPECT_EQ(ext_profile(pkt) >> 4, 0x100);
        const auto mid = ext_data(pkt, 200);
        ASSERT_TRUE(mid.has_value());
        EXPECT_EQ(std::string(mid->begin(), mid->end()), "video7");
        ++packets;
      });
  EXPECT_EQ(packets, 3);
  expect_payloads(out, 3);
  for (GstBuffer *b : out) {
    auto *m = gst_buffer_get_reference_timestamp_meta(b, caps);
    ASSERT_NE(m, nullptr);
  }
  EXPECT_EQ(string_prop(mid_r.get(), "mid"), "video7");
  gst_caps_unref(caps);
  unref_all(out);
}

INSTANTIATE_TEST_SUITE_P(Interop, HdrextG722,
                         ::testing::Values(Pair{"rtpg722pay2", "rtpg722depay"},
                                           Pair{"rtpg722pay", "rtpg722depay2"}),
                         [](const auto &p) {
                           return std::string(p.param.pay) + "_to_" + p.param.depay;
                         });

// Our own extension elements, registered by the plugin, with the C elements
// on either side.
TEST_P(HdrextG722, CsrcAudioLevelsArriveAsMeta) {
  REQUIRE_ELEMENTS("rtphdrextcsrcaudiolevel");
  auto w = make_ext("rtphdrextcsrcaudiolevel", 8);
  auto r = make_ext("rtphdrextcsrcaudiolevel", 8);
  add_ext(pay_.get(), w.get());
  add_ext(depay_.get(), r.get());
  auto levels_for = [](int i) { return std::vector<guint>{guint(10 + i), 127, guint(3 * i)}; };
  auto out = relay(pay_.get(), depay_.get(), 4, [&](GstBuffer *b, int i) {
    GstCustomMeta *m = gst_buffer_add_custom_meta(b, "SrtRtpCsrcAudioLevelMeta");
    ASSERT_NE(m, nullptr);
    GValue array = G_VALUE_INIT;
    gst_value_array_init(&array, 3);
    for (guint level : levels_for(i)) {
      GValue v = G_VALUE_INIT;
      g_value_init(&v, G_TYPE_UINT);
      g_value_set_uint(&v, level);
      gst_value_array_append_and_take_value(&array, &v);
    }
    gst_structure_take_value(gst_custom_meta_get_structure(m), "levels", &array);
  });
  expect_payloads(out, 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    GstCustomMeta *m = gst_buffer_get_custom_meta(out[i], "SrtRtpCsrcAudioLevelMeta");
    ASSERT_NE(m, nullptr) << i;
    const GValue *levels = gst_structure_get_value(gst_custom_meta_get_structure(m), "levels");
    ASSERT_NE(levels, nullptr);
    std::vector<guint> got;
    for (guint k = 0; k < gst_value_array_get_size(levels); ++k)
      got.push_back(g_value_get_uint(gst_value_array_get_value(levels, k)));
    EXPECT_EQ(got, levels_for(int(i))) << i;
  }
  unref_all(out);
}

// Video orientation: an image-orientation tag into our payloader comes out
// of our depayloader as a tag; with a C element on one side the value is
// set on, or read from, the extension's property.
class HdrextOrientation : public ::testing::TestWithParam<Pair> {};

std::string orientation_tag(GstHarness *h) {
  std::string found;
  while (GstEvent *e = gst_harness_try_pull_event(h)) {
    if (GST_EVENT_TYPE(e) == GST_EVENT_TAG) {
      GstTagList *tags = nullptr;
      gst_event_parse_tag(e, &tags);
      gchar *v = nullptr;
      if (gst_tag_list_get_string(tags, GST_TAG_IMAGE_ORIENTATION, &v)) found = v;
      g_free(v);
    }
    gst_event_unref(e);
  }
  return found;
}

TEST_P(HdrextOrientation, RotationAndFlipReachTheFarSide) {
  REQUIRE_ELEMENTS(GetParam().pay, GetParam().depay, "rtphdrextvideoorientation");
  const bool our_pay = g_str_has_suffix(GetParam().pay, "2");
  const bool our_depay = g_str_has_suffix(GetParam().depay, "2");
  auto pair = h264_ext_pair(GetParam().pay, GetParam().depay,
                            "video/x-h264,stream-format=byte-stream,alignment=au",
                            "rtphdrextvideoorientation", 11);
  auto &pay = pair.pay;
  auto &depay = pair.depay;
  auto &w = pair.writer;
  auto &r = pair.reader;
  using namespace fixtures;
  GstClockTime pts = 0;
  for (const char *orientation : {"rotate-90", "flip-rotate-270"}) {
    if (our_pay)
      gst_harness_push_event(pay.get(), gst_event_new_tag(gst_tag_list_new(
                                            GST_TAG_IMAGE_ORIENTATION, orientation, nullptr)));
    else
      g_object_set(w.get(), "image-orientation", orientation, nullptr);
    const Bytes frame = pts == 0 ? annexb({sps(), pps(), idr_slice(2000)}) : annexb({p_slice(900)});
    ASSERT_EQ(gst_harness_push(pay.get(), fixtures::buffer(frame, pts, pts > 0)), GST_FLOW_OK);
    pts += 33 * kMs;
    int marked = 0;
    for (GstBuffer *pkt : pull_buffers(pay.get())) {
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      ASSERT_TRUE(gst_rtp_buffer_map(pkt, GST_MAP_READ, &rtp));
      const bool marker = gst_rtp_buffer_get_marker(&rtp);
      gst_rtp_buffer_unmap(&rtp);
      EXPECT_EQ(ext_data(pkt, 11).has_value(), marker);  // on a frame's last packet only
      marked += marker;
      ASSERT_EQ(gst_harness_push(depay.get(), pkt), GST_FLOW_OK);
    }
    EXPECT_EQ(marked, 1);
    auto out = pull_buffers(depay.get());
    EXPECT_EQ(out.size(), 1u);
    unref_all(out);
    gchar *read = nullptr;
    g_object_get(r.get(), "image-orientation", &read, nullptr);
    EXPECT_STREQ(read, orientation);
    g_free(read);
    if (our_depay) {
      EXPECT_EQ(orientation_tag(depay.get()), orientation);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OwnExtension, HdrextOrientation,
                         ::testing::Values(Pair{"rtph264pay2", "rtph264depay2"},
                                           Pair{"rtph264pay2", "rtph264depay"},
                                           Pair{"rtph264pay", "rtph264depay2"}),
                         [](const auto &p) {
                           return std::string(p.param.pay) + "_to_" + p.param.depay;
                         });

TEST(HdrextOwnElements, CreatedFromExtmapCaps) {
  for (const char *uri :
       {"urn:3gpp:video-orientation", "urn:ietf:params:rtp-hdrext:csrc-audio-level"}) {
    GstRTPHeaderExtension *ext = gst_rtp_header_extension_create_from_uri(uri);
    ASSERT_NE(ext, nullptr) << uri;
    EXPECT_STREQ(gst_rtp_header_extension_get_uri(ext), uri);
    gst_object_unref(gst_object_ref_sink(ext));
  }
}

// Color space needs video: the extension reads colorimetry from the
// payloader's input caps and writes it on a frame's last packet; the reader
// puts it in the depayloader's output caps.
class HdrextColorspace : public ::testing::TestWithParam<Pair> {};

TEST_P(HdrextColorspace, ColorimetryReachesTheOutputCaps) {
  REQUIRE_ELEMENTS(GetParam().pay, GetParam().depay, "rtphdrextcolorspace");
  auto pair =
      h264_ext_pair(GetParam().pay, GetParam().depay,
                    "video/x-h264,stream-format=byte-stream,alignment=au,width=64,height=48,"
                    "framerate=30/1,colorimetry=bt709",
                    "rtphdrextcolorspace", 7);
  auto &pay = pair.pay;
  auto &depay = pair.depay;
  using namespace fixtures;
  const Bytes frames[] = {annexb({sps(), pps(), idr_slice(3000)}), annexb({p_slice(500)}),
                          annexb({p_slice(500)})};
  GstClockTime pts = 0;
  for (const Bytes &f : frames) {
    ASSERT_EQ(gst_harness_push(pay.get(), fixtures::buffer(f, pts, pts > 0)), GST_FLOW_OK);
    pts += 33 * kMs;
    for (GstBuffer *pkt : pull_buffers(pay.get()))
      ASSERT_EQ(gst_harness_push(depay.get(), pkt), GST_FLOW_OK);
  }
  auto out = pull_buffers(depay.get());
  EXPECT_GE(out.size(), 2u);
  EXPECT_EQ(fixtures::caps_field(depay.get(), "colorimetry"), "bt709")
      << fixtures::caps_string(depay.get());
  unref_all(out);
}

// HDR metadata in new input caps makes the colorspace extension two-byte
// only (28 bytes): the payloader must ask it again after the caps change
// and switch the block form, and the C reader must get the HDR fields.
TEST(HdrextColorspaceHdr, NewCapsWithHdrSwitchToTheTwoByteForm) {
  REQUIRE_ELEMENTS("rtph264pay2", "rtph264depay", "rtphdrextcolorspace");
  const std::string base =
      "video/x-h264,stream-format=byte-stream,alignment=au,width=64,height=48,framerate=30/1,";
  auto pair = h264_ext_pair("rtph264pay2", "rtph264depay", base + "colorimetry=bt709",
                            "rtphdrextcolorspace", 7);
  auto &pay = pair.pay;
  auto &depay = pair.depay;
  using namespace fixtures;
  GstClockTime pts = 0;
  // The profiles of the packets that carry the extension, frame by frame.
  auto send = [&](const Bytes &frame) {
    std::vector<guint16> profiles;
    EXPECT_EQ(gst_harness_push(pay.get(), fixtures::buffer(frame, pts, pts > 0)), GST_FLOW_OK);
    pts += 33 * kMs;
    for (GstBuffer *pkt : pull_buffers(pay.get())) {
      if (ext_data(pkt, 7)) profiles.push_back(ext_profile(pkt));
      EXPECT_EQ(gst_harness_push(depay.get(), pkt), GST_FLOW_OK);
    }
    return profiles;
  };
  EXPECT_EQ(send(annexb({sps(), pps(), idr_slice(3000)})), std::vector<guint16>{0xBEDE});
  gst_harness_set_src_caps_str(pay.get(),
                               (base + "colorimetry=bt2100-pq,"
                                       "mastering-display-info=(string)"
                                       "35400:14600:8500:39850:6550:2300:15635:16450:10000000:1,"
                                       "content-light-level=(string)1000:400")
                                   .c_str());
  for (int i = 0; i < 2; ++i) {
    const auto profiles = send(annexb({p_slice(500)}));
    ASSERT_EQ(profiles.size(), 1u) << "frame " << i;
    EXPECT_EQ(profiles[0] >> 4, 0x100) << "frame " << i;
  }
  auto out = pull_buffers(depay.get());
  EXPECT_EQ(out.size(), 3u);
  unref_all(out);
  EXPECT_EQ(fixtures::caps_field(depay.get(), "content-light-level"), "1000:400")
      << fixtures::caps_string(depay.get());
  EXPECT_FALSE(fixtures::caps_field(depay.get(), "mastering-display-info").empty())
      << fixtures::caps_string(depay.get());
}

INSTANTIATE_TEST_SUITE_P(Interop, HdrextColorspace,
                         ::testing::Values(Pair{"rtph264pay2", "rtph264depay"},
                                           Pair{"rtph264pay", "rtph264depay2"}),
                         [](const auto &p) {
                           return std::string(p.param.pay) + "_to_" + p.param.depay;
                         });

// The API of GstRTPBasePayload / GstRTPBaseDepayload, on all eight elements,
// compared with the C element it replaces.
struct Counterpart {
  const char *ours;
  const char *theirs;
};

class HdrextApi : public ::testing::TestWithParam<Counterpart> {};

void expect_same_signal(GType ours, GType theirs, const char *name) {
  GSignalQuery a, b;
  g_signal_query(g_signal_lookup(name, ours), &a);
  g_signal_query(g_signal_lookup(name, theirs), &b);
  ASSERT_NE(a.signal_id, 0u) << name;
  ASSERT_NE(b.signal_id, 0u) << name;
  EXPECT_EQ(a.signal_flags, b.signal_flags) << name;
  EXPECT_EQ(a.return_type, b.return_type) << name;
  ASSERT_EQ(a.n_params, b.n_params) << name;
  for (guint i = 0; i < a.n_params; ++i) EXPECT_EQ(a.param_types[i], b.param_types[i]) << name;
}

TEST_P(HdrextApi, PropertiesAndSignalsAsTheCElement) {
  REQUIRE_ELEMENTS(GetParam().ours, GetParam().theirs);
  GstElement *ours = gst_element_factory_make(GetParam().ours, nullptr);
  GstElement *theirs = gst_element_factory_make(GetParam().theirs, nullptr);
  GParamSpec *a = g_object_class_find_property(G_OBJECT_GET_CLASS(ours), "auto-header-extension");
  GParamSpec *b = g_object_class_find_property(G_OBJECT_GET_CLASS(theirs), "auto-header-extension");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->value_type, b->value_type);
  EXPECT_EQ(a->flags & G_PARAM_READWRITE, b->flags & G_PARAM_READWRITE);
  EXPECT_EQ(G_PARAM_SPEC_BOOLEAN(a)->default_value, G_PARAM_SPEC_BOOLEAN(b)->default_value);
  // "extensions" came with GStreamer 1.24: checked against its definition.
  GParamSpec *e = g_object_class_find_property(G_OBJECT_GET_CLASS(ours), "extensions");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(GST_IS_PARAM_SPEC_ARRAY_LIST(e));
  EXPECT_EQ(e->flags & G_PARAM_READWRITE, G_PARAM_READABLE);
  for (const char *sig : {"add-extension", "clear-extensions", "request-extension"})
    expect_same_signal(G_OBJECT_TYPE(ours), G_OBJECT_TYPE(theirs), sig);

  // add-extension / clear-extensions show in the extensions property.
  auto ext = make_ext("rtphdrextmid", 3);
  if (ext) {
    g_signal_emit_by_name(ours, "add-extension", ext.get());
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_ARRAY);
    g_object_get_property(G_OBJECT(ours), "extensions", &v);
    ASSERT_EQ(gst_value_array_get_size(&v), 1u);
    EXPECT_EQ(g_value_get_object(gst_value_array_get_value(&v, 0)), ext.get());
    g_value_unset(&v);
    g_signal_emit_by_name(ours, "clear-extensions");
    g_value_init(&v, GST_TYPE_ARRAY);
    g_object_get_property(G_OBJECT(ours), "extensions", &v);
    EXPECT_EQ(gst_value_array_get_size(&v), 0u);
    g_value_unset(&v);
  }
  gst_object_unref(ours);
  gst_object_unref(theirs);
}

INSTANTIATE_TEST_SUITE_P(AllElements, HdrextApi,
                         ::testing::Values(Counterpart{"rtph264pay2", "rtph264pay"},
                                           Counterpart{"rtph264depay2", "rtph264depay"},
                                           Counterpart{"rtph265pay2", "rtph265pay"},
                                           Counterpart{"rtph265depay2", "rtph265depay"},
                                           Counterpart{"rtpg722pay2", "rtpg722pay"},
                                           Counterpart{"rtpg722depay2", "rtpg722depay"},
                                           Counterpart{"rtpg729pay2", "rtpg729pay"},
                                           Counterpart{"rtpg729depay2", "rtpg729depay"}),
                         [](const auto &p) { return std::string(p.param.ours); });

guint ext_count(GstElement *e) {
  GValue v = G_VALUE_INIT;
  g_value_init(&v, GST_TYPE_ARRAY);
  g_object_get_property(G_OBJECT(e), "extensions", &v);
  const guint n = gst_value_array_get_size(&v);
  g_value_unset(&v);
  return n;
}

std::string first_ext_factory(GstElement *e) {
  GValue v = G_VALUE_INIT;
  g_value_init(&v, GST_TYPE_ARRAY);
  g_object_get_property(G_OBJECT(e), "extensions", &v);
  std::string name;
  if (gst_value_array_get_size(&v) > 0) {
    auto *ext = GST_ELEMENT(g_value_get_object(gst_value_array_get_value(&v, 0)));
    name = GST_OBJECT_NAME(gst_element_get_factory(ext));
  }
  g_value_unset(&v);
  return name;
}

TEST(HdrextCaps, DepayloaderCreatesExtensionsFromExtmapFields) {
  REQUIRE_ELEMENTS("rtphdrextmid");
  const std::string caps =
      std::string(kG722Rtp) + ",extmap-3=(string)urn:ietf:params:rtp-hdrext:sdes:mid";
  auto on = harness("rtpg722depay2", caps.c_str());
  EXPECT_EQ(ext_count(on->element), 1u);
  EXPECT_EQ(first_ext_factory(on->element), "rtphdrextmid");

  GstHarness *off = gst_harness_new("rtpg722depay2");
  g_object_set(off->element, "auto-header-extension", FALSE, nullptr);
  gst_harness_set_src_caps_str(off, caps.c_str());
  EXPECT_EQ(ext_count(off->element), 0u);
  gst_harness_teardown(off);
}

GstRTPHeaderExtension *give_ntp(GstElement *, guint id, const gchar *uri, gpointer) {
  if (g_strcmp0(uri, "urn:ietf:params:rtp-hdrext:ntp-64") != 0) return nullptr;
  GstElement *e = gst_element_factory_make("rtphdrextntp64", nullptr);
  gst_rtp_header_extension_set_id(GST_RTP_HEADER_EXTENSION(e), id);
  return GST_RTP_HEADER_EXTENSION(e);
}

TEST(HdrextCaps, RequestExtensionHandlerIsAskedEvenWithoutAuto) {
  REQUIRE_ELEMENTS("rtphdrextntp64");
  GstHarness *h = gst_harness_new("rtpg722depay2");
  g_object_set(h->element, "auto-header-extension", FALSE, nullptr);
  g_signal_connect(h->element, "request-extension", G_CALLBACK(give_ntp), nullptr);
  const std::string caps =
      std::string(kG722Rtp) + ",extmap-5=(string)urn:ietf:params:rtp-hdrext:ntp-64";
  gst_harness_set_src_caps_str(h, caps.c_str());
  EXPECT_EQ(ext_count(h->element), 1u);
  EXPECT_EQ(first_ext_factory(h->element), "rtphdrextntp64");
  gst_harness_teardown(h);
}

TEST(HdrextCaps, PayloaderTakesExtmapFromDownstreamAndAnnouncesIt) {
  REQUIRE_ELEMENTS("rtphdrextntp64", "rtphdrextmid");
  GstHarness *h = gst_harness_new("rtpg722pay2");
  gst_harness_set_sink_caps_str(
      h,
      "application/x-rtp,media=audio,encoding-name=G722,clock-rate=8000,payload=9,"
      "extmap-2=(string)urn:ietf:params:rtp-hdrext:ntp-64");
  gst_harness_set_src_caps_str(h, kG722);
  const Bytes frame = pattern(160, 1);
  GstBuffer *in = gst_buffer_new_memdup(frame.data(), frame.size());
  GST_BUFFER_PTS(in) = 0;
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  EXPECT_EQ(first_ext_factory(h->element), "rtphdrextntp64");
  GstBuffer *pkt = gst_harness_pull(h);
  EXPECT_TRUE(ext_data(pkt, 2).has_value());  // written (zeros without an NTP meta)
  gst_buffer_unref(pkt);
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  EXPECT_STREQ(gst_structure_get_string(gst_caps_get_structure(caps, 0), "extmap-2"),
               "urn:ietf:params:rtp-hdrext:ntp-64");
  gst_caps_unref(caps);

  // An extension added while running shows in the next caps.
  auto mid = make_ext("rtphdrextmid", 4);
  g_object_set(mid.get(), "mid", "x", nullptr);
  add_ext(h, mid.get());
  in = gst_buffer_new_memdup(frame.data(), frame.size());
  GST_BUFFER_PTS(in) = 20 * kMs;
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  pkt = gst_harness_pull(h);
  EXPECT_TRUE(ext_data(pkt, 4).has_value());
  gst_buffer_unref(pkt);
  caps = gst_pad_get_current_caps(h->sinkpad);
  EXPECT_STREQ(gst_structure_get_string(gst_caps_get_structure(caps, 0), "extmap-4"),
               "urn:ietf:params:rtp-hdrext:sdes:mid");
  EXPECT_STREQ(gst_structure_get_string(gst_caps_get_structure(caps, 0), "a-mid"), "x");
  gst_caps_unref(caps);
  gst_harness_teardown(h);
}

// The mtu covers the extension block: packets never grow past it.
TEST(HdrextMtu, PacketsStayWithinTheMtu) {
  REQUIRE_ELEMENTS("rtphdrextmid");
  auto h = harness("rtph264pay2", "video/x-h264,stream-format=byte-stream,alignment=au");
  g_object_set(h->element, "mtu", 400u, nullptr);
  auto mid = make_ext("rtphdrextmid", 1);
  g_object_set(mid.get(), "mid", "abcdefghijklmnop", nullptr);  // 16 bytes
  add_ext(h.get(), mid.get());
  using namespace fixtures;
  ASSERT_EQ(gst_harness_push(h.get(), fixtures::buffer(annexb({sps(), pps(), idr_slice(5000)}), 0)),
            GST_FLOW_OK);
  auto pkts = pull_buffers(h.get());
  ASSERT_GT(pkts.size(), 10u);
  for (GstBuffer *p : pkts) {
    EXPECT_LE(gst_buffer_get_size(p), 400u);
    EXPECT_TRUE(ext_data(p, 1).has_value());
  }
  unref_all(pkts);
}

// Damaged blocks, built by hand: the payload always comes out, the damage is
// counted, what stands before the damage is still read.
GstBuffer *g722_packet(std::uint16_t seq, std::uint16_t profile, const Bytes &block,
                       const Bytes &payload) {
  Bytes p = {0x90,
             9,
             static_cast<std::uint8_t>(seq >> 8),
             static_cast<std::uint8_t>(seq),
             0,
             0,
             0,
             static_cast<std::uint8_t>(seq),
             1,
             2,
             3,
             4,
             static_cast<std::uint8_t>(profile >> 8),
             static_cast<std::uint8_t>(profile),
             static_cast<std::uint8_t>(block.size() / 4 >> 8),
             static_cast<std::uint8_t>(block.size() / 4)};
  p.insert(p.end(), block.begin(), block.end());
  p.insert(p.end(), payload.begin(), payload.end());
  return gst_buffer_new_memdup(p.data(), p.size());
}

guint64 stat(GstElement *e, const char *field) {
  GstStructure *st = nullptr;
  g_object_get(e, "stats", &st, nullptr);
  guint64 v = G_MAXUINT64;
  gst_structure_get_uint64(st, field, &v);
  gst_structure_free(st);
  return v;
}

TEST(HdrextDamage, DamagedBlocksAreCountedAndPayloadsKept) {
  REQUIRE_ELEMENTS("rtphdrextmid", "rtphdrextntp64");
  auto depay = harness("rtpg722depay2", kG722Rtp);
  auto mid = make_ext("rtphdrextmid", 1);
  auto ntp = make_ext("rtphdrextntp64", 2);
  add_ext(depay.get(), mid.get());
  add_ext(depay.get(), ntp.get());
  struct Case {
    const char *what;
    std::uint16_t profile;
    Bytes block;
    bool damaged;
    const char *mid_after;  // the mid read from this packet, or what it was
  } cases[] = {
      {"padding first and between", 0xBEDE, {0, 0, 0x11, 'a', 'b', 0, 0, 0}, false, "ab"},
      {"id 15 stops before the mid", 0xBEDE, {0xf1, 0x11, 'z', 'z'}, true, "ab"},
      {"id 0 with a length", 0xBEDE, {0x03, 0x11, 'y', 'y'}, true, "ab"},
      {"element past the block", 0xBEDE, {0x11, 'c', 'd', 0x1f}, true, "cd"},
      {"two-byte header cut", 0x1000, {0x01, 0x01, 'e', 0x02}, true, "e"},
      {"unknown profile", 0xabcd, {0x11, 'q', 'q', 0}, false, "e"},
  };
  std::uint16_t seq = 100;
  guint64 damaged = 0;
  for (const Case &c : cases) {
    const Bytes payload = pattern(160, static_cast<std::uint8_t>(seq));
    ASSERT_EQ(gst_harness_push(depay.get(), g722_packet(seq++, c.profile, c.block, payload)),
              GST_FLOW_OK);
    GstBuffer *out = gst_harness_try_pull(depay.get());
    ASSERT_NE(out, nullptr) << c.what;
    EXPECT_EQ(fixtures::to_bytes(out), payload) << c.what;
    gst_buffer_unref(out);
    damaged += c.damaged;
    EXPECT_EQ(stat(depay->element, "hdrext-invalid"), damaged) << c.what;
    EXPECT_EQ(string_prop(mid.get(), "mid"), c.mid_after) << c.what;
  }
  // An NTP element of 4 bytes: the extension refuses it, the payload stays.
  const Bytes payload = pattern(160, 9);
  ASSERT_EQ(gst_harness_push(depay.get(),
                             g722_packet(seq++, 0xBEDE, {0x23, 1, 2, 3, 4, 0, 0, 0}, payload)),
            GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(depay.get());
  EXPECT_EQ(fixtures::to_bytes(out), payload);
  gst_buffer_unref(out);
  EXPECT_EQ(stat(depay->element, "hdrext-read-failures"), 1u);
  EXPECT_EQ(stat(depay->element, "packets-invalid"), 0u);
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR && !g_getenv("GST_PLUGIN_PATH"))
    g_setenv("GST_PLUGIN_PATH", SRTRTP_PLUGIN_DIR, TRUE);
  gst_init(&argc, &argv);
  // A GLib CRITICAL is a caught misuse (often ours: a bad argument to an
  // extension): it must fail the run, not scroll by.
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
