// ULPFEC (RFC 5109) against gst-plugins-good 1.22's rtpulpfecenc /
// rtpulpfecdec, wired as rtpbin and webrtc wire them: the encoder's output
// wrapped in RED (rtpredenc), a recorded loss pattern on the RED packets,
// then rtpreddec ! rtpstorage on the receiver, and the decoder fed in
// sequence order with a GstRTPPacketLost event for every missing sequence
// number, as rtpjitterbuffer (do-lost) sends them, its `storage` being the
// rtpstorage's internal-storage (rtpbin's get-internal-storage).
// - Encoder parity: both encoders' output streams are byte-identical for the
//   same input (frames, markers, non-droppable flags, settings).
// - Recovery: their encoder into our decoder, ours into theirs, ours into
//   ours and theirs into theirs rebuild the same set, equal to the theory
//   (peeling over the masks of the FEC packets that arrived, read from their
//   bytes by tests/unit/fec/ulpfec_model.hpp), and the rebuilt packets are
//   the originals byte for byte (but the sequence number, which both
//   decoders rewrite).
// - Drop-in: properties and pad templates of the C elements on ours.
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ulpfec_model.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif

namespace {

using Bytes = std::vector<guint8>;
namespace model = srtcore::fec::ulpfec_test;

constexpr guint8 kMediaPt = 96;
constexpr guint8 kFecPt = 117;
constexpr guint8 kRedPt = 122;
constexpr guint32 kSsrc = 0x5EED1234;
constexpr int kPackets = 1500;
constexpr guint16 kFirstSeq = 64800;  // wraps within the stream
constexpr const char *kCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96,ssrc=(uint)"
    "1592594996";  // kSsrc

struct Input {
  Bytes bytes;
  bool important = false;
};

struct Setting {
  const char *name;
  guint percentage;
  guint important;
  bool multipacket;
  int max_frame;
};

const Setting kSettings[] = {
    {"100% per frame", 100, 0, true, 10},      {"50% per frame", 50, 0, true, 20},
    {"20%, important 100%", 20, 100, true, 8}, {"33% long frames", 33, 0, true, 60},
    {"50% single", 50, 0, false, 10},
};

guint16 seq_of(const Bytes &b) {
  return static_cast<guint16>(b[2] << 8 | b[3]);
}
guint32 tag_of(const Bytes &b) {
  return static_cast<guint32>(b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15]);
}

// Media packets in frames; payload starts with the packet's index (a tag
// that survives the decoders' renumbering).
std::vector<Input> make_media(const Setting &s, unsigned seed, guint32 ticks_per_packet = 0) {
  std::mt19937 rng(seed);
  std::vector<Input> out;
  guint32 ts = 1;
  for (int i = 0; i < kPackets;) {
    const int frame = 1 + static_cast<int>(rng() % static_cast<unsigned>(s.max_frame));
    const bool important = rng() % 4 == 0;
    // A frame's RTP time: 3000 ticks, or as long as its packets take to send.
    ts += ticks_per_packet ? ticks_per_packet * static_cast<guint32>(frame) : 3000;
    for (int k = 0; k < frame && i < kPackets; ++k, ++i) {
      const std::size_t len = 4 + rng() % 1200;
      Bytes b(12 + len);
      const auto seq = static_cast<guint16>(kFirstSeq + i);
      b[0] = 0x80;
      b[1] = static_cast<guint8>((k == frame - 1 ? 0x80 : 0) | kMediaPt);
      b[2] = static_cast<guint8>(seq >> 8);
      b[3] = static_cast<guint8>(seq);
      for (int j = 0; j < 4; ++j) b[4 + j] = static_cast<guint8>(ts >> (24 - 8 * j));
      for (int j = 0; j < 4; ++j) b[8 + j] = static_cast<guint8>(kSsrc >> (24 - 8 * j));
      for (int j = 0; j < 4; ++j) b[12 + j] = static_cast<guint8>(i >> (24 - 8 * j));
      for (std::size_t j = 16; j < b.size(); ++j) b[j] = static_cast<guint8>(rng());
      out.push_back({b, important});
    }
  }
  return out;
}

