// FEC end to end on decoded video: an x264enc stream (encoded once) is
// payloaded by rtph264pay, protected by a FEC encoder (ours or
// gst-plugins-good's), sent through a recorded loss pattern (wire packets
// dropped by index, random and burst), rebuilt by a FEC decoder (the other
// side's, or the same side's as a control), put in order by an
// rtpjitterbuffer, depayloaded by rtph264depay and decoded by avdec_h264;
// every decoded frame is hashed.
//
// Expected values: the reference is the same encoded stream decoded
// without loss (h264parse ! avdec_h264). The test's own model says which
// lost media packets the scheme can rebuild: peeling over the groups the
// FEC packets that arrived protect, read from their bytes (RFC 5109 masks,
// the SMPTE 2022-1 header, RFC 8627 fixed/flexible headers). A frame with
// a packet the model cannot rebuild, and every frame after it up to the
// next IDR frame (they predict from it), may differ; every other frame must
// be identical to the reference, and with nothing unrecoverable the frame
// count must be equal too. Decoded frames are matched to the reference by
// PTS: the jitterbuffers run in mode none, so PTS follows the RTP time.
//
// - ULPFEC in RED through two rtpbins (request-fec-encoder, rtpstorage via
//   get-internal-storage, request-fec-decoder, do-lost), RED outside rtpbin
//   as the ULPFEC interop wires it: all four pairings of
//   rtpulpfecenc(2)+rtpredenc(2) / rtpreddec(2)+rtpulpfecdec(2).
// - SMPTE 2022-1 row+column (4x4, loss on media only): all four pairings,
//   rtpjitterbuffer after the decoder (rebuilt packets come late).
// - FlexFEC (ours only, 4x4 fixed form): rtpflexfecenc from the sender
//   rtpbin's request-fec-encoder (fec-on-src), rtpflexfecdec before the
//   receiver rtpbin's session from request-aux-receiver.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "framecheck.hpp"
#include "st2022_1_model.hpp"
#include "ulpfec_model.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif
#ifndef SRTRTP_REGISTRY
#define SRTRTP_REGISTRY ""
#endif

namespace fc = framecheck;

namespace {

using Bytes = std::vector<guint8>;

constexpr guint8 kMediaPt = 96;
constexpr guint8 kUlpfecPt = 117;
constexpr guint8 kRedPt = 122;
constexpr int kFps = 30;
constexpr int kFrames = 60;
constexpr GstClockTime kFrameDuration = GST_SECOND / kFps;
constexpr const char *kRtpCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96";

guint16 seq_of(const Bytes &b) {
  return static_cast<guint16>(b[2] << 8 | b[3]);
}
guint32 ts_of(const Bytes &b) {
  return static_cast<guint32>(b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7]);
}
guint8 pt_of(const Bytes &b) {
  return b[1] & 0x7F;
}

Bytes bytes_of(GstBuffer *b) {
  Bytes out(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, out.data(), out.size());
  return out;
}

bool have_all(std::initializer_list<const char *> names) {
  for (const char *n : names)
    if (!fc::element_available(n)) return false;
  return true;
}

// ------------------------------------------------------------ the source
struct Packet {
  Bytes bytes;
  GstClockTime pts;
};

// The encoded stream, its lossless decode, and its RTP packets.
struct Source {
  fc::EncodedStream encoded;
  fc::DecodeResult reference;
  std::vector<bool> idr;  // per frame
  std::vector<Packet> rtp;
  std::map<guint32, int> frame_of_ts;  // RTP timestamp -> frame index
  std::string error;
};

