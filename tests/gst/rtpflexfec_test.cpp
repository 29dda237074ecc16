// rtpflexfecenc -> lossy path -> rtpflexfecdec in a pipeline: appsrc feeds
// RTP packets to the encoder, pad probes on its 'src' and 'fec' pads drop
// packets by a pattern recorded from a seeded loss model (media and repair
// alike, in send order), the decoder rebuilds, appsink collects. What comes
// out must be every packet that arrived plus exactly what the RFC 8627
// geometry can rebuild in theory (peeling, tests/unit/fec/flexfec_model.hpp),
// byte for byte. Harness tests: repair caps, settings refused at start,
// repair packets on 'src', and malformed repair packets counted in stats.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "../unit/fec/flexfec_model.hpp"
#include "fec/flexfec_header.hpp"
#include "sim/gilbert_elliott.hpp"
#include "sim/rng.hpp"

namespace {

using Bytes = std::vector<guint8>;
namespace model = srtcore::fec::flexfec_test;

constexpr guint16 kFirstSeq = 65300;

Bytes source(srtcore::sim::Xoshiro256 &rng, guint16 seq) {
  const std::size_t len = 1 + rng.next() % 1200;
  Bytes b(12 + len);
  b[0] = 0x80;
  b[1] = static_cast<guint8>((rng.chance(0.1) ? 0x80 : 0) | 96);
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  const auto ts = static_cast<guint32>(seq * 3000u);
  for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<guint8>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) b[8 + i] = static_cast<guint8>(0x12345678u >> (24 - 8 * i));
  for (std::size_t i = 12; i < b.size(); ++i) b[i] = static_cast<guint8>(rng.next());
  return b;
}

Bytes bytes_of(GstBuffer *b) {
  Bytes out(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, out.data(), out.size());
  return out;
}

// The path between encoder and decoder: every packet either pad sends gets
// the next verdict of the loss channel; what is dropped is recorded.
struct Path {
  srtcore::sim::Xoshiro256 rng{srtcore::sim::derive_seed(8627, 11)};
  srtcore::sim::GilbertElliottChannel channel;
  std::set<std::int64_t> lost;                                // source offsets
  std::vector<std::pair<bool, std::int64_t>> repair_arrived;  // (row, first member)
  explicit Path(srtcore::sim::GilbertElliott ge) : channel(ge) {}
};

GstPadProbeReturn drop_source(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *path = static_cast<Path *>(data);
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  guint8 seq[2];
  gst_buffer_extract(b, 2, seq, 2);
  if (!path->channel.lose(path->rng)) return GST_PAD_PROBE_OK;
  path->lost.insert(static_cast<guint16>((seq[0] << 8 | seq[1]) - kFirstSeq));
  return GST_PAD_PROBE_DROP;
}

GstPadProbeReturn drop_repair(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *path = static_cast<Path *>(data);
  if (path->channel.lose(path->rng)) return GST_PAD_PROBE_DROP;
  const Bytes b = bytes_of(GST_PAD_PROBE_INFO_BUFFER(info));
  const auto p = srtcore::fec::parse_flexfec(b);
  if (p.error != srtcore::fec::FlexFecParseError::none) return GST_PAD_PROBE_OK;
  const auto &s = p.packet.header.streams[0];
  // Fixed form: D <= 1 is a row. Flexible: a row's mask has bit 1 set.
  const bool row =
      p.packet.header.kind == srtcore::fec::FlexFecKind::fixed ? s.d <= 1 : s.protects(1);
  path->repair_arrived.push_back({row, static_cast<guint16>(s.sn_base - kFirstSeq)});
  return GST_PAD_PROBE_OK;
}

// Media and repair on one pad (fec-on-src): told apart by payload type.
GstPadProbeReturn drop_either(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  guint8 pt = 0;
  gst_buffer_extract(GST_PAD_PROBE_INFO_BUFFER(info), 1, &pt, 1);
  return (pt & 0x7F) == 100 ? drop_repair(pad, info, data) : drop_source(pad, info, data);
}

struct Case {
  const char *mode;
  guint l, d;
  bool on_src = false;  // repair packets on 'src', the decoder picks them by pt
};