Bytes bytes_of(GstBuffer *b) {
  Bytes out(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, out.data(), out.size());
  return out;
}

GstBuffer *buffer_of(const Bytes &b, GstClockTime pts) {
  GstBuffer *buf = gst_buffer_new_memdup(b.data(), b.size());
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DTS(buf) = pts;
  return buf;
}

std::vector<Bytes> pull_all(GstHarness *h) {
  std::vector<Bytes> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) {
    out.push_back(bytes_of(b));
    gst_buffer_unref(b);
  }
  return out;
}

// The sender: encoder (ours or theirs) ! rtpredenc pt=122.
std::vector<Bytes> send(const char *enc, const Setting &s, const std::vector<Input> &media,
                        bool red) {
  const std::string desc = std::string(enc) + " pt=" + std::to_string(kFecPt) +
                           " percentage=" + std::to_string(s.percentage) +
                           " percentage-important=" + std::to_string(s.important) +
                           " multipacket=" + (s.multipacket ? "true" : "false") +
                           (red ? " ! rtpredenc pt=" + std::to_string(kRedPt) : "");
  GstHarness *h = gst_harness_new_parse(desc.c_str());
  gst_harness_set_src_caps_str(h, kCaps);
  GstClockTime pts = 0;
  for (const Input &m : media) {
    GstBuffer *b = buffer_of(m.bytes, pts += GST_MSECOND);
    if (m.important) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_NON_DROPPABLE);
    EXPECT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  }
  std::vector<Bytes> out = pull_all(h);
  gst_harness_teardown(h);
  return out;
}

bool have(const char *factory) {
  GstElementFactory *f = gst_element_factory_find(factory);
  if (f) gst_object_unref(f);
  return f != nullptr;
}

TEST(UlpfecInterop, OurEncoderWritesWhatTheirsWrites) {
  if (!have("rtpulpfecenc")) GTEST_SKIP() << "rtpulpfecenc missing";
  unsigned seed = 1;
  for (const Setting &s : kSettings) {
    SCOPED_TRACE(s.name);
    const auto media = make_media(s, seed++);
    const auto theirs = send("rtpulpfecenc", s, media, false);
    const auto ours = send("rtpulpfecenc2", s, media, false);
    ASSERT_GT(theirs.size(), media.size());
    ASSERT_EQ(ours.size(), theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) ASSERT_EQ(ours[i], theirs[i]) << "packet " << i;
  }
}

// With the transport-wide-cc extension mapped in the caps and carried by
// the media packets, both encoders put an empty one on their FEC packets
// (the C element leaves its two data bytes uninitialised: not compared).
TEST(UlpfecInterop, TwccExtensionOnFecPacketsAsTheirs) {
  if (!have("rtpulpfecenc")) GTEST_SKIP() << "rtpulpfecenc missing";
  const std::string caps = std::string(kCaps) +
                           ",extmap-3=(string)\"http://www.ietf.org/id/"
                           "draft-holmer-rmcat-transport-wide-cc-extensions-01\"";
  std::vector<Input> media = make_media(kSettings[0], 9);
  media.resize(200);
  for (Input &m : media) {
    Bytes &b = m.bytes;
    b[0] |= 0x10;  // X, and a one-byte extension element: id 3, two bytes
    const guint8 ext[] = {0xBE, 0xDE, 0x00, 0x01, 0x31, 0x12, 0x34, 0x00};
    b.insert(b.begin() + 12, std::begin(ext), std::end(ext));
  }
  std::vector<std::vector<Bytes>> outs;
  for (const char *enc : {"rtpulpfecenc", "rtpulpfecenc2"}) {
    GstHarness *h = gst_harness_new_parse(
        (std::string(enc) + " pt=" + std::to_string(kFecPt) + " percentage=100").c_str());
    gst_harness_set_src_caps_str(h, caps.c_str());
    for (const Input &m : media) EXPECT_EQ(gst_harness_push(h, buffer_of(m.bytes, 0)), GST_FLOW_OK);
    outs.push_back(pull_all(h));
    gst_harness_teardown(h);
  }
  ASSERT_EQ(outs[0].size(), outs[1].size());
  int fec_with_ext = 0;
  for (std::size_t i = 0; i < outs[0].size(); ++i) {
    Bytes a = outs[0][i], b = outs[1][i];
    if ((a[1] & 0x7F) == kFecPt) {
      ASSERT_GE(a.size(), 20u);
      ASSERT_TRUE(a[0] & 0x10) << i;
      ++fec_with_ext;
      a[17] = a[18] = b[17] = b[18] = 0;
    }
    ASSERT_EQ(a, b) << "packet " << i;
  }
  EXPECT_GT(fec_with_ext, 0);
}