const Source &source() {
  static const Source cached = [] {
    Source s;
    fc::EncodeSettings e;
    e.frames = kFrames;
    e.fps = kFps;
    e.profile = "baseline";
    e.key_int_max = 20;  // three IDR frames: loss damages up to the next one
    e.bitrate_kbps = 600;
    s.encoded = fc::encode(e);
    s.reference = fc::decode_direct(s.encoded);
    for (const auto &b : s.encoded.buffers)
      s.idr.push_back(!GST_BUFFER_FLAG_IS_SET(b.get(), GST_BUFFER_FLAG_DELTA_UNIT));
    // Small packets: several per frame, FU-A fragments, so losses hit inside frames.
    GstElement *pipe = gst_parse_launch(
        "appsrc name=src format=time ! rtph264pay mtu=400 config-interval=-1 pt=96 ssrc=0 "
        "seqnum-offset=1000 timestamp-offset=0 ! appsink name=sink sync=false",
        nullptr);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    g_object_set(src, "caps", s.encoded.caps.get(), nullptr);
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    for (const auto &b : s.encoded.buffers)
      gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(b.get()));
    gst_app_src_end_of_stream(GST_APP_SRC(src));
    while (GstSample *smp = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
      GstBuffer *b = gst_sample_get_buffer(smp);
      s.rtp.push_back({bytes_of(b), GST_BUFFER_PTS(b)});
      gst_sample_unref(smp);
    }
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    for (const Packet &p : s.rtp) {
      const guint32 ts = ts_of(p.bytes);
      if (!s.frame_of_ts.count(ts)) {
        const int next = static_cast<int>(s.frame_of_ts.size());
        s.frame_of_ts[ts] = next;
      }
    }
    if (!s.reference.ok()) s.error = "reference decode: " + s.reference.error;
    return s;
  }();
  return cached;
}

// ------------------------------------------------------------ the loss
// Wire packets (media and FEC as the link carries them) dropped by index.
struct Loss {
  const char *name;
  std::set<std::size_t> drop;
};

// Random loss at `percent` plus bursts of `burst` every `burst_every`
// packets, only in [from, to): the first frames (SPS/PPS, the first IDR)
// and the stream's tail (FEC the decoder gets only after the jitterbuffer
// gave up, or never: a partial group at EOS) are left alone.
Loss make_loss(const char *name, unsigned seed, int percent, int burst, std::size_t burst_every,
               std::size_t from, std::size_t to) {
  Loss l{name, {}};
  std::mt19937 rng(seed);
  for (std::size_t i = from; i < to; ++i) {
    if (static_cast<int>(rng() % 100) < percent) l.drop.insert(i);
    if (burst > 0 && (i - from) % burst_every == burst_every / 2)
      for (int k = 0; k < burst; ++k) l.drop.insert(i + static_cast<std::size_t>(k));
  }
  return l;
}

// Single losses `step` apart in [from, to): each far enough from the next
// for its group's FEC to rebuild it.
Loss spaced_losses(std::size_t from, std::size_t to, std::size_t step) {
  Loss l{"single losses", {}};
  for (std::size_t i = from; i < to; i += step) l.drop.insert(i);
  return l;
}

// A pad probe that counts what passes and drops by index; also records it.
struct Link {
  const Loss *loss = nullptr;
  std::size_t index_base = 0;                // where this pad's indices start (per-pad patterns)
  std::vector<std::pair<Bytes, bool>> wire;  // bytes, dropped
  std::mutex lock;
};

// One wire packet: recorded, and whether the pattern drops it. Lock held.
bool link_take(Link *l, GstBuffer *b) {
  const std::size_t i = l->index_base + l->wire.size();
  const bool drop = l->loss->drop.count(i) != 0;
  l->wire.emplace_back(bytes_of(b), drop);
  return drop;
}

gboolean link_list_item(GstBuffer **b, guint, gpointer data) {
  if (link_take(static_cast<Link *>(data), *b)) gst_clear_buffer(b);  // removed from the list
  return TRUE;
}