void run_pipeline(const Case &c, srtcore::sim::GilbertElliott ge, std::int64_t n) {
  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *src = gst_element_factory_make("appsrc", nullptr);
  GstElement *enc = gst_element_factory_make("rtpflexfecenc", nullptr);
  GstElement *dec = gst_element_factory_make("rtpflexfecdec", nullptr);
  GstElement *sink = gst_element_factory_make("appsink", nullptr);
  ASSERT_TRUE(pipe && src && enc && dec && sink);
  GstCaps *caps = gst_caps_from_string(
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,payload=96");
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "max-bytes", G_GUINT64_CONSTANT(0),
               "block", TRUE, nullptr);
  gst_caps_unref(caps);
  gst_util_set_object_arg(G_OBJECT(enc), "mode", c.mode);
  g_object_set(enc, "columns", c.l, "rows", c.d, "pt", 100, "fec-on-src", c.on_src, nullptr);
  if (c.on_src) g_object_set(dec, "pt", 100, nullptr);
  g_object_set(sink, "sync", FALSE, "max-buffers", 0u, nullptr);
  gst_bin_add_many(GST_BIN(pipe), src, enc, dec, sink, nullptr);
  ASSERT_TRUE(gst_element_link_many(src, enc, dec, sink, nullptr));
  GstPad *fec_src = gst_element_get_static_pad(enc, "fec");
  GstPad *fec_sink = gst_element_request_pad_simple(dec, "fec_%u");
  ASSERT_EQ(gst_pad_link(fec_src, fec_sink), GST_PAD_LINK_OK);
  Path path(ge);
  GstPad *media_src = gst_element_get_static_pad(enc, "src");
  gst_pad_add_probe(media_src, GST_PAD_PROBE_TYPE_BUFFER, c.on_src ? drop_either : drop_source,
                    &path, nullptr);
  gst_pad_add_probe(fec_src, GST_PAD_PROBE_TYPE_BUFFER, drop_repair, &path, nullptr);

  ASSERT_NE(gst_element_set_state(pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  srtcore::sim::Xoshiro256 rng(srtcore::sim::derive_seed(1, c.l * 100 + c.d));
  std::vector<Bytes> sent;
  for (std::int64_t i = 0; i < n; ++i) {
    sent.push_back(source(rng, static_cast<guint16>(kFirstSeq + i)));
    GstBuffer *b = gst_buffer_new_memdup(sent.back().data(), sent.back().size());
    GST_BUFFER_PTS(b) = static_cast<GstClockTime>(i) * GST_MSECOND;
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), b), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  // appsink posts EOS only once drained: pull until it says EOS (the
  // timeout only fails a broken build).
  std::map<std::int64_t, Bytes> out;
  std::size_t duplicates = 0;
  while (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND)) {
    const Bytes b = bytes_of(gst_sample_get_buffer(s));
    gst_sample_unref(s);
    const auto off = static_cast<guint16>((b[2] << 8 | b[3]) - kFirstSeq);
    if (!out.emplace(off, b).second) ++duplicates;
  }
  EXPECT_TRUE(gst_app_sink_is_eos(GST_APP_SINK(sink))) << "no EOS within 30 s";
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *error = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  EXPECT_FALSE(error);
  if (error) gst_message_unref(error);
  gst_object_unref(bus);
  // Theory: peeling over the repair packets that arrived.
  const auto groups =
      model::model_groups(static_cast<int>(c.l), static_cast<int>(c.d), true, true, n);
  std::map<std::pair<bool, std::int64_t>, std::size_t> index;
  for (std::size_t i = 0; i < groups.size(); ++i)
    index[{groups[i].row, groups[i].members.front()}] = i;
  std::vector<bool> arrived(groups.size(), false);
  for (const auto &key : path.repair_arrived) arrived[index.at(key)] = true;
  const auto theory = model::peel(groups, arrived, path.lost);
  EXPECT_GT(path.lost.size(), 0u);
  EXPECT_GT(theory.size(), 0u);
  EXPECT_EQ(duplicates, 0u);
  std::set<std::int64_t> rebuilt;
  for (const auto &[off, b] : out) {
    EXPECT_EQ(b, sent[static_cast<std::size_t>(off)]) << "packet " << off;
    if (path.lost.count(off)) rebuilt.insert(off);
  }
  EXPECT_EQ(rebuilt, theory) << c.mode << " " << c.l << "x" << c.d;
  EXPECT_EQ(out.size(), static_cast<std::size_t>(n) - path.lost.size() + theory.size());
  GstStructure *stats = nullptr;
  g_object_get(dec, "stats", &stats, nullptr);
  guint64 recovered = 0, invalid = 0;
  ASSERT_TRUE(stats);
  gst_structure_get_uint64(stats, "recovered", &recovered);
  gst_structure_get_uint64(stats, "invalid", &invalid);
  gst_structure_free(stats);
  EXPECT_EQ(recovered, theory.size());
  EXPECT_EQ(invalid, 0u);
  std::printf("%-14s %ux%u%s: lost %zu rebuilt %zu theory %zu\n", c.mode, c.l, c.d,
              c.on_src ? " on src" : "", path.lost.size(), rebuilt.size(), theory.size());

  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_element_release_request_pad(dec, fec_sink);
  gst_object_unref(fec_sink);
  gst_object_unref(fec_src);
  gst_object_unref(media_src);
  gst_object_unref(pipe);
}

TEST(RtpFlexFec, PipelineRebuildsWhatTheGeometryAllowsFixed) {
  run_pipeline({"fixed", 5, 4}, {0.0, 1.0, 0.12, 1.0}, 2000);
}

TEST(RtpFlexFec, PipelineRebuildsWhatTheGeometryAllowsFlexible) {
  run_pipeline({"flexible-mask", 4, 4}, {0.004, 0.3, 0.03, 1.0}, 2000);
}

TEST(RtpFlexFec, PipelineWithRepairPacketsOnTheMediaPad) {
  run_pipeline({"fixed", 6, 3, true}, {0.0, 1.0, 0.08, 1.0}, 2000);
}