struct Recovery {
  std::set<guint32> rebuilt;  // tags of media packets rebuilt
  std::set<guint32> theory;
  std::set<guint32> lost;
  guint recovered = 0;
  guint unrecovered = 0;
  int mismatches = 0;
};

// The receiver: rtpreddec ! rtpstorage, then the decoder fed as
// rtpjitterbuffer do-lost feeds it.
Recovery receive(const char *dec, const std::vector<Bytes> &red_stream,
                 const std::set<guint16> &drop, const std::vector<Input> &media) {
  Recovery r;
  GstHarness *front = gst_harness_new_parse(
      ("rtpreddec pt=" + std::to_string(kRedPt) + " ! rtpstorage size-time=60000000000").c_str());
  gst_harness_set_src_caps_str(front, kCaps);
  GstClockTime pts = 0;
  for (const Bytes &b : red_stream) {
    pts += GST_MSECOND;
    if (drop.count(seq_of(b))) continue;
    EXPECT_EQ(gst_harness_push(front, buffer_of(b, pts)), GST_FLOW_OK);
  }
  const std::vector<Bytes> arrived = pull_all(front);
  GstElement *storage_element = gst_harness_find_element(front, "rtpstorage");
  GObject *storage = nullptr;
  g_object_get(storage_element, "internal-storage", &storage, nullptr);
  gst_object_unref(storage_element);

  // Theory: peeling over the FEC packets that arrived.
  std::vector<model::Group> groups;
  std::map<guint16, guint32> tag_by_seq;  // media sequence numbers as sent
  for (const Bytes &b : arrived)
    if ((b[1] & 0x7F) == kFecPt) groups.push_back({model::protected_seqs(b)});

  GstHarness *h = gst_harness_new(dec);
  g_object_set(h->element, "pt", kFecPt, "storage", storage, nullptr);
  gst_harness_set_src_caps_str(h, kCaps);
  std::size_t next = 0;
  for (const Bytes &b : red_stream) {
    const guint16 seq = seq_of(b);
    if (drop.count(seq)) {
      GstStructure *st =
          gst_structure_new("GstRTPPacketLost", "seqnum", G_TYPE_UINT, guint{seq}, "timestamp",
                            G_TYPE_UINT64, guint64{0}, "duration", G_TYPE_UINT64,
                            guint64{GST_MSECOND}, "retry", G_TYPE_UINT, 0u, nullptr);
      EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, st)));
      continue;
    }
    if (next >= arrived.size()) {
      ADD_FAILURE() << "fewer packets came out of rtpstorage than went in";
      break;
    }
    EXPECT_EQ(gst_harness_push(h, buffer_of(arrived[next++], GST_MSECOND)), GST_FLOW_OK);
  }
  // What arrived is what was not dropped, in order; the rebuilt are the rest.
  std::set<guint32> received_tags;
  for (const Bytes &b : arrived)
    if ((b[1] & 0x7F) == kMediaPt) received_tags.insert(tag_of(b));
  std::set<guint16> lost_seqs;
  for (const Bytes &b : red_stream) {
    // RED packets with one primary block: header 12 + 1 byte, then the packet's payload.
    if ((b[12] & 0x7F) == kMediaPt && drop.count(seq_of(b))) {
      lost_seqs.insert(seq_of(b));
      const guint32 tag = static_cast<guint32>(b[13] << 24 | b[14] << 16 | b[15] << 8 | b[16]);
      r.lost.insert(tag);
      tag_by_seq[seq_of(b)] = tag;
    }
  }
  for (guint16 s : model::peel(groups, lost_seqs)) r.theory.insert(tag_by_seq.at(s));
  for (const Bytes &b : pull_all(h)) {
    if ((b[1] & 0x7F) != kMediaPt || b.size() < 16 || received_tags.count(tag_of(b))) continue;
    const guint32 tag = tag_of(b);
    if (tag >= media.size()) {
      ++r.mismatches;
      continue;
    }
    Bytes want = media[tag].bytes;
    Bytes got = b;
    want[2] = want[3] = got[2] = got[3] = 0;  // both decoders renumber
    if (want != got) ++r.mismatches;
    r.rebuilt.insert(tag);
  }
  g_object_get(h->element, "recovered", &r.recovered, "unrecovered", &r.unrecovered, nullptr);
  gst_harness_teardown(h);
  g_object_unref(storage);
  gst_harness_teardown(front);
  return r;
}

