// Drop-in checks against gst-plugins-good: max-reorder decisions on the same
// packets, upstream caps negotiation of
// rtph264pay2/rtph265pay2 against rtph264pay/rtph265pay (the caps each
// payloader's sink pad offers for the same downstream RTP caps, and whole
// x264enc pipelines where downstream asks for a profile the encoder must then
// produce), and the stats fields applications read.
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpmeta.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>
#include "build_tree_plugin.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif
#ifndef SRTRTP_REGISTRY
#define SRTRTP_REGISTRY ""
#endif

namespace {

struct Unref {
  void operator()(GstCaps *c) const { gst_caps_unref(c); }
  void operator()(GstElement *e) const {
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
};
using CapsPtr = std::unique_ptr<GstCaps, Unref>;
using PipelinePtr = std::unique_ptr<GstElement, Unref>;

PipelinePtr parse(const std::string &desc) {
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(desc.c_str(), &err);
  if (err) {
    ADD_FAILURE() << desc << ": " << err->message;
    g_error_free(err);
  }
  return PipelinePtr(p);
}

// What `pay`'s sink pad offers upstream with `downstream` caps after it,
// narrowed to `probe` (our H.265 template also takes hev1, theirs does not).
std::string offered(const std::string &pay, const std::string &downstream, const char *probe) {
  auto p = parse(pay + " name=pay ! capsfilter caps=\"" + downstream + "\" ! fakesink");
  if (!p) return "";
  GstElement *e = gst_bin_get_by_name(GST_BIN(p.get()), "pay");
  GstPad *sink = gst_element_get_static_pad(e, "sink");
  CapsPtr caps(gst_pad_query_caps(sink, nullptr));
  gst_object_unref(sink);
  gst_object_unref(e);
  CapsPtr narrowed(gst_caps_intersect(caps.get(), CapsPtr(gst_caps_from_string(probe)).get()));
  gchar *s = gst_caps_to_string(narrowed.get());
  std::string out(s);
  g_free(s);
  return out;
}

bool same_caps(const std::string &a, const std::string &b) {
  CapsPtr ca(gst_caps_from_string(a.c_str())), cb(gst_caps_from_string(b.c_str()));
  return ca && cb && gst_caps_is_equal(ca.get(), cb.get());
}

struct OfferCase {
  const char *pay, *ref, *probe, *downstream;
};

class SinkCapsOffer : public ::testing::TestWithParam<OfferCase> {};

TEST_P(SinkCapsOffer, SameAsGstPluginsGood) {
  const OfferCase &c = GetParam();
  const std::string ours = offered(c.pay, c.downstream, c.probe);
  const std::string theirs = offered(c.ref, c.downstream, c.probe);
  EXPECT_TRUE(same_caps(ours, theirs))
      << "downstream " << c.downstream << "\n ours:   " << ours << "\n theirs: " << theirs;
  EXPECT_FALSE(ours.empty());
}

constexpr const char *kH264Probe = "video/x-h264,stream-format=byte-stream,alignment=au";
constexpr const char *kH265Probe = "video/x-h265,stream-format=byte-stream,alignment=au";

INSTANTIATE_TEST_SUITE_P(
    Offers, SinkCapsOffer,
    ::testing::Values(OfferCase{"rtph264pay2", "rtph264pay", kH264Probe,
                                "application/x-rtp,profile-level-id=(string)42c015"},
                      OfferCase{"rtph264pay2", "rtph264pay", kH264Probe,
                                "application/x-rtp,profile-level-id=(string)640028"},
                      OfferCase{"rtph264pay2", "rtph264pay", kH264Probe,
                                "application/x-rtp,profile-level-id=(string)4d401f"},
                      OfferCase{"rtph264pay2", "rtph264pay", kH264Probe,
                                "application/x-rtp,profile-level-id=(string)42e00a"},
                      OfferCase{"rtph264pay2", "rtph264pay", kH264Probe, "application/x-rtp"},
                      OfferCase{"rtph264pay2", "rtph264pay", kH264Probe,
                                "application/x-rtp,profile-level-id=(string)zz0000"},
                      OfferCase{"rtph264pay2", "rtph264pay", kH264Probe,
                                "application/x-rtp,profile-level-id=(string)42c015; "
                                "application/x-rtp,profile-level-id=(string)640032"},
                      OfferCase{"rtph265pay2", "rtph265pay", kH265Probe,
                                "application/x-rtp,profile-id=(string)1,tier-flag=(string)0,"
                                "level-id=(string)93"},
                      OfferCase{"rtph265pay2", "rtph265pay", kH265Probe,
                                "application/x-rtp,profile-id=(string)2,level-id=(string)120"},
                      OfferCase{"rtph265pay2", "rtph265pay", kH265Probe,
                                "application/x-rtp,tier-flag=(string)1"},
                      OfferCase{"rtph265pay2", "rtph265pay", kH265Probe, "application/x-rtp"}));

// A level above those rtph264pay 1.22 lists (it stops at 5.1) is offered too.
TEST(SinkCapsOffer, H264Level52IsOfferedWithTheLowerOnes) {
  const std::string ours =
      offered("rtph264pay2", "application/x-rtp,profile-level-id=(string)640034", kH264Probe);
  EXPECT_NE(ours.find("5.2"), std::string::npos) << ours;
  EXPECT_NE(ours.find(" 1b,"), std::string::npos) << ours;
}

struct RunResult {
  bool error = false;
  std::string error_source;
  std::string error_text;
  guint packets = 0;
  guint lists = 0;  // samples that were buffer lists (appsink buffer-list=true)
  std::string profile_level_id;
};

GstFlowReturn count_sample(GstAppSink *sink, gpointer data) {
  auto *r = static_cast<RunResult *>(data);
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s) return GST_FLOW_ERROR;
  if (r->profile_level_id.empty())
    if (GstCaps *caps = gst_sample_get_caps(s))
      if (const gchar *v =
              gst_structure_get_string(gst_caps_get_structure(caps, 0), "profile-level-id"))
        r->profile_level_id = v;
  if (GstBufferList *l = gst_sample_get_buffer_list(s)) {
    r->packets += gst_buffer_list_length(l);
    ++r->lists;
  } else if (gst_sample_get_buffer(s))
    ++r->packets;
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

// Runs `desc` (ending in "appsink name=out") to EOS or error.
RunResult run(const std::string &desc) {
  RunResult r;
  auto p = parse(desc);
  if (!p) return r;
  GstElement *out = gst_bin_get_by_name(GST_BIN(p.get()), "out");
  GstAppSinkCallbacks cb{};
  cb.new_sample = count_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(out), &cb, &r, nullptr);
  gst_object_unref(out);
  gst_element_set_state(p.get(), GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(p.get());
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 60 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!msg) {
    r.error = true;
    r.error_text = "no EOS or error within 60 s";
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError *err = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_error(msg, &err, &dbg);
    r.error = true;
    r.error_source = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
    r.error_text = r.error_source + ": " + err->message + " (" + (dbg ? dbg : "") + ")";
    g_error_free(err);
    g_free(dbg);
  }
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(p.get(), GST_STATE_NULL);
  return r;
}

std::string encode_to(const std::string &pay, const std::string &rtp_caps,
                      const std::string &raw = "") {
  return "videotestsrc num-buffers=10 ! " + (raw.empty() ? "" : raw + " ! ") +
         "videoconvert ! x264enc speed-preset=ultrafast ! h264parse ! " + pay +
         " ! capsfilter caps=\"" + rtp_caps + "\" ! appsink name=out sync=false";
}

// The report: the encoder must make what downstream asks for. Where
// x264enc's choice (constrained baseline, preferred by both payloaders'
// answer) then differs from an exact profile-level-id downstream, both
// payloaders fail the same way.
TEST(UpstreamNegotiation, X264encMakesTheProfileDownstreamAsksFor) {
  for (const char *plid : {"42c015", "42e01f", "4d401f", "640028"}) {
    SCOPED_TRACE(plid);
    const std::string caps = std::string("application/x-rtp,profile-level-id=(string)") + plid;
    const RunResult ours = run(encode_to("rtph264pay2", caps));
    const RunResult theirs = run(encode_to("rtph264pay", caps));
    EXPECT_EQ(ours.error, theirs.error)
        << "ours: " << ours.error_text << "\ntheirs: " << theirs.error_text;
    EXPECT_EQ(ours.profile_level_id, theirs.profile_level_id);
    if (theirs.error) continue;
    EXPECT_GT(ours.packets, 10u);
    // Constrained baseline, as asked (the byte of profile_idc 66).
    EXPECT_EQ(ours.profile_level_id.substr(0, 2), "42");
  }
  // The case of the report, which must work: x264enc alone would make High.
  const RunResult cb =
      run(encode_to("rtph264pay2", "application/x-rtp,profile-level-id=(string)42c015"));
  EXPECT_FALSE(cb.error) << cb.error_text;
  EXPECT_EQ(cb.profile_level_id.substr(0, 2), "42");
}

// A format the encoder cannot give in that profile (4:4:4 input, constrained
// baseline asked): an error on the bus, as with rtph264pay, not a silent
// pipeline that ends with no packets.
TEST(UpstreamNegotiation, ImpossibleProfileIsAnErrorNotSilence) {
  const std::string caps = "application/x-rtp,profile-level-id=(string)42c015";
  const std::string raw = "video/x-raw,format=Y444";
  const RunResult ours =
      run("videotestsrc num-buffers=10 ! " + raw +
          " ! x264enc speed-preset=ultrafast ! h264parse ! rtph264pay2 ! capsfilter caps=\"" +
          caps + "\" ! appsink name=out sync=false");
  const RunResult theirs =
      run("videotestsrc num-buffers=10 ! " + raw +
          " ! x264enc speed-preset=ultrafast ! h264parse ! rtph264pay ! capsfilter caps=\"" + caps +
          "\" ! appsink name=out sync=false");
  EXPECT_TRUE(theirs.error) << "reference: " << theirs.packets << " packets";
  EXPECT_TRUE(ours.error) << "ours: " << ours.packets << " packets, no error";
  EXPECT_EQ(ours.packets, 0u);
}

// Downstream takes no caps this payloader makes (packetization-mode 0, which
// rtph264pay2 does not do): an error from the payloader that says so, not EOS
// with nothing.
TEST(UpstreamNegotiation, RefusedOutputCapsAreAnElementError) {
  const RunResult ours =
      run(encode_to("rtph264pay2 name=pay", "application/x-rtp,packetization-mode=(string)0"));
  EXPECT_TRUE(ours.error) << "ours: " << ours.packets << " packets, no error";
  EXPECT_EQ(ours.error_source, "pay") << ours.error_text;
  EXPECT_EQ(ours.packets, 0u);
}

// Applications read the base classes' stats fields by name and type: every
// field of the C element's `stats` is in ours, with the same type.
TEST(StatsFields, SameNamesAndTypesAsGstPluginsGood) {
  const std::pair<const char *, const char *> pairs[] = {
      {"rtph264depay2", "rtph264depay"}, {"rtph265depay2", "rtph265depay"},
      {"rtpg722depay2", "rtpg722depay"}, {"rtpg729depay2", "rtpg729depay"},
      {"rtph264pay2", "rtph264pay"},     {"rtph265pay2", "rtph265pay"},
      {"rtpg722pay2", "rtpg722pay"},     {"rtpg729pay2", "rtpg729pay"}};
  for (const auto &[ours_name, ref_name] : pairs) {
    SCOPED_TRACE(ours_name);
    GstElement *ours = gst_element_factory_make(ours_name, nullptr);
    GstElement *ref = gst_element_factory_make(ref_name, nullptr);
    ASSERT_TRUE(ours && ref);
    GstStructure *a = nullptr, *b = nullptr;
    g_object_get(ours, "stats", &a, nullptr);
    g_object_get(ref, "stats", &b, nullptr);
    ASSERT_TRUE(a && b);
    for (gint i = 0; i < gst_structure_n_fields(b); ++i) {
      const gchar *field = gst_structure_nth_field_name(b, static_cast<guint>(i));
      EXPECT_TRUE(gst_structure_has_field_typed(a, field, gst_structure_get_field_type(b, field)))
          << field << " (" << g_type_name(gst_structure_get_field_type(b, field)) << ")";
    }
    gst_structure_free(a);
    gst_structure_free(b);
    gst_object_unref(ours);
    gst_object_unref(ref);
  }
}

// A G.722 RTP packet (PT 9, 20 ms): RTP time 160 x seq, the given CSRCs, and
// `first` as the first payload byte, so that outputs name their packet.
GstBuffer *g722_packet(guint16 seq, guint32 ssrc, const std::vector<guint32> &csrcs, guint8 first,
                       GstClockTime pts) {
  const std::size_t head = 12 + 4 * csrcs.size();
  std::vector<guint8> pkt(head + 160, 0);
  pkt[0] = static_cast<guint8>(0x80 | csrcs.size());
  pkt[1] = 9;
  GST_WRITE_UINT16_BE(&pkt[2], seq);
  GST_WRITE_UINT32_BE(&pkt[4], 160u * seq);
  GST_WRITE_UINT32_BE(&pkt[8], ssrc);
  for (std::size_t i = 0; i < csrcs.size(); ++i) GST_WRITE_UINT32_BE(&pkt[12 + 4 * i], csrcs[i]);
  pkt[head] = first;
  GstBuffer *b = gst_buffer_new_memdup(pkt.data(), pkt.size());
  GST_BUFFER_PTS(b) = pts;
  return b;
}

// max-reorder on the same packets: what each depayloader drops as late and
// what it takes as a restarted sender. G.722: one packet, one output buffer,
// whose first payload byte names the packet.
std::vector<int> depay_outputs(const char *element, int max_reorder,
                               const std::vector<std::pair<guint16, guint32>> &packets) {
  GstHarness *h = gst_harness_new(element);
  if (max_reorder >= 0) g_object_set(h->element, "max-reorder", max_reorder, nullptr);
  gst_harness_set_src_caps_str(h,
                               "application/x-rtp,media=audio,clock-rate=8000,"
                               "encoding-name=G722,payload=9");
  for (std::size_t i = 0; i < packets.size(); ++i)
    gst_harness_push(h, g722_packet(packets[i].first, packets[i].second, {}, static_cast<guint8>(i),
                                    i * 20 * GST_MSECOND));
  std::vector<int> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) {
    guint8 first = 0;
    gst_buffer_extract(b, 0, &first, 1);
    out.push_back(first);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
  return out;
}

TEST(MaxReorder, SameLateAndRestartDecisionsAsGstPluginsGood) {
  constexpr guint32 kSsrc = 0x11223344;
  // In order; 5 back (a duplicate's distance); 3 back; 94 back; 101 back
  // (beyond the default); a jump far back (restart); a new SSRC going back.
  const std::vector<std::pair<guint16, guint32>> packets = {
      {1000, kSsrc}, {1001, kSsrc}, {1002, kSsrc},    {997, kSsrc},    {1003, kSsrc}, {1001, kSsrc},
      {1004, kSsrc}, {911, kSsrc},  {1005, kSsrc},    {905, kSsrc},    {906, kSsrc},  {907, kSsrc},
      {100, kSsrc},  {101, kSsrc},  {50, 0x55667788}, {51, 0x55667788}};
  for (int max_reorder : {-1, 0, 3, 50, 100, 200, 40000}) {
    SCOPED_TRACE("max-reorder " + std::to_string(max_reorder));
    const std::vector<int> ours = depay_outputs("rtpg722depay2", max_reorder, packets);
    const std::vector<int> theirs = depay_outputs("rtpg722depay", max_reorder, packets);
    EXPECT_EQ(ours, theirs);
    EXPECT_FALSE(ours.empty());
  }
}

TEST(MaxReorder, PropertyAsGstPluginsGoodOnEveryDepayloader) {
  for (const char *name : {"rtph264depay2", "rtph265depay2", "rtpg722depay2", "rtpg729depay2"}) {
    SCOPED_TRACE(name);
    GstElement *e = gst_element_factory_make(name, nullptr);
    ASSERT_TRUE(e);
    GParamSpec *p = g_object_class_find_property(G_OBJECT_GET_CLASS(e), "max-reorder");
    ASSERT_TRUE(p && G_IS_PARAM_SPEC_INT(p));
    EXPECT_EQ(G_PARAM_SPEC_INT(p)->default_value, 100);
    EXPECT_EQ(G_PARAM_SPEC_INT(p)->minimum, 0);
    EXPECT_EQ(G_PARAM_SPEC_INT(p)->maximum, G_MAXINT);
    gst_object_unref(e);
  }
}

// source-info on the depayloaders: the packet's SSRC and CSRCs as
// GstRTPSourceMeta on each output, as GstRTPBaseDepayload does.
std::vector<std::vector<guint32>> source_metas(const char *element, bool on) {
  GstHarness *h = gst_harness_new(element);
  g_object_set(h->element, "source-info", on, nullptr);
  gst_harness_set_src_caps_str(h,
                               "application/x-rtp,media=audio,clock-rate=8000,"
                               "encoding-name=G722,payload=9");
  std::vector<std::vector<guint32>> out;
  for (guint cc = 0; cc < 4; ++cc) {
    std::vector<guint32> csrcs;
    for (guint i = 0; i < cc; ++i) csrcs.push_back(0x1000u * (cc + 1) + i);
    gst_harness_push(h, g722_packet(static_cast<guint16>(cc), 0xa0b0c0d0u + cc, csrcs, 0,
                                    cc * 20 * GST_MSECOND));
  }
  while (GstBuffer *b = gst_harness_try_pull(h)) {
    std::vector<guint32> ids;  // SSRC, then CSRCs; empty: no meta
    if (GstRTPSourceMeta *m = gst_buffer_get_rtp_source_meta(b)) {
      ids.push_back(m->ssrc_valid ? m->ssrc : 0);
      for (guint i = 0; i < m->csrc_count; ++i) ids.push_back(m->csrc[i]);
    }
    out.push_back(ids);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
  return out;
}

TEST(SourceInfo, SameMetaAsGstPluginsGood) {
  for (bool on : {false, true}) {
    SCOPED_TRACE(on ? "source-info=true" : "source-info=false");
    const auto ours = source_metas("rtpg722depay2", on);
    const auto theirs = source_metas("rtpg722depay", on);
    EXPECT_EQ(ours, theirs);
    ASSERT_EQ(ours.size(), 4u);
    EXPECT_EQ(ours[3].size(), on ? 4u : 0u);  // SSRC and 3 CSRCs
  }
}

// RTP time of a G.722 payloader's packets, from the first, for 20 ms
// input buffers whose PTS wobble by 3 ms, in a segment of rate `rate`.
std::vector<guint32> pay_rtp_times(const char *element, const char *props, double rate) {
  GstHarness *h = gst_harness_new(element);
  gchar **pairs = g_strsplit(props, " ", -1);
  for (gchar **kv = pairs; *kv; ++kv) {
    gchar **nv = g_strsplit(*kv, "=", 2);
    if (nv[0] && nv[1]) gst_util_set_object_arg(G_OBJECT(h->element), nv[0], nv[1]);
    g_strfreev(nv);
  }
  g_strfreev(pairs);
  gst_harness_set_src_caps_str(h, "audio/G722,rate=16000,channels=1");
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  seg.rate = rate;
  gst_harness_push_event(h, gst_event_new_segment(&seg));
  for (int i = 0; i < 20; ++i) {
    GstBuffer *b = gst_buffer_new_allocate(nullptr, 160, nullptr);
    gst_buffer_memset(b, 0, static_cast<guint8>(i), 160);
    GST_BUFFER_PTS(b) = i * 20 * GST_MSECOND + (i % 2 ? 3 * GST_MSECOND : 0);
    GST_BUFFER_DURATION(b) = 20 * GST_MSECOND;
    gst_harness_push(h, b);
  }
  // Relative to the first: the C element picks its random base when the
  // harness starts it, before any property is set.
  std::vector<guint32> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) {
    guint8 hdr[8];
    gst_buffer_extract(b, 0, hdr, 8);
    out.push_back(GST_READ_UINT32_BE(hdr + 4));
    gst_buffer_unref(b);
  }
  for (std::size_t i = out.size(); i-- > 0;) out[i] -= out[0];
  gst_harness_teardown(h);
  return out;
}

TEST(RtpTime, PerfectScaleAndOnvifAsGstPluginsGood) {
  const struct {
    const char *props;
    double rate;
  } cases[] = {
      {"perfect-rtptime=true", 1.0},
      {"perfect-rtptime=false", 1.0},
      {"perfect-rtptime=false", 2.0},
      {"perfect-rtptime=false scale-rtptime=false", 2.0},
      {"perfect-rtptime=false onvif-no-rate-control=true", 2.0},
      {"perfect-rtptime=true scale-rtptime=false", 0.5},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(std::string(c.props) + " rate " + std::to_string(c.rate));
    const auto ours = pay_rtp_times("rtpg722pay2", c.props, c.rate);
    const auto theirs = pay_rtp_times("rtpg722pay", c.props, c.rate);
    EXPECT_EQ(ours, theirs);
    EXPECT_EQ(ours.size(), 20u);
  }
  // The settings make a difference (else the comparison above proves little).
  EXPECT_NE(pay_rtp_times("rtpg722pay2", "perfect-rtptime=true", 1.0),
            pay_rtp_times("rtpg722pay2", "perfect-rtptime=false", 1.0));
  EXPECT_NE(pay_rtp_times("rtpg722pay2", "perfect-rtptime=false", 2.0),
            pay_rtp_times("rtpg722pay2", "perfect-rtptime=false scale-rtptime=false", 2.0));
}

// buffer-list on the G.722 payloader: every output in a buffer list;
// without it, single buffers. rtpg722pay 1.22 accepts the property but still
// pushes single buffers here (GstRTPBaseAudioPayload's list path is a FIXME
// that would push empty lists), so only the packets are compared with it.
TEST(BufferList, G722PayloaderPushesListsWhenAsked) {
  for (bool on : {false, true}) {
    SCOPED_TRACE(on ? "buffer-list=true" : "buffer-list=false");
    auto launch = [on](const char *pay) {
      return std::string(
                 "audiotestsrc num-buffers=20 samplesperbuffer=320 ! "
                 "audio/x-raw,rate=16000,channels=1 ! avenc_g722 ! ") +
             pay + " buffer-list=" + (on ? "true" : "false") +
             " ! appsink name=out sync=false buffer-list=true";
    };
    const RunResult ours = run(launch("rtpg722pay2"));
    const RunResult theirs = run(launch("rtpg722pay"));
    ASSERT_FALSE(ours.error) << ours.error_text;
    ASSERT_FALSE(theirs.error) << theirs.error_text;
    EXPECT_EQ(ours.packets, theirs.packets);
    EXPECT_GT(ours.packets, 0u);
    EXPECT_EQ(ours.lists, on ? ours.packets : 0u);
  }
}

// Every property gst-inspect lists on the C element exists on ours with the
// same type, default and range, except those still missing, which are listed
// here and must really be missing (so the list only shrinks).
bool same_default(GParamSpec *a, GParamSpec *b) {
  GValue va = G_VALUE_INIT, vb = G_VALUE_INIT;
  g_value_init(&va, G_PARAM_SPEC_VALUE_TYPE(a));
  g_value_init(&vb, G_PARAM_SPEC_VALUE_TYPE(b));
  g_param_value_set_default(a, &va);
  g_param_value_set_default(b, &vb);
  bool same = true;
  if (G_VALUE_HOLDS_STRING(&va))
    same = g_strcmp0(g_value_get_string(&va), g_value_get_string(&vb)) == 0;
  else if (G_IS_PARAM_SPEC_ENUM(a))
    same = g_value_get_enum(&va) == g_value_get_enum(&vb);
  else if (!G_VALUE_HOLDS_BOXED(&va) && !G_VALUE_HOLDS_OBJECT(&va))
    same = g_param_values_cmp(a, &va, &vb) == 0;
  g_value_unset(&va);
  g_value_unset(&vb);
  return same;
}

template <typename Spec>
bool same_range(GParamSpec *a, GParamSpec *b) {
  auto *x = reinterpret_cast<Spec *>(a);
  auto *y = reinterpret_cast<Spec *>(b);
  return x->minimum == y->minimum && x->maximum == y->maximum;
}

bool same_range(GParamSpec *a, GParamSpec *b) {
  if (G_IS_PARAM_SPEC_INT(a)) return same_range<GParamSpecInt>(a, b);
  if (G_IS_PARAM_SPEC_UINT(a)) return same_range<GParamSpecUInt>(a, b);
  if (G_IS_PARAM_SPEC_INT64(a)) return same_range<GParamSpecInt64>(a, b);
  if (G_IS_PARAM_SPEC_UINT64(a)) return same_range<GParamSpecUInt64>(a, b);
  return true;
}

TEST(Properties, EveryPropertyOfTheCElementWithItsTypeDefaultAndRange) {
  // Still missing (issue 13), by C element.
  const std::vector<std::string> pay_missing = {};
  const std::vector<std::string> depay_missing = {};
  struct Pair {
    const char *ours, *theirs;
    std::vector<std::string> missing;
  };
  const Pair pairs[] = {
      {"rtph264pay2", "rtph264pay", pay_missing},
      {"rtph265pay2", "rtph265pay", pay_missing},
      {"rtpg722pay2", "rtpg722pay", pay_missing},
      {"rtpg729pay2", "rtpg729pay", pay_missing},
      {"rtph264depay2", "rtph264depay", depay_missing},
      {"rtph265depay2", "rtph265depay", depay_missing},
      {"rtpg722depay2", "rtpg722depay", depay_missing},
      {"rtpg729depay2", "rtpg729depay", depay_missing},
      {"rtpredenc2", "rtpredenc", {}},
      {"rtpreddec2", "rtpreddec", {}},
      {"rtpulpfecenc2", "rtpulpfecenc", {}},
      {"rtpulpfecdec2", "rtpulpfecdec", {}},
  };
  for (const Pair &p : pairs) {
    SCOPED_TRACE(p.ours);
    GstElement *ours = gst_element_factory_make(p.ours, nullptr);
    GstElement *ref = gst_element_factory_make(p.theirs, nullptr);
    ASSERT_TRUE(ours && ref);
    guint n = 0;
    GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(ref), &n);
    for (guint i = 0; i < n; ++i) {
      const std::string name = specs[i]->name;
      if (name == "name" || name == "parent") continue;
      GParamSpec *mine = g_object_class_find_property(G_OBJECT_GET_CLASS(ours), name.c_str());
      const bool listed = std::find(p.missing.begin(), p.missing.end(), name) != p.missing.end();
      if (listed) {
        EXPECT_EQ(mine, nullptr) << name << " is there now: take it off the missing list";
        continue;
      }
      ASSERT_NE(mine, nullptr) << name;
      EXPECT_EQ(G_PARAM_SPEC_VALUE_TYPE(mine) == G_PARAM_SPEC_VALUE_TYPE(specs[i]) ||
                    (G_IS_PARAM_SPEC_ENUM(mine) && G_IS_PARAM_SPEC_ENUM(specs[i])),
                true)
          << name;
      if (G_PARAM_SPEC_VALUE_TYPE(mine) != G_PARAM_SPEC_VALUE_TYPE(specs[i])) continue;
      EXPECT_TRUE(same_default(mine, specs[i])) << name << " default";
      EXPECT_TRUE(same_range(mine, specs[i])) << name << " range";
      EXPECT_EQ(mine->flags & (G_PARAM_READABLE | G_PARAM_WRITABLE),
                specs[i]->flags & (G_PARAM_READABLE | G_PARAM_WRITABLE))
          << name << " flags";
    }
    g_free(specs);
    gst_object_unref(ours);
    gst_object_unref(ref);
  }
}

}  // namespace

int main(int argc, char **argv) {
  use_build_tree_plugin();
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  return RUN_ALL_TESTS();
}