struct HarnessDel {
  void operator()(GstHarness *h) const { gst_harness_teardown(h); }
};
using Harness = std::unique_ptr<GstHarness, HarnessDel>;

GstBuffer *rtp(guint16 seq, guint8 pt = 96, std::size_t len = 40) {
  Bytes b(12 + len, 0x5A);
  b[0] = 0x80;
  b[1] = pt;
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  for (int i = 4; i < 12; ++i) b[static_cast<std::size_t>(i)] = 1;
  return gst_buffer_new_memdup(b.data(), b.size());
}

TEST(RtpFlexFecEnc, RepairStreamCapsAndOnSrc) {
  GstElement *e = gst_element_factory_make("rtpflexfecenc", nullptr);
  ASSERT_TRUE(e);
  g_object_set(e, "columns", 2u, "pt", 101, "ssrc", 0xABCDu, "fec-on-src", TRUE, nullptr);
  Harness h(gst_harness_new_with_element(e, "sink", "src"));
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,media=audio,clock-rate=48000");
  for (guint16 s = 0; s < 4; ++s) EXPECT_EQ(gst_harness_push(h.get(), rtp(s)), GST_FLOW_OK);
  // Two rows of two: media, media, repair, media, media, repair.
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 6u);
  std::vector<int> pts;
  for (int i = 0; i < 6; ++i) {
    GstBuffer *b = gst_harness_pull(h.get());
    pts.push_back(bytes_of(b)[1] & 0x7F);
    gst_buffer_unref(b);
  }
  EXPECT_EQ(pts, (std::vector<int>{96, 96, 101, 96, 96, 101}));
  GstPad *fec = gst_element_get_static_pad(h->element, "fec");
  GstCaps *caps = gst_pad_get_current_caps(fec);
  ASSERT_TRUE(caps);
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  EXPECT_STREQ(gst_structure_get_string(s, "encoding-name"), "FLEXFEC");
  gint rate = 0, pt = 0;
  guint ssrc = 0;
  EXPECT_TRUE(gst_structure_get_int(s, "clock-rate", &rate));
  EXPECT_EQ(rate, 48000);
  EXPECT_TRUE(gst_structure_get_int(s, "payload", &pt));
  EXPECT_EQ(pt, 101);
  EXPECT_TRUE(gst_structure_get_uint(s, "ssrc", &ssrc));
  EXPECT_EQ(ssrc, 0xABCDu);
  EXPECT_STREQ(gst_structure_get_string(s, "media"), "audio");
  gst_caps_unref(caps);
  gst_object_unref(fec);
}

TEST(RtpFlexFecEnc, RefusesAGeometryTheRfcCannotSay) {
  for (const char *mode : {"fixed", "flexible-mask"}) {
    GstElement *e = gst_element_factory_make("rtpflexfecenc", nullptr);
    ASSERT_TRUE(e);
    gst_util_set_object_arg(G_OBJECT(e), "mode", mode);
    // rows=1 is no geometry; flexible masks hold 110 packets, not (20-1)*10+1.
    g_object_set(e, "columns", 10u, "rows", mode[0] == 'f' && mode[1] == 'i' ? 1u : 20u, nullptr);
    EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE) << mode;
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
}

TEST(RtpFlexFecDec, CountsMalformedRepairPacketsOnSink) {
  Harness h(gst_harness_new("rtpflexfecdec"));
  g_object_set(h->element, "pt", 100, nullptr);
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,payload=96,clock-rate=90000");
  EXPECT_EQ(gst_harness_push(h.get(), rtp(1)), GST_FLOW_OK);
  // PT 100 with no CSRC (a parity packet must name an SSRC), then one whose
  // k bit announces a mask block that is not there, then R=F=1.
  EXPECT_EQ(gst_harness_push(h.get(), rtp(2, 100, 12)), GST_FLOW_OK);
  {
    Bytes b = {0x81, 100, 0, 3, 0, 0, 0, 0, 0, 0, 0,    9,   0, 0, 0, 1,  // RTP, CSRC 1
               0,    96,  0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0x01};            // k=1, then nothing
    EXPECT_EQ(gst_harness_push(h.get(), gst_buffer_new_memdup(b.data(), b.size())), GST_FLOW_OK);
    Bytes c = {0x80, 100, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9, 0xC0, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(gst_harness_push(h.get(), gst_buffer_new_memdup(c.data(), c.size())), GST_FLOW_OK);
  }
  EXPECT_EQ(gst_harness_push(h.get(), rtp(3)), GST_FLOW_OK);
  // Only the media came out.
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 2u);
  GstStructure *stats = nullptr;
  g_object_get(h->element, "stats", &stats, nullptr);
  ASSERT_TRUE(stats);
  guint64 invalid = 0, repair = 0;
  gst_structure_get_uint64(stats, "invalid", &invalid);
  gst_structure_get_uint64(stats, "repair", &repair);
  gst_structure_free(stats);
  EXPECT_EQ(repair, 3u);
  EXPECT_EQ(invalid, 3u);
}

}  // namespace