void recovery_case(const char *enc, const char *dec) {
  if (!have("rtpulpfecenc") || !have("rtpstorage")) GTEST_SKIP() << "gst-plugins-good missing";
  std::printf("%-24s %-20s %5s %8s %7s %10s\n", (std::string(enc) + " > " + dec).c_str(), "setting",
              "lost", "rebuilt", "theory", "recovered");
  unsigned seed = 100;
  for (const Setting &s : kSettings) {
    SCOPED_TRACE(s.name);
    const auto media = make_media(s, seed++);
    const auto red = send(enc, s, media, true);
    // Recorded loss: 6 % random plus a burst of 6, over media and FEC alike.
    std::mt19937 rng(seed * 7);
    std::set<guint16> drop;
    for (std::size_t i = 0; i < red.size(); ++i)
      if (rng() % 100 < 6 || (i >= 700 && i < 706)) drop.insert(seq_of(red[i]));
    const Recovery r = receive(dec, red, drop, media);
    EXPECT_EQ(r.mismatches, 0);
    EXPECT_EQ(r.rebuilt, r.theory);
    EXPECT_EQ(r.recovered, r.rebuilt.size());
    std::printf("%-24s %-20s %5zu %8zu %7zu %10u\n", "", s.name, r.lost.size(), r.rebuilt.size(),
                r.theory.size(), r.recovered);
  }
}

TEST(UlpfecInterop, TheirEncoderOurDecoder) {
  recovery_case("rtpulpfecenc", "rtpulpfecdec2");
}
TEST(UlpfecInterop, OurEncoderTheirDecoder) {
  recovery_case("rtpulpfecenc2", "rtpulpfecdec");
}
TEST(UlpfecInterop, OurEncoderOurDecoder) {
  recovery_case("rtpulpfecenc2", "rtpulpfecdec2");
}
TEST(UlpfecInterop, TheirEncoderTheirDecoder) {
  recovery_case("rtpulpfecenc", "rtpulpfecdec");
}

