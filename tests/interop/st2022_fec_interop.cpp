// SMPTE 2022-1 FEC against gst-plugins-good 1.22: their rtpst2022-1-fecenc
// into our rtpst2022-1-fecdec2, our rtpst2022-1-fecenc2 into their
// rtpst2022-1-fecdec, and ours into ours, for several geometries. A pad
// probe drops a fixed set of media packets (seeded RNG: random loss plus a
// burst) between encoder and decoder; the packets the decoder gives back
// must be byte-identical to the dropped originals, and exactly the set that
// row/column parity can rebuild in theory (peeling over the loss matrix,
// tests/unit/fec/st2022_1_model.hpp). Plus drop-in parity: every property
// and pad template of the C elements exists on ours, alike.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "st2022_1_model.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif

namespace {

using Bytes = std::vector<guint8>;
namespace model = srtcore::fec::st2022_test;

constexpr int kPackets = 1200;
constexpr guint16 kFirstSeq = 65300;  // wraps within the stream

using Geometry = model::Geometry;

const Geometry kGeometries[] = {
    {"4x4", 4, 4, true, true},
    {"10x10", 10, 10, true, true},
    {"5x10 rows-only", 5, 10, true, false},
    {"4x5 columns-only", 4, 5, false, true},
};

Bytes media_packet(std::mt19937 &rng, guint16 seq) {
  const std::size_t len = 1 + rng() % 1316;
  Bytes b(12 + len);
  const bool marker = rng() % 5 == 0;
  b[0] = 0x80;
  b[1] = static_cast<guint8>((marker ? 0x80 : 0) | 33);
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  const guint32 ts = rng();
  for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<guint8>(ts >> (24 - 8 * i));
  // SSRC 0: rtpst2022-1-fecenc refuses anything else.
  for (std::size_t i = 12; i < b.size(); ++i) b[i] = static_cast<guint8>(rng());
  return b;
}

guint16 seq_of(const guint8 *p) {
  return static_cast<guint16>(p[2] << 8 | p[3]);
}

struct DropSet {
  std::set<guint16> seqs;
};

GstPadProbeReturn drop_probe(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *drops = static_cast<DropSet *>(data);
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  guint8 head[4];
  if (gst_buffer_extract(b, 0, head, 4) == 4 && drops->seqs.count(seq_of(head)))
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

bool have(const char *factory) {
  GstElementFactory *f = gst_element_factory_find(factory);
  if (f) gst_object_unref(f);
  return f != nullptr;
}

struct Result {
  std::map<guint16, Bytes> out;  // by sequence number; duplicates counted
  int duplicates = 0;            // a sequence number seen again
  int conflicts = 0;             // ... with other bytes
};

// Adaptive mode (ours only): reported-loss set on the encoder right before
// it takes the media packet at each offset, from its streaming thread.
struct LossSchedule {
  GstElement *enc = nullptr;
  std::map<guint16, double> at;  // sequence number -> reported loss
};

GstPadProbeReturn schedule_probe(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *sched = static_cast<LossSchedule *>(data);
  guint8 head[4];
  if (gst_buffer_extract(GST_PAD_PROBE_INFO_BUFFER(info), 0, head, 4) == 4) {
    const auto it = sched->at.find(seq_of(head));
    if (it != sched->at.end()) g_object_set(sched->enc, "reported-loss", it->second, nullptr);
  }
  return GST_PAD_PROBE_OK;
}

// appsrc ! enc ! [drop] dec ! appsink, with enc's fec_0/fec_1 into dec's.
Result run(const char *enc_name, const char *dec_name, const Geometry &g,
           const std::vector<Bytes> &media, DropSet &drops, LossSchedule *schedule = nullptr) {
  Result r;
  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *src = gst_element_factory_make("appsrc", nullptr);
  GstElement *enc = gst_element_factory_make(enc_name, nullptr);
  GstElement *dec = gst_element_factory_make(dec_name, nullptr);
  GstElement *sink = gst_element_factory_make("appsink", nullptr);
  EXPECT_TRUE(src && enc && dec && sink);
  GstCaps *caps = gst_caps_from_string(
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=MP2T,payload=33");
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, nullptr);
  gst_caps_unref(caps);
  g_object_set(enc, "columns", g.l, "rows", g.d, "enable-row-fec", g.rows, "enable-column-fec",
               g.columns, nullptr);
  g_object_set(sink, "sync", FALSE, nullptr);
  if (schedule) {
    schedule->enc = enc;
    g_object_set(enc, "adaptive", TRUE, nullptr);
    GstPad *encsink = gst_element_get_static_pad(enc, "sink");
    gst_pad_add_probe(encsink, GST_PAD_PROBE_TYPE_BUFFER, schedule_probe, schedule, nullptr);
    gst_object_unref(encsink);
  }
  gst_bin_add_many(GST_BIN(pipe), src, enc, dec, sink, nullptr);
  EXPECT_TRUE(gst_element_link(src, enc));
  EXPECT_TRUE(gst_element_link_pads(enc, "src", dec, "sink"));
  EXPECT_TRUE(gst_element_link(dec, sink));
  EXPECT_EQ(gst_element_set_state(pipe, GST_STATE_PAUSED), GST_STATE_CHANGE_ASYNC);
  // The FEC pads exist from PAUSED on (both encoders add them then).
  for (const char *name : {"fec_0", "fec_1"}) {
    GstPad *from = gst_element_get_static_pad(enc, name);
    GstPad *to = gst_element_request_pad_simple(dec, name);
    EXPECT_TRUE(from && to) << enc_name << " " << name;
    if (from && to) {
      EXPECT_EQ(gst_pad_link(from, to), GST_PAD_LINK_OK);
    }
    if (from) gst_object_unref(from);
    if (to) gst_object_unref(to);
  }
  GstPad *encsrc = gst_element_get_static_pad(enc, "src");
  gst_pad_add_probe(encsrc, GST_PAD_PROBE_TYPE_BUFFER, drop_probe, &drops, nullptr);
  gst_object_unref(encsrc);
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  for (const Bytes &m : media) {
    GstBuffer *b = gst_buffer_new_memdup(m.data(), m.size());
    EXPECT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), b), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  while (GstSample *s = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    GstBuffer *b = gst_sample_get_buffer(s);
    Bytes bytes(gst_buffer_get_size(b));
    gst_buffer_extract(b, 0, bytes.data(), bytes.size());
    if (bytes.size() >= 12) {
      const auto it = r.out.find(seq_of(bytes.data()));
      if (it != r.out.end()) {
        ++r.duplicates;
        if (it->second != bytes) ++r.conflicts;
      }
      r.out[seq_of(bytes.data())] = bytes;
    }
    gst_sample_unref(s);
  }
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *err = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  EXPECT_EQ(err, nullptr) << enc_name << " -> " << dec_name << " posted an error";
  if (err) gst_message_unref(err);
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(pipe);
  return r;
}

void check_direction(const char *enc_name, const char *dec_name) {
  if (!have(enc_name) || !have(dec_name)) {
    GTEST_SKIP() << enc_name << " or " << dec_name << " missing (gst-plugins-good 1.20+)";
  }
  for (const Geometry &g : kGeometries) {
    std::mt19937 rng(2022u + static_cast<unsigned>(g.l * 100 + g.d));
    std::vector<Bytes> media;
    for (int i = 0; i < kPackets; ++i)
      media.push_back(media_packet(rng, static_cast<guint16>(kFirstSeq + i)));
    // Losses only in whole matrices whose FEC surely left before the end
    // (column packets go out up to about 2 matrices later).
    const int md = std::max(g.d, 1) * g.l;
    const int bound = (kPackets - 2 * md - g.l) / md * md;
    std::set<std::int64_t> lost;
    for (int i = 0; i < bound; ++i)
      if (rng() % 100 < 6) lost.insert(i);
    for (int i = bound / 2; i < bound / 2 + 5; ++i) lost.insert(i);  // a burst
    DropSet drops;
    for (auto i : lost) drops.seqs.insert(static_cast<guint16>(kFirstSeq + i));
    const auto groups = model::groups(g.l, g.d, g.rows, g.columns, bound);
    const auto theory = model::peel(groups, std::vector<bool>(groups.size(), true), lost);

    const Result r = run(enc_name, dec_name, g, media, drops);
    std::set<std::int64_t> rebuilt;
    for (const auto &[seq, bytes] : r.out) {
      const std::int64_t off = static_cast<guint16>(seq - kFirstSeq);
      ASSERT_LT(off, kPackets);
      if (!lost.count(off)) continue;
      rebuilt.insert(off);
      EXPECT_EQ(bytes, media[static_cast<std::size_t>(off)])
          << enc_name << " -> " << dec_name << " " << g.name << ": packet " << off;
    }
    EXPECT_EQ(rebuilt, theory) << enc_name << " -> " << dec_name << " " << g.name;
    EXPECT_EQ(r.out.size(), kPackets - lost.size() + rebuilt.size());
    EXPECT_EQ(r.conflicts, 0);
    // rtpst2022-1-fecenc sends a row's FEC packet before the row's last
    // media packet, so a decoder may rebuild that packet before it arrives:
    // the C decoder then pushes it twice, ours drops the late original.
    if (std::strcmp(dec_name, "rtpst2022-1-fecdec2") == 0) {
      EXPECT_EQ(r.duplicates, 0);
    }
    std::printf("%-20s -> %-20s %-18s lost %4zu rebuilt %4zu theory %4zu duplicates out %d\n",
                enc_name, dec_name, g.name, lost.size(), rebuilt.size(), theory.size(),
                r.duplicates);
  }
}

TEST(St2022FecInterop, TheirEncoderOurDecoder) {
  check_direction("rtpst2022-1-fecenc", "rtpst2022-1-fecdec2");
}
TEST(St2022FecInterop, OurEncoderTheirDecoder) {
  check_direction("rtpst2022-1-fecenc2", "rtpst2022-1-fecdec");
}
TEST(St2022FecInterop, OurEncoderOurDecoder) {
  check_direction("rtpst2022-1-fecenc2", "rtpst2022-1-fecdec2");
}
// The reference against itself: the model is right about the C elements too.
TEST(St2022FecInterop, TheirEncoderTheirDecoder) {
  check_direction("rtpst2022-1-fecenc", "rtpst2022-1-fecdec");
}

// Our encoder in adaptive mode, the loss reported rising matrix by matrix
// (10 x 5: rows cost 10 %, columns 20 %; target 0.9, one parity per k
// packets rebuilds with (1-p)^k): 0 -> nothing; 0.005 -> k = 21, rows (the
// cheaper of the two that do); 0.02 -> k = 5, columns only; 0.2 -> k < 1,
// both. Each decoder rebuilds exactly what the parity sent for each matrix
// allows (the model with only those groups), byte for byte.
void check_adaptive(const char *dec_name) {
  if (!have(dec_name)) GTEST_SKIP() << dec_name << " missing (gst-plugins-good 1.20+)";
  const Geometry g{"10x5 adaptive", 10, 5, true, true};
  constexpr int kMatrix = 50;
  struct Phase {
    double loss;
    bool rows, columns;
  };
  const Phase phases[] = {
      {0.0, false, false}, {0.005, true, false}, {0.02, false, true}, {0.2, true, true}};
  constexpr int kPerPhase = 4;  // matrices
  std::mt19937 rng(20221u);
  std::vector<Bytes> media;
  for (int i = 0; i < kPackets; ++i)
    media.push_back(media_packet(rng, static_cast<guint16>(kFirstSeq + i)));
  LossSchedule schedule;
  for (int p = 0; p < 4; ++p)
    schedule.at[static_cast<guint16>(kFirstSeq + p * kPerPhase * kMatrix)] = phases[p].loss;
  const int bound = 4 * kPerPhase * kMatrix;  // the last phase goes on to the end
  std::set<std::int64_t> lost;
  for (int i = 0; i < bound; ++i)
    if (rng() % 100 < 6) lost.insert(i);
  for (int p = 0; p < 4; ++p)  // a burst of 4 in each phase
    for (int i = 0; i < 4; ++i) lost.insert(p * kPerPhase * kMatrix + 73 + i);
  DropSet drops;
  for (auto i : lost) drops.seqs.insert(static_cast<guint16>(kFirstSeq + i));
  const auto groups = model::groups(g.l, g.d, true, true, bound);
  std::vector<bool> sent(groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const Phase &ph = phases[groups[i].members.front() / (kPerPhase * kMatrix)];
    sent[i] = groups[i].row ? ph.rows : ph.columns;
  }
  const auto theory = model::peel(groups, sent, lost);

  const Result r = run("rtpst2022-1-fecenc2", dec_name, g, media, drops, &schedule);
  std::set<std::int64_t> rebuilt;
  for (const auto &[seq, bytes] : r.out) {
    const std::int64_t off = static_cast<guint16>(seq - kFirstSeq);
    if (!lost.count(off)) continue;
    rebuilt.insert(off);
    EXPECT_EQ(bytes, media[static_cast<std::size_t>(off)]) << dec_name << ": packet " << off;
  }
  EXPECT_EQ(rebuilt, theory) << dec_name;
  EXPECT_EQ(r.conflicts, 0);
  // Nothing in the first phase; each later phase rebuilds some.
  for (int p = 0; p < 4; ++p) {
    const auto in_phase = [&](std::int64_t off) { return off / (kPerPhase * kMatrix) == p; };
    const auto n = std::count_if(rebuilt.begin(), rebuilt.end(), in_phase);
    if (p == 0)
      EXPECT_EQ(n, 0) << "phase 0 sent FEC";
    else
      EXPECT_GT(n, 0) << "phase " << p;
  }
  std::printf("adaptive rtpst2022-1-fecenc2 -> %-20s lost %4zu rebuilt %4zu theory %4zu\n",
              dec_name, lost.size(), rebuilt.size(), theory.size());
}

TEST(St2022FecAdaptiveInterop, OurAdaptiveEncoderTheirDecoder) {
  check_adaptive("rtpst2022-1-fecdec");
}
TEST(St2022FecAdaptiveInterop, OurAdaptiveEncoderOurDecoder) {
  check_adaptive("rtpst2022-1-fecdec2");
}

// An RTCP receiver report with one report block about `ssrc`.
GstBuffer *receiver_report(guint32 about, guint8 fraction_lost) {
  GstBuffer *b = gst_rtcp_buffer_new(1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(b, GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket packet;
  gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &packet);
  gst_rtcp_packet_rr_set_ssrc(&packet, 0xABCDEF01);
  gst_rtcp_packet_add_rb(&packet, about, fraction_lost, 3, 1000, 0, 0, 0);
  gst_rtcp_buffer_unmap(&rtcp);
  return b;
}

// The RTCP path of adaptive mode: rtpbin's session (here an rtpsession's,
// the same RTPSession object) hands every received compound to the encoder;
// only report blocks about the SSRC it protects count.
TEST(St2022FecAdaptiveInterop, ReceiverReportsAboutOurMediaSetTheLoss) {
  if (!have("rtpsession")) GTEST_SKIP() << "rtpsession missing";
  GstElement *enc = gst_element_factory_make("rtpst2022-1-fecenc2", nullptr);
  GstElement *rtpsession = gst_element_factory_make("rtpsession", nullptr);
  ASSERT_TRUE(enc && rtpsession);
  GObject *session = nullptr;
  g_object_get(rtpsession, "internal-session", &session, nullptr);
  ASSERT_TRUE(session);
  g_object_set(enc, "columns", 10u, "rows", 5u, "adaptive", TRUE, "rtp-session", session, nullptr);
  ASSERT_NE(gst_element_set_state(enc, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  // One media packet of SSRC 0x12345678 through the encoder (its src pad is
  // unlinked: the media is not wanted here, the encoder learns the SSRC).
  std::mt19937 rng(7u);
  Bytes m = media_packet(rng, 100);
  m[8] = 0x12, m[9] = 0x34, m[10] = 0x56, m[11] = 0x78;
  GstPad *sink = gst_element_get_static_pad(enc, "sink");
  gst_pad_chain(sink, gst_buffer_new_memdup(m.data(), m.size()));
  gst_object_unref(sink);
  auto reported = [&] {
    gdouble loss = -1;
    g_object_get(enc, "reported-loss", &loss, nullptr);
    return loss;
  };
  GstBuffer *other = receiver_report(0x0BADF00D, 128);
  g_signal_emit_by_name(session, "on-receiving-rtcp", other);
  gst_buffer_unref(other);
  EXPECT_EQ(reported(), 0.0) << "a report about another SSRC counted";
  GstBuffer *ours = receiver_report(0x12345678, 5);  // 5/256 lost
  g_signal_emit_by_name(session, "on-receiving-rtcp", ours);
  gst_buffer_unref(ours);
  EXPECT_DOUBLE_EQ(reported(), 5 / 256.0);
  gst_element_set_state(enc, GST_STATE_NULL);
  g_object_set(enc, "rtp-session", nullptr, nullptr);
  g_object_unref(session);
  gst_object_unref(rtpsession);
  gst_object_unref(enc);
}

void check_dropin(const char *theirs, const char *ours) {
  GstElement *c = gst_element_factory_make(theirs, nullptr);
  GstElement *o = gst_element_factory_make(ours, nullptr);
  if (!c) GTEST_SKIP() << theirs << " missing";
  ASSERT_TRUE(o) << ours;
  guint n = 0;
  GParamSpec **props = g_object_class_list_properties(G_OBJECT_GET_CLASS(c), &n);
  for (guint i = 0; i < n; ++i) {
    const GParamSpec *cp = props[i];
    if (!std::strcmp(cp->name, "name")) continue;  // defaults differ by type name
    GParamSpec *op = g_object_class_find_property(G_OBJECT_GET_CLASS(o), cp->name);
    ASSERT_TRUE(op) << ours << " lacks " << cp->name;
    EXPECT_EQ(G_PARAM_SPEC_VALUE_TYPE(op), G_PARAM_SPEC_VALUE_TYPE(cp)) << cp->name;
    const guint mask = G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY | GST_PARAM_MUTABLE_PAUSED |
                       GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE;
    EXPECT_EQ(op->flags & mask, cp->flags & mask) << cp->name;
    EXPECT_EQ(gst_value_compare(g_param_spec_get_default_value(op),
                                g_param_spec_get_default_value(const_cast<GParamSpec *>(cp))),
              GST_VALUE_EQUAL)
        << cp->name;
    if (G_IS_PARAM_SPEC_UINT(cp)) {
      EXPECT_EQ(G_PARAM_SPEC_UINT(op)->minimum, G_PARAM_SPEC_UINT(cp)->minimum) << cp->name;
      EXPECT_EQ(G_PARAM_SPEC_UINT(op)->maximum, G_PARAM_SPEC_UINT(cp)->maximum) << cp->name;
    } else if (G_IS_PARAM_SPEC_INT(cp)) {
      EXPECT_EQ(G_PARAM_SPEC_INT(op)->minimum, G_PARAM_SPEC_INT(cp)->minimum) << cp->name;
      EXPECT_EQ(G_PARAM_SPEC_INT(op)->maximum, G_PARAM_SPEC_INT(cp)->maximum) << cp->name;
    } else if (G_IS_PARAM_SPEC_UINT64(cp)) {
      EXPECT_EQ(G_PARAM_SPEC_UINT64(op)->minimum, G_PARAM_SPEC_UINT64(cp)->minimum) << cp->name;
      EXPECT_EQ(G_PARAM_SPEC_UINT64(op)->maximum, G_PARAM_SPEC_UINT64(cp)->maximum) << cp->name;
    }
  }
  g_free(props);
  for (const GList *t = gst_element_class_get_pad_template_list(GST_ELEMENT_GET_CLASS(c)); t;
       t = t->next) {
    auto *ct = static_cast<GstPadTemplate *>(t->data);
    GstPadTemplate *ot =
        gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(o), ct->name_template);
    ASSERT_TRUE(ot) << ours << " lacks pad template " << ct->name_template;
    EXPECT_EQ(ot->direction, ct->direction) << ct->name_template;
    EXPECT_EQ(ot->presence, ct->presence) << ct->name_template;
  }
  gst_object_unref(c);
  gst_object_unref(o);
}

TEST(St2022FecDropIn, EncoderPropertiesAndPads) {
  check_dropin("rtpst2022-1-fecenc", "rtpst2022-1-fecenc2");
}
TEST(St2022FecDropIn, DecoderPropertiesAndPads) {
  check_dropin("rtpst2022-1-fecdec", "rtpst2022-1-fecdec2");
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR && !g_getenv("GST_PLUGIN_PATH")) {
    g_setenv("GST_PLUGIN_PATH", SRTRTP_PLUGIN_DIR, TRUE);
  }
  gst_init(&argc, &argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