// Buffers and buffer lists alike (our RED encoder pushes a frame's packets as a list).
GstPadProbeReturn link_probe(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *l = static_cast<Link *>(data);
  std::lock_guard g(l->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    GST_PAD_PROBE_INFO_DATA(info) = list;
    gst_buffer_list_foreach(list, link_list_item, l);
    return gst_buffer_list_length(list) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
  }
  return link_take(l, GST_PAD_PROBE_INFO_BUFFER(info)) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

void add_link(GstElement *e, const char *pad, Link *l) {
  GstPad *p = gst_element_get_static_pad(e, pad);
  ASSERT_TRUE(p) << pad;
  gst_pad_add_probe(
      p, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      link_probe, l, nullptr);
  gst_object_unref(p);
}

// ------------------------------------------------------------ the check
struct Frame {
  GstClockTime pts;
  fc::Digest digest;
};

// What the model says: media packets lost, rebuilt, and the frames that may differ.
struct Theory {
  std::size_t fec_sent = 0;  // FEC packets the encoder put on the wire
  std::size_t lost = 0;
  std::size_t rebuilt = 0;
  std::set<int> unrecoverable_frames;  // frames with a packet not rebuilt
};

std::set<int> damaged_frames(const Theory &t) {
  const Source &s = source();
  std::set<int> out;
  for (int f : t.unrecoverable_frames)
    for (int k = f; k < kFrames && (k == f || !s.idr[static_cast<std::size_t>(k)]); ++k)
      out.insert(k);
  return out;
}

void check_frames(const std::string &label, const Theory &t, const std::vector<Frame> &out) {
  const Source &s = source();
  const std::set<int> damaged = damaged_frames(t);
  std::map<int, int> seen;
  std::size_t identical = 0;
  ASSERT_FALSE(out.empty()) << label << ": no frame decoded";
  // The first frame is never damaged (no loss before it): it anchors the PTS.
  ASSERT_FALSE(damaged.count(0));
  for (const Frame &f : out) {
    const double rel = static_cast<double>(static_cast<gint64>(f.pts - out.front().pts)) /
                       static_cast<double>(kFrameDuration);
    const int idx = static_cast<int>(std::lround(rel));
    ASSERT_LT(std::fabs(rel - idx), 0.1) << label << ": PTS off the frame grid";
    ++seen[idx];
    if (damaged.count(idx)) continue;
    ASSERT_GE(idx, 0) << label;
    ASSERT_LT(idx, kFrames) << label;
    EXPECT_EQ(f.digest, s.reference.frames[static_cast<std::size_t>(idx)])
        << label << ": frame " << idx << " differs, and the model says it can be rebuilt";
    if (f.digest == s.reference.frames[static_cast<std::size_t>(idx)]) ++identical;
  }
  for (int i = 0; i < kFrames; ++i) {
    if (damaged.count(i)) continue;
    EXPECT_EQ(seen[i], 1) << label << ": frame " << i << " decoded " << seen[i] << " times";
  }
  if (damaged.empty()) {
    EXPECT_EQ(out.size(), s.reference.frames.size()) << label;
  }
  std::printf(
      "%-44s fec %3zu lost %3zu rebuilt(model) %3zu frames out %2zu identical %2zu may-differ "
      "%2zu\n",
      label.c_str(), t.fec_sent, t.lost, t.rebuilt, out.size(), identical, damaged.size());
}

// ------------------------------------------------------------ pipelines
// appsrc with the RTP packets, paced by the clock as a live sender sends.
GstElement *add_source(GstElement *pipe, GstElement **pace) {
  GstElement *src = gst_element_factory_make("appsrc", nullptr);
  *pace = gst_element_factory_make("identity", nullptr);
  GstCaps *caps = gst_caps_from_string((std::string(kRtpCaps) + ",ssrc=(uint)0").c_str());
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, nullptr);
  gst_caps_unref(caps);
  g_object_set(*pace, "sync", TRUE, nullptr);
  gst_bin_add_many(GST_BIN(pipe), src, *pace, nullptr);
  gst_element_link(src, *pace);
  return src;
}

// rtph264depay ! avdec_h264 ! appsink (I420), as one bin with a sink pad.
GstElement *add_tail(GstElement *pipe) {
  GstElement *tail = gst_parse_bin_from_description(
      "rtph264depay ! avdec_h264 ! appsink name=frames caps=video/x-raw,format=I420 sync=false "
      "async=false",
      TRUE, nullptr);
  gst_bin_add(GST_BIN(pipe), tail);
  return tail;
}