// Every property of the C element on ours with the same type, default,
// range and flags; the same pad templates.
void same_interface(const char *ours_name, const char *theirs_name) {
  GstElement *ours = gst_element_factory_make(ours_name, nullptr);
  GstElement *theirs = gst_element_factory_make(theirs_name, nullptr);
  if (!theirs) GTEST_SKIP() << theirs_name << " missing";
  ASSERT_TRUE(ours);
  guint n = 0;
  GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(theirs), &n);
  for (guint i = 0; i < n; ++i) {
    GParamSpec *mine = g_object_class_find_property(G_OBJECT_GET_CLASS(ours), specs[i]->name);
    ASSERT_TRUE(mine) << specs[i]->name;
    EXPECT_EQ(G_PARAM_SPEC_VALUE_TYPE(mine), G_PARAM_SPEC_VALUE_TYPE(specs[i])) << mine->name;
    EXPECT_EQ(mine->flags & (G_PARAM_READWRITE | G_PARAM_CONSTRUCT),
              specs[i]->flags & (G_PARAM_READWRITE | G_PARAM_CONSTRUCT))
        << mine->name;
    if (std::strcmp(mine->name, "name") == 0) continue;
    EXPECT_EQ(g_param_values_cmp(mine, g_param_spec_get_default_value(mine),
                                 g_param_spec_get_default_value(specs[i])),
              0)
        << mine->name;
    if (G_IS_PARAM_SPEC_UINT(mine)) {
      EXPECT_EQ(G_PARAM_SPEC_UINT(mine)->minimum, G_PARAM_SPEC_UINT(specs[i])->minimum);
      EXPECT_EQ(G_PARAM_SPEC_UINT(mine)->maximum, G_PARAM_SPEC_UINT(specs[i])->maximum);
    }
  }
  g_free(specs);
  const GList *a = gst_element_class_get_pad_template_list(GST_ELEMENT_GET_CLASS(ours));
  const GList *b = gst_element_class_get_pad_template_list(GST_ELEMENT_GET_CLASS(theirs));
  ASSERT_EQ(g_list_length(const_cast<GList *>(a)), g_list_length(const_cast<GList *>(b)));
  for (const GList *l = b; l; l = l->next) {
    auto *t = static_cast<GstPadTemplate *>(l->data);
    GstPadTemplate *m =
        gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(ours), t->name_template);
    ASSERT_TRUE(m) << t->name_template;
    EXPECT_EQ(m->direction, t->direction);
    EXPECT_EQ(m->presence, t->presence);
    GstCaps *cm = gst_pad_template_get_caps(m);
    GstCaps *ct = gst_pad_template_get_caps(t);
    EXPECT_TRUE(gst_caps_is_equal(cm, ct));
    gst_caps_unref(cm);
    gst_caps_unref(ct);
  }
  gst_object_unref(ours);
  gst_object_unref(theirs);
}

TEST(UlpfecDropIn, EncoderPropertiesAndPads) {
  same_interface("rtpulpfecenc2", "rtpulpfecenc");
}
TEST(UlpfecDropIn, DecoderPropertiesAndPads) {
  same_interface("rtpulpfecdec2", "rtpulpfecdec");
}

// rtpbin's own wiring: request-fec-encoder / request-fec-decoder hand our
// elements in, and get-internal-storage gives the decoder its storage.
GstElement *on_fec_encoder(GstElement *, guint, gpointer) {
  GstElement *e = gst_element_factory_make("rtpulpfecenc2", nullptr);
  g_object_set(e, "pt", guint{kFecPt}, "percentage", 100u, nullptr);
  return e;
}
GstElement *on_fec_decoder(GstElement *rtpbin, guint session, gpointer) {
  GstElement *e = gst_element_factory_make("rtpulpfecdec2", nullptr);
  GObject *storage = nullptr;
  g_signal_emit_by_name(rtpbin, "get-internal-storage", session, &storage);
  g_object_set(e, "pt", guint{kFecPt}, "storage", storage, nullptr);
  g_object_unref(storage);
  return e;
}

TEST(UlpfecRtpbin, SignalsTakeOurElements) {
  GstElement *bin = gst_element_factory_make("rtpbin", nullptr);
  ASSERT_TRUE(bin);
  g_signal_connect(bin, "request-fec-encoder", G_CALLBACK(on_fec_encoder), nullptr);
  g_signal_connect(bin, "request-fec-decoder", G_CALLBACK(on_fec_decoder), nullptr);
  GstPad *send = gst_element_request_pad_simple(bin, "send_rtp_sink_0");
  GstPad *recv = gst_element_request_pad_simple(bin, "recv_rtp_sink_0");
  ASSERT_TRUE(send && recv);
  bool enc = false;
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT(g_value_get_object(&v));
    const gchar *f = GST_OBJECT_NAME(gst_element_get_factory(e));
    if (g_str_equal(f, "rtpulpfecenc2")) enc = true;
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  EXPECT_TRUE(enc);
  gst_element_release_request_pad(bin, send);
  gst_element_release_request_pad(bin, recv);
  gst_object_unref(send);
  gst_object_unref(recv);
  gst_object_unref(bin);
}

// Through rtpbin end to end, with its real rtpjitterbuffer (do-lost) and
// rtpstorage: sender rtpbin with the encoder from request-fec-encoder, RED
// (rtpredenc) after it, a recorded loss pattern, rtpreddec, receiver rtpbin
// with the decoder from request-fec-decoder and get-internal-storage. The
// media packets out of the receiver must be the originals (payload bytes),
// missing only those the theory cannot rebuild.
struct E2E {
  const char *enc;
  const char *dec;
  std::set<guint16> drop;   // RED sequence numbers to lose
  std::vector<Bytes> sent;  // what the sender put on the wire (RED)
  std::vector<Bytes> out;   // media out of the receiver
  guint recovered = 0;
};

GstElement *e2e_encoder(GstElement *, guint, gpointer data) {
  auto *c = static_cast<E2E *>(data);
  GstElement *e = gst_element_factory_make(c->enc, nullptr);
  g_object_set(e, "pt", guint{kFecPt}, "percentage", 100u, nullptr);
  return e;
}
GstElement *e2e_decoder(GstElement *rtpbin, guint session, gpointer data) {
  auto *c = static_cast<E2E *>(data);
  GstElement *e = gst_element_factory_make(c->dec, nullptr);
  GObject *storage = nullptr;
  g_signal_emit_by_name(rtpbin, "get-internal-storage", session, &storage);
  g_object_set(e, "pt", guint{kFecPt}, "storage", storage, nullptr);
  g_object_unref(storage);
  g_object_set_data(G_OBJECT(rtpbin), "fecdec", e);
  return e;
}
// rtpbin's storage keeps nothing until told how long to keep (size-time 0).
void e2e_new_storage(GstElement *, GstElement *storage, guint, gpointer) {
  g_object_set(storage, "size-time", guint64{3 * GST_SECOND}, nullptr);
}
GstCaps *e2e_pt_map(GstElement *, guint, guint pt, gpointer) {
  if (pt == kMediaPt)
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96");
  if (pt == kFecPt)
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,is-fec=true,payload=117");
  return nullptr;
}
GstPadProbeReturn e2e_wire(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *c = static_cast<E2E *>(data);
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  const Bytes bytes = bytes_of(b);
  c->sent.push_back(bytes);
  return c->drop.count(seq_of(bytes)) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}
// The media pad to the appsink; any other (the FEC payload type, if rtpbin
// makes a pad for it) to a fakesink made for it.
void e2e_pad_added(GstElement *, GstPad *pad, gpointer data) {
  const gchar *name = GST_PAD_NAME(pad);
  if (!g_str_has_prefix(name, "recv_rtp_src_")) return;
  auto *pipe = static_cast<GstBin *>(data);
  GstElement *sink = nullptr;
  if (g_str_has_suffix(name, "_96")) {
    sink = gst_bin_get_by_name(pipe, "out");
  } else {
    sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(pipe, GST_ELEMENT(gst_object_ref(sink)));
    gst_element_sync_state_with_parent(sink);
  }
  GstPad *sinkpad = gst_element_get_static_pad(sink, "sink");
  if (!gst_pad_is_linked(sinkpad)) gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
  gst_object_unref(sink);
}
GstFlowReturn e2e_sample(GstElement *sink, gpointer data) {
  auto *c = static_cast<E2E *>(data);
  GstSample *s = nullptr;
  g_signal_emit_by_name(sink, "pull-sample", &s);
  if (s) {
    c->out.push_back(bytes_of(gst_sample_get_buffer(s)));
    gst_sample_unref(s);
  }
  return GST_FLOW_OK;
}