// Plays the pipeline, feeds the packets, and collects decoded frames until
// the frame sink sees EOS (other sinks, for pads rtpbin makes for FEC
// payload types, may never get one) or an error is posted.
std::string run_to_eos(GstElement *pipe, GstElement *src, GstElement *tail,
                       std::vector<Frame> &frames) {
  if (gst_element_set_state(pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return "cannot play";
  for (const Packet &p : source().rtp) {
    GstBuffer *b = gst_buffer_new_memdup(p.bytes.data(), p.bytes.size());
    GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = p.pts - source().rtp.front().pts;
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstElement *sink = gst_bin_get_by_name(GST_BIN(tail), "frames");
  std::string err;
  while (GstSample *smp = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND)) {
    std::string digest_error;
    Frame f{GST_BUFFER_PTS(gst_sample_get_buffer(smp)), fc::digest_frame(smp, &digest_error)};
    if (!digest_error.empty()) err = digest_error;
    frames.push_back(f);
    gst_sample_unref(smp);
  }
  if (!gst_app_sink_is_eos(GST_APP_SINK(sink)) && err.empty()) err = "no EOS within 20 s";
  gst_object_unref(sink);
  GstBus *bus = gst_element_get_bus(pipe);
  if (GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError *e = nullptr;
    gst_message_parse_error(msg, &e, nullptr);
    err = std::string("error: ") + (e ? e->message : "?") + " from " + GST_OBJECT_NAME(msg->src);
    g_clear_error(&e);
    gst_message_unref(msg);
  }
  gst_object_unref(bus);
  return err;
}

// ------------------------------------------------------------ ULPFEC + RED
struct UlpSide {
  const char *fec;
  const char *red;
};
const UlpSide kTheirsTx{"rtpulpfecenc", "rtpredenc"};
const UlpSide kOursTx{"rtpulpfecenc2", "rtpredenc2"};
const UlpSide kTheirsRx{"rtpulpfecdec", "rtpreddec"};
const UlpSide kOursRx{"rtpulpfecdec2", "rtpreddec2"};

struct UlpCase {
  UlpSide tx, rx;
};

GstElement *ulp_encoder(GstElement *, guint, gpointer data) {
  auto *c = static_cast<UlpCase *>(data);
  GstElement *e = gst_element_factory_make(c->tx.fec, nullptr);
  g_object_set(e, "pt", guint{kUlpfecPt}, "percentage", 100u, nullptr);
  return e;
}
GstElement *ulp_decoder(GstElement *rtpbin, guint session, gpointer data) {
  auto *c = static_cast<UlpCase *>(data);
  GstElement *e = gst_element_factory_make(c->rx.fec, nullptr);
  GObject *storage = nullptr;
  g_signal_emit_by_name(rtpbin, "get-internal-storage", session, &storage);
  g_object_set(e, "pt", guint{kUlpfecPt}, "storage", storage, nullptr);
  g_object_unref(storage);
  return e;
}
void ulp_new_storage(GstElement *, GstElement *storage, guint, gpointer) {
  g_object_set(storage, "size-time", guint64{2 * GST_SECOND}, nullptr);
}
GstCaps *ulp_pt_map(GstElement *, guint, guint pt, gpointer) {
  if (pt == kMediaPt) return gst_caps_from_string(kRtpCaps);
  if (pt == kUlpfecPt)
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,is-fec=true,payload=117");
  return nullptr;
}

// The media pad to the tail; any other to a fakesink.
struct PadTarget {
  GstElement *pipe;
  GstElement *tail;
  const char *media_suffix;
};
void link_media_pad(GstElement *, GstPad *pad, gpointer data) {
  auto *t = static_cast<PadTarget *>(data);
  const gchar *name = GST_PAD_NAME(pad);
  if (!g_str_has_prefix(name, "recv_rtp_src_")) return;
  GstElement *sink = nullptr;
  if (g_str_has_suffix(name, t->media_suffix)) {
    sink = GST_ELEMENT(gst_object_ref(t->tail));
  } else {
    sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(t->pipe), GST_ELEMENT(gst_object_ref(sink)));
    gst_element_sync_state_with_parent(sink);
  }
  GstPad *sinkpad = gst_element_get_static_pad(sink, "sink");
  if (!gst_pad_is_linked(sinkpad)) gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
  gst_object_unref(sink);
}

// The model over what went on the wire: RED with one block (distance 0),
// the inner packet's header is the RED header with the block's payload type.
Theory ulp_theory(Link &wire) {
  namespace model = srtcore::fec::ulpfec_test;
  const Source &s = source();
  std::vector<model::Group> groups;
  std::set<guint16> lost;
  std::map<guint16, guint32> ts_by_seq;
  std::size_t fec_sent = 0;
  for (const auto &[red, dropped] : wire.wire) {
    Bytes inner(red.begin(), red.begin() + 12);
    inner[1] = static_cast<guint8>((red[1] & 0x80) | (red[12] & 0x7F));
    inner.insert(inner.end(), red.begin() + 13, red.end());
    const bool fec = pt_of(inner) == kUlpfecPt;
    if (fec) ++fec_sent;
    if (!fec) ts_by_seq[seq_of(red)] = ts_of(red);
    if (dropped && !fec) lost.insert(seq_of(red));
    if (!dropped && fec) groups.push_back({model::protected_seqs(inner)});
  }
  const std::set<guint16> rebuilt = model::peel(groups, lost);
  Theory t;
  t.fec_sent = fec_sent;
  t.lost = lost.size();
  t.rebuilt = rebuilt.size();
  for (guint16 q : lost)
    if (!rebuilt.count(q)) t.unrecoverable_frames.insert(s.frame_of_ts.at(ts_by_seq.at(q)));
  return t;
}

struct RunResult {
  Theory theory;
  std::vector<Frame> frames;
  std::string error;
};

RunResult ulp_run(UlpCase c, const Loss &loss) {
  RunResult r;
  Link wire;
  wire.loss = &loss;
  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *pace = nullptr;
  GstElement *src = add_source(pipe, &pace);
  GstElement *txbin = gst_element_factory_make("rtpbin", nullptr);
  GstElement *redenc = gst_element_factory_make(c.tx.red, nullptr);
  GstElement *reddec = gst_element_factory_make(c.rx.red, nullptr);
  // What a udpsrc gives rtpbin: bare RTP caps (the receiver maps payload types itself).
  GstElement *bare = gst_element_factory_make("capssetter", nullptr);
  GstElement *rxbin = gst_element_factory_make("rtpbin", nullptr);
  GstElement *tail = add_tail(pipe);
  GstCaps *bare_caps = gst_caps_from_string("application/x-rtp,media=video,clock-rate=90000");
  g_object_set(bare, "caps", bare_caps, "replace", TRUE, nullptr);
  gst_caps_unref(bare_caps);
  g_object_set(redenc, "pt", gint{kRedPt}, nullptr);
  g_object_set(reddec, "pt", gint{kRedPt}, nullptr);
  // buffer-mode none: output PTS from the RTP time (frames matched by PTS).
  g_object_set(rxbin, "latency", 400u, "do-lost", TRUE, "buffer-mode", 0, nullptr);
  g_signal_connect(txbin, "request-fec-encoder", G_CALLBACK(ulp_encoder), &c);
  g_signal_connect(rxbin, "request-fec-decoder", G_CALLBACK(ulp_decoder), &c);
  g_signal_connect(rxbin, "request-pt-map", G_CALLBACK(ulp_pt_map), nullptr);
  g_signal_connect(rxbin, "new-storage", G_CALLBACK(ulp_new_storage), nullptr);
  PadTarget target{pipe, tail, "_96"};
  g_signal_connect(rxbin, "pad-added", G_CALLBACK(link_media_pad), &target);
  gst_bin_add_many(GST_BIN(pipe), txbin, redenc, reddec, bare, rxbin, nullptr);
  const bool linked = gst_element_link_pads(pace, "src", txbin, "send_rtp_sink_0") &&
                      gst_element_link_pads(txbin, "send_rtp_src_0", redenc, "sink") &&
                      gst_element_link(redenc, reddec) && gst_element_link(reddec, bare) &&
                      gst_element_link_pads(bare, "src", rxbin, "recv_rtp_sink_0");
  if (!linked) {
    r.error = "cannot link";
  } else {
    add_link(redenc, "src", &wire);
    r.error = run_to_eos(pipe, src, tail, r.frames);
  }
  if (!r.error.empty())
    r.error += " (" + std::to_string(wire.wire.size()) + " on the wire, " +
               std::to_string(r.frames.size()) + " frames, first pts " +
               std::to_string(source().rtp.front().pts) + ")";
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(pipe);
  r.theory = ulp_theory(wire);
  return r;
}

// Light loss: single packets far apart (each frame's FEC can rebuild);
// heavy: 6 % random plus bursts of 6 (some the model cannot rebuild).
const Loss &ulp_light() {
  static const Loss l = spaced_losses(30, 330, 23);
  return l;
}
const Loss &ulp_heavy() {
  static const Loss l = make_loss("6% random + bursts of 6", 11, 6, 6, 120, 30, 330);
  return l;
}

// One run judged: it ran, lost packets and sent FEC; the light pattern is
// all recoverable by the model and the heavy one is not (so both branches
// of check_frames are exercised); then the frames.
void judge(const std::string &label, const RunResult &r, bool light) {
  ASSERT_TRUE(r.error.empty()) << label << ": " << r.error;
  ASSERT_GT(r.theory.lost, 0u) << label;
  ASSERT_GT(r.theory.fec_sent, 0u) << label << ": no FEC packet on the wire";
  if (light) {
    ASSERT_TRUE(r.theory.unrecoverable_frames.empty()) << label;
  } else {
    ASSERT_FALSE(r.theory.unrecoverable_frames.empty()) << label;
  }
  check_frames(label, r.theory, r.frames);
}

void ulp_case(const UlpSide &tx, const UlpSide &rx) {
  if (!have_all({tx.fec, tx.red, rx.fec, rx.red, "rtpbin", "rtpstorage", "capssetter", "x264enc",
                 "avdec_h264"}))
    GTEST_SKIP() << "gst-plugins-good/bad/ugly or libav missing";
  ASSERT_TRUE(source().error.empty()) << source().error;
  for (const Loss *loss : {&ulp_light(), &ulp_heavy()}) {
    const std::string label =
        std::string(tx.fec) + "+" + tx.red + " > " + rx.red + "+" + rx.fec + ", " + loss->name;
    judge(label, ulp_run({tx, rx}, *loss), loss == &ulp_light());
  }
}

TEST(FecFramesUlpfecRed, TheirsIntoOurs) {
  ulp_case(kTheirsTx, kOursRx);
}
TEST(FecFramesUlpfecRed, OursIntoTheirs) {
  ulp_case(kOursTx, kTheirsRx);
}
TEST(FecFramesUlpfecRed, OursIntoOurs) {
  ulp_case(kOursTx, kOursRx);
}
TEST(FecFramesUlpfecRed, TheirsIntoTheirs) {
  ulp_case(kTheirsTx, kTheirsRx);
}

// ------------------------------------------------------------ SMPTE 2022-1
// appsrc ! enc (4x4, rows and columns) ! [loss on media] dec (fec_0, fec_1)
// ! rtpjitterbuffer (rebuilt packets come late; mode none) ! tail.
RunResult st2022_run(const char *enc_name, const char *dec_name, const Loss &loss) {
  RunResult r;
  Link media;
  media.loss = &loss;
  Link fec[2];
  for (int i = 0; i < 2; ++i) {
    fec[i].loss = &loss;
    fec[i].index_base = 1000000u * static_cast<std::size_t>(i + 1);  // FEC not lost
  }
  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *pace = nullptr;
  GstElement *src = add_source(pipe, &pace);
  GstElement *enc = gst_element_factory_make(enc_name, nullptr);
  GstElement *dec = gst_element_factory_make(dec_name, nullptr);
  GstElement *jb = gst_element_factory_make("rtpjitterbuffer", nullptr);
  GstElement *tail = add_tail(pipe);
  g_object_set(enc, "columns", 4u, "rows", 4u, "enable-row-fec", TRUE, "enable-column-fec", TRUE,
               nullptr);
  g_object_set(jb, "latency", 400u, "mode", 0, nullptr);
  gst_bin_add_many(GST_BIN(pipe), enc, dec, jb, nullptr);
  bool linked = gst_element_link(pace, enc) && gst_element_link_pads(enc, "src", dec, "sink") &&
                gst_element_link(dec, jb) && gst_element_link(jb, tail);
  if (linked && gst_element_set_state(pipe, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE)
    linked = false;
  // The FEC pads exist from PAUSED on.
  for (int i = 0; linked && i < 2; ++i) {
    const std::string name = "fec_" + std::to_string(i);
    GstPad *from = gst_element_get_static_pad(enc, name.c_str());
    GstPad *to = gst_element_request_pad_simple(dec, name.c_str());
    linked = from && to && gst_pad_link(from, to) == GST_PAD_LINK_OK;
    if (from) gst_object_unref(from);
    if (to) gst_object_unref(to);
    if (linked) add_link(enc, name.c_str(), &fec[i]);
  }
  if (!linked) {
    r.error = "cannot link";
  } else {
    add_link(enc, "src", &media);
    r.error = run_to_eos(pipe, src, tail, r.frames);
  }
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(pipe);

  // The model: each FEC packet's group from its 2022-1 header (SNBase,
  // offset, NA), peeling over those that arrived.
  namespace model = srtcore::fec::st2022_test;
  const Source &s = source();
  std::vector<model::Group> groups;
  for (Link &l : fec)
    for (const auto &[b, dropped] : l.wire) {
      if (dropped || b.size() < 12 + 16) continue;
      const guint8 *h = b.data() + 12;
      const auto base = static_cast<guint16>(h[0] << 8 | h[1]);
      model::Group g;
      for (int j = 0; j < h[14]; ++j) g.members.push_back(static_cast<guint16>(base + j * h[13]));
      groups.push_back(g);
      ++r.theory.fec_sent;
    }
  std::set<std::int64_t> lost;
  std::map<std::int64_t, guint32> ts_by_seq;
  for (const auto &[b, dropped] : media.wire) {
    ts_by_seq[seq_of(b)] = ts_of(b);
    if (dropped) lost.insert(seq_of(b));
  }
  // Sequence numbers do not wrap in this stream (they start at 1000).
  const auto rebuilt = model::peel(groups, std::vector<bool>(groups.size(), true), lost);
  r.theory.lost = lost.size();
  r.theory.rebuilt = rebuilt.size();
  for (auto q : lost)
    if (!rebuilt.count(q)) r.theory.unrecoverable_frames.insert(s.frame_of_ts.at(ts_by_seq.at(q)));
  return r;
}

const Loss &st_light() {
  static const Loss l = spaced_losses(30, 170, 13);
  return l;
}
const Loss &st_heavy() {
  static const Loss l = make_loss("6% random + bursts of 6", 12, 6, 6, 60, 20, 170);
  return l;
}

void st2022_case(const char *enc, const char *dec) {
  if (!have_all({enc, dec, "rtpjitterbuffer", "x264enc", "avdec_h264"}))
    GTEST_SKIP() << "gst-plugins-good/ugly or libav missing";
  ASSERT_TRUE(source().error.empty()) << source().error;
  for (const Loss *loss : {&st_light(), &st_heavy()}) {
    const std::string label = std::string(enc) + " > " + dec + ", " + loss->name;
    judge(label, st2022_run(enc, dec, *loss), loss == &st_light());
  }
}

TEST(FecFramesSt2022, TheirsIntoOurs) {
  st2022_case("rtpst2022-1-fecenc", "rtpst2022-1-fecdec2");
}
TEST(FecFramesSt2022, OursIntoTheirs) {
  st2022_case("rtpst2022-1-fecenc2", "rtpst2022-1-fecdec");
}
TEST(FecFramesSt2022, OursIntoOurs) {
  st2022_case("rtpst2022-1-fecenc2", "rtpst2022-1-fecdec2");
}
TEST(FecFramesSt2022, TheirsIntoTheirs) {
  st2022_case("rtpst2022-1-fecenc", "rtpst2022-1-fecdec");
}

// ------------------------------------------------------------ FlexFEC
// Sender rtpbin: rtpflexfecenc from request-fec-encoder, repair packets
// interleaved on src (fec-on-src). Receiver rtpbin: rtpflexfecdec before the
// session, from request-aux-receiver (a bin with sink_0/src_0), so the
// repair SSRC reaches it and rtpbin's jitterbuffer sorts what it rebuilds.
constexpr guint8 kFlexPt = 100;

GstElement *flex_encoder(GstElement *, guint, gpointer) {
  GstElement *e = gst_element_factory_make("rtpflexfecenc", nullptr);
  g_object_set(e, "pt", gint{kFlexPt}, "columns", 4u, "rows", 4u, "fec-on-src", TRUE, nullptr);
  return e;
}
GstElement *flex_aux_receiver(GstElement *, guint session, gpointer) {
  if (session != 0) return nullptr;
  GstElement *bin = gst_bin_new(nullptr);
  GstElement *dec = gst_element_factory_make("rtpflexfecdec", nullptr);
  g_object_set(dec, "pt", gint{kFlexPt}, nullptr);
  gst_bin_add(GST_BIN(bin), dec);
  GstPad *sink = gst_element_get_static_pad(dec, "sink");
  GstPad *srcpad = gst_element_get_static_pad(dec, "src");
  gst_element_add_pad(bin, gst_ghost_pad_new("sink_0", sink));
  gst_element_add_pad(bin, gst_ghost_pad_new("src_0", srcpad));
  gst_object_unref(sink);
  gst_object_unref(srcpad);
  return bin;
}
GstCaps *flex_pt_map(GstElement *, guint, guint pt, gpointer) {
  return pt == kMediaPt ? gst_caps_from_string(kRtpCaps) : nullptr;
}

RunResult flex_run(const Loss &loss) {
  RunResult r;
  Link wire;
  wire.loss = &loss;
  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *pace = nullptr;
  GstElement *src = add_source(pipe, &pace);
  GstElement *txbin = gst_element_factory_make("rtpbin", nullptr);
  GstElement *bare = gst_element_factory_make("capssetter", nullptr);
  GstElement *rxbin = gst_element_factory_make("rtpbin", nullptr);
  GstElement *tail = add_tail(pipe);
  GstCaps *bare_caps = gst_caps_from_string("application/x-rtp,media=video,clock-rate=90000");
  g_object_set(bare, "caps", bare_caps, "replace", TRUE, nullptr);
  gst_caps_unref(bare_caps);
  g_object_set(rxbin, "latency", 400u, "buffer-mode", 0, nullptr);
  g_signal_connect(txbin, "request-fec-encoder", G_CALLBACK(flex_encoder), nullptr);
  g_signal_connect(rxbin, "request-aux-receiver", G_CALLBACK(flex_aux_receiver), nullptr);
  g_signal_connect(rxbin, "request-pt-map", G_CALLBACK(flex_pt_map), nullptr);
  PadTarget target{pipe, tail, "_96"};
  g_signal_connect(rxbin, "pad-added", G_CALLBACK(link_media_pad), &target);
  gst_bin_add_many(GST_BIN(pipe), txbin, bare, rxbin, nullptr);
  const bool linked = gst_element_link_pads(pace, "src", txbin, "send_rtp_sink_0") &&
                      gst_element_link_pads(txbin, "send_rtp_src_0", bare, "sink") &&
                      gst_element_link_pads(bare, "src", rxbin, "recv_rtp_sink_0");
  if (!linked) {
    r.error = "cannot link";
  } else {
    add_link(bare, "sink", &wire);
    r.error = run_to_eos(pipe, src, tail, r.frames);
  }
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(pipe);

  // The model: each repair packet's group from its RFC 8627 fixed header
  // (F=1: SN base, L, D after the 8-byte common part), for the one source
  // its CSRC list names; peeling over those that arrived.
  namespace model = srtcore::fec::st2022_test;  // the same peeling over sequence numbers
  const Source &s = source();
  std::vector<model::Group> groups;
  std::set<std::int64_t> lost;
  std::map<std::int64_t, guint32> ts_by_seq;
  for (const auto &[b, dropped] : wire.wire) {
    if (pt_of(b) != kFlexPt) {
      ts_by_seq[seq_of(b)] = ts_of(b);
      if (dropped) lost.insert(seq_of(b));
      continue;
    }
    ++r.theory.fec_sent;
    const std::size_t off = 12 + 4 * (b[0] & 0x0F);
    if (dropped || b.size() < off + 12) continue;
    const guint8 *h = b.data() + off;
    EXPECT_TRUE(h[0] & 0x40) << "expected the fixed form (F=1)";
    const auto base = static_cast<guint16>(h[8] << 8 | h[9]);
    const int l = h[10], d = h[11];
    model::Group g;
    if (d <= 1) {
      for (int k = 0; k < l; ++k) g.members.push_back(static_cast<guint16>(base + k));
    } else {
      for (int j = 0; j < d; ++j) g.members.push_back(static_cast<guint16>(base + j * l));
    }
    groups.push_back(g);
  }
  const auto rebuilt = model::peel(groups, std::vector<bool>(groups.size(), true), lost);
  r.theory.lost = lost.size();
  r.theory.rebuilt = rebuilt.size();
  for (auto q : lost)
    if (!rebuilt.count(q)) r.theory.unrecoverable_frames.insert(s.frame_of_ts.at(ts_by_seq.at(q)));
  return r;
}

TEST(FecFramesFlexfec, ThroughTwoRtpbins) {
  if (!have_all(
          {"rtpflexfecenc", "rtpflexfecdec", "rtpbin", "capssetter", "x264enc", "avdec_h264"}))
    GTEST_SKIP() << "gst-plugins-good/ugly or libav missing";
  ASSERT_TRUE(source().error.empty()) << source().error;
  for (const Loss *loss : {&st_light(), &st_heavy()}) {
    const std::string label = std::string("rtpflexfecenc > rtpflexfecdec, ") + loss->name;
    judge(label, flex_run(*loss), loss == &st_light());
  }
}

}  // namespace

int main(int argc, char **argv) {
  fc::default_plugin_path(SRTRTP_PLUGIN_DIR, SRTRTP_REGISTRY);
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  return RUN_ALL_TESTS();
}