void rtpbin_case(const char *enc, const char *dec) {
  if (!have("rtpulpfecdec") || !have("rtpbin")) GTEST_SKIP() << "gst-plugins-good missing";
  const Setting s{"100% per frame", 100, 0, true, 10};
  const auto media = make_media(s, 77, 180);  // 2 ms per packet at 90 kHz
  E2E c{enc, dec, {}, {}, {}, 0};
  // The loss pattern, recorded by RED sequence number (ours and theirs
  // number alike: see OurEncoderWritesWhatTheirsWrites). Nothing is lost in
  // the last ~1200 of the ~3000 packets: at EOS the jitterbuffer drops its
  // pending lost timers (latency 800 ms = 400 media packets here, generous
  // for a loaded machine), for the C decoder as for ours.
  std::mt19937 rng(4242);
  for (int i = 0; i < 1800; ++i)
    if (rng() % 100 < 5 || (i >= 500 && i < 504))
      c.drop.insert(static_cast<guint16>(kFirstSeq + i));

  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *src = gst_element_factory_make("appsrc", nullptr);
  // Paced by the clock, as a live source would send (a burst makes the
  // receiver's jitterbuffer give up on its timers).
  GstElement *pace = gst_element_factory_make("identity", nullptr);
  GstElement *txbin = gst_element_factory_make("rtpbin", "tx");
  GstElement *redenc = gst_element_factory_make("rtpredenc", nullptr);
  GstElement *reddec = gst_element_factory_make("rtpreddec", nullptr);
  // What a udpsrc gives rtpbin: bare RTP caps (the receiver maps payload types itself).
  GstElement *bare = gst_element_factory_make("capssetter", nullptr);
  GstElement *rxbin = gst_element_factory_make("rtpbin", "rx");
  GstElement *out = gst_element_factory_make("appsink", "out");
  ASSERT_TRUE(pipe && src && pace && txbin && redenc && reddec && bare && rxbin && out);
  GstCaps *bare_caps = gst_caps_from_string("application/x-rtp,media=video,clock-rate=90000");
  g_object_set(bare, "caps", bare_caps, "replace", TRUE, nullptr);
  gst_caps_unref(bare_caps);
  GstCaps *caps = gst_caps_from_string(kCaps);
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, nullptr);
  gst_caps_unref(caps);
  g_object_set(redenc, "pt", kRedPt, nullptr);
  g_object_set(reddec, "pt", kRedPt, nullptr);
  g_object_set(rxbin, "latency", 800u, "do-lost", TRUE, nullptr);
  // Sinks that may see nothing (no FEC pad) must not hold the pipeline in PAUSED.
  g_object_set(out, "sync", FALSE, "async", FALSE, "emit-signals", TRUE, nullptr);
  g_signal_connect(txbin, "request-fec-encoder", G_CALLBACK(e2e_encoder), &c);
  g_signal_connect(rxbin, "request-fec-decoder", G_CALLBACK(e2e_decoder), &c);
  g_signal_connect(rxbin, "request-pt-map", G_CALLBACK(e2e_pt_map), nullptr);
  g_signal_connect(rxbin, "new-storage", G_CALLBACK(e2e_new_storage), nullptr);
  g_signal_connect(rxbin, "pad-added", G_CALLBACK(e2e_pad_added), pipe);
  g_signal_connect(out, "new-sample", G_CALLBACK(e2e_sample), &c);
  g_object_set(pace, "sync", TRUE, nullptr);
  gst_bin_add_many(GST_BIN(pipe), src, pace, txbin, redenc, reddec, bare, rxbin, out, nullptr);
  ASSERT_TRUE(gst_element_link(src, pace));
  ASSERT_TRUE(gst_element_link_pads(pace, "src", txbin, "send_rtp_sink_0"));
  ASSERT_TRUE(gst_element_link_pads(txbin, "send_rtp_src_0", redenc, "sink"));
  ASSERT_TRUE(gst_element_link(redenc, reddec));
  ASSERT_TRUE(gst_element_link(reddec, bare));
  ASSERT_TRUE(gst_element_link_pads(bare, "src", rxbin, "recv_rtp_sink_0"));
  GstPad *wire = gst_element_get_static_pad(redenc, "src");
  gst_pad_add_probe(wire, GST_PAD_PROBE_TYPE_BUFFER, e2e_wire, &c, nullptr);
  gst_object_unref(wire);
  ASSERT_NE(gst_element_set_state(pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstClockTime pts = 0;
  for (const Input &m : media) {
    GstBuffer *b = buffer_of(m.bytes, pts += 2 * GST_MSECOND);
    EXPECT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), b), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 30 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_TRUE(msg) << "no EOS: " << c.sent.size() << " sent, " << c.out.size() << " out";
  EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_EOS);
  gst_message_unref(msg);
  gst_object_unref(bus);
  if (auto *d = static_cast<GObject *>(g_object_get_data(G_OBJECT(rxbin), "fecdec")))
    g_object_get(d, "recovered", &c.recovered, nullptr);
  gst_element_set_state(pipe, GST_STATE_NULL);

  // Theory over what went on the wire (RED with one block: the inner
  // packet's header is the RED header with the block's payload type).
  std::vector<model::Group> groups;
  std::set<guint16> lost;
  std::map<guint16, guint32> tag_by_seq;
  for (const Bytes &red : c.sent) {
    const guint16 seq = seq_of(red);
    Bytes inner(red.begin(), red.begin() + 12);
    inner[1] = static_cast<guint8>((red[1] & 0x80) | (red[12] & 0x7F));
    inner.insert(inner.end(), red.begin() + 13, red.end());
    const bool fec = (inner[1] & 0x7F) == kFecPt;
    if (!fec) tag_by_seq[seq] = tag_of(inner);
    if (c.drop.count(seq)) {
      if (!fec) lost.insert(seq);
    } else if (fec) {
      groups.push_back({model::protected_seqs(inner)});
    }
  }
  std::set<guint32> theory;
  for (guint16 q : model::peel(groups, lost)) theory.insert(tag_by_seq.at(q));
  std::set<guint32> lost_tags;
  for (guint16 q : lost) lost_tags.insert(tag_by_seq.at(q));
  std::set<guint32> got;
  int mismatches = 0;
  for (const Bytes &b : c.out) {
    const guint32 tag = tag_of(b);
    if (tag >= media.size()) {
      ++mismatches;
      continue;
    }
    Bytes want = media[tag].bytes;
    Bytes have_bytes = b;
    want[2] = want[3] = have_bytes[2] = have_bytes[3] = 0;
    if (want != have_bytes) ++mismatches;
    got.insert(tag);
  }
  std::set<guint32> rebuilt;
  for (guint32 t : lost_tags)
    if (got.count(t)) rebuilt.insert(t);
  std::printf("%-28s lost %4zu rebuilt %4zu theory %4zu recovered %4u out %5zu of %5zu\n",
              (std::string(enc) + " > " + dec).c_str(), lost_tags.size(), rebuilt.size(),
              theory.size(), c.recovered, got.size(), media.size());
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(rebuilt, theory);
  // Every media packet that arrived came out.
  for (std::size_t t = 0; t < media.size(); ++t) {
    const auto tag = static_cast<guint32>(t);
    if (!lost_tags.count(tag)) {
      EXPECT_TRUE(got.count(tag)) << t;
    }
  }
  gst_object_unref(pipe);
}

TEST(UlpfecRtpbin, TheirEncoderOurDecoderEndToEnd) {
  rtpbin_case("rtpulpfecenc", "rtpulpfecdec2");
}
TEST(UlpfecRtpbin, OurEncoderTheirDecoderEndToEnd) {
  rtpbin_case("rtpulpfecenc2", "rtpulpfecdec");
}
TEST(UlpfecRtpbin, OurEncoderOurDecoderEndToEnd) {
  rtpbin_case("rtpulpfecenc2", "rtpulpfecdec2");
}
TEST(UlpfecRtpbin, TheirEncoderTheirDecoderEndToEnd) {
  rtpbin_case("rtpulpfecenc", "rtpulpfecdec");
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR && !g_getenv("GST_PLUGIN_PATH"))
    g_setenv("GST_PLUGIN_PATH", SRTRTP_PLUGIN_DIR, TRUE);
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  return RUN_ALL_TESTS();
}
