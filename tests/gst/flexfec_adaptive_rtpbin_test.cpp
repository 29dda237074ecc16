// rtpflexfecenc's adaptive mode through two rtpbins with real RTCP: the
// sender's rtpbin gets the encoder from request-fec-encoder (fec-on-src:
// media and repair stream in one session), its rtp-session set from
// get-internal-session; a path drops every 25th media packet while lossy;
// the receiver's rtpbin demultiplexes media and repair SSRC, rtpflexfecdec
// after it (so the receiver reports the loss of the path, not what is left
// after repair) rebuilds; the receiver's RTCP goes back to the sender. The
// row length read from the repair packets on the wire rises to the rule's
// answer, the decoder rebuilds, and once the loss stops the length falls
// back after the policy's hold.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "../unit/fec/protection_model.hpp"
#include "../interop/rtcp_return.hpp"

namespace {

using Bytes = std::vector<guint8>;

constexpr guint8 kMediaPt = 96;
constexpr guint8 kRepairPt = 100;
constexpr guint32 kSsrc = 0x11223344;
constexpr const char *kCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,payload=96,ssrc=(uint)"
    "287454020";

Bytes media_packet(guint n) {
  Bytes b(12 + 200);
  b[0] = 0x80;
  b[1] = kMediaPt;
  const auto seq = static_cast<guint16>(n);
  const guint32 ts = n * 90;
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  for (int i = 0; i < 4; ++i) {
    b[4 + static_cast<std::size_t>(i)] = static_cast<guint8>(ts >> (24 - 8 * i));
    b[8 + static_cast<std::size_t>(i)] = static_cast<guint8>(kSsrc >> (24 - 8 * i));
  }
  for (std::size_t i = 12; i < b.size(); ++i) b[i] = static_cast<guint8>(n * 7 + i);
  return b;
}

struct Loop {
  GstElement *encoder = nullptr;
  std::atomic<bool> lossy{false};
  std::atomic<bool> stop{false};
  std::atomic<guint> row_length{0};  // L of the last repair packet on the wire
  std::atomic<guint> dropped{0};
  std::atomic<guint> media{0};  // media packets on the wire
  std::mutex lock;
  std::vector<guint16> dropped_seqs;  // under lock
  std::set<guint16> out_seqs;         // what the decoder pushed, under lock
  std::condition_variable changed;    // a packet went by: re-check the condition
};

// get-internal-session cannot be emitted from here: rtpbin holds its lock
// while it asks for the encoder (1.22), so rtp-session is set once the
// send_rtp_sink pad exists.
GstElement *make_encoder(GstElement *, guint, gpointer data) {
  auto *c = static_cast<Loop *>(data);
  GstElement *e = gst_element_factory_make("rtpflexfecenc", nullptr);
  g_object_set(e, "columns", 20u, "pt", gint{kRepairPt}, "fec-on-src", TRUE, "adaptive", TRUE,
               nullptr);
  c->encoder = e;
  return e;
}

GstCaps *pt_map(GstElement *, guint, guint pt, gpointer) {
  if (pt == kMediaPt)
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,payload=96");
  if (pt == kRepairPt)
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=FLEXFEC,payload=100");
  return nullptr;
}

// The wire: every 25th media sequence number dropped while lossy; the row
// length of repair packets recorded (fixed form: L after the RTP header with
// one CSRC, the 8-byte FEC header start and the SN base).
GstPadProbeReturn on_wire(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *c = static_cast<Loop *>(data);
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  guint8 h[28];
  const gsize n = gst_buffer_extract(b, 0, h, sizeof h);
  bool drop = false;
  if (n >= 4 && (h[1] & 0x7F) == kMediaPt) {
    ++c->media;
    const auto seq = static_cast<guint16>((h[2] << 8) | h[3]);
    drop = c->lossy && seq % 25 == 7;
    if (drop) {
      std::lock_guard lock(c->lock);
      c->dropped_seqs.push_back(seq);
      ++c->dropped;
    }
  }
  if (n == sizeof h && (h[1] & 0x7F) == kRepairPt && (h[0] & 0x0F) == 1) c->row_length = h[26];
  c->changed.notify_all();
  return drop ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

// What the decoder pushes: media as buffers, rebuilt packets as lists.
GstPadProbeReturn on_output(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *c = static_cast<Loop *>(data);
  auto note = [c](GstBuffer *b) {
    guint8 h[4];
    if (gst_buffer_extract(b, 0, h, 4) != 4) return;
    std::lock_guard lock(c->lock);
    c->out_seqs.insert(static_cast<guint16>((h[2] << 8) | h[3]));
  };
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) note(GST_PAD_PROBE_INFO_BUFFER(info));
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) note(gst_buffer_list_get(list, i));
  }
  c->changed.notify_all();
  return GST_PAD_PROBE_OK;
}

struct Receiver {
  GstElement *decoder;
  GstElement *pipe;
};

// The receiver's per-SSRC pads: media to the decoder's sink, the repair
// stream to one of its fec_%u pads.
void rx_pad_added(GstElement *, GstPad *pad, gpointer data) {
  auto *rx = static_cast<Receiver *>(data);
  guint session = 0, ssrc = 0, pt = 0;
  if (std::sscanf(GST_PAD_NAME(pad), "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3) return;
  GstPad *sink = pt == kRepairPt ? gst_element_request_pad_simple(rx->decoder, "fec_%u")
                                 : gst_element_get_static_pad(rx->decoder, "sink");
  EXPECT_EQ(gst_pad_link(pad, sink), GST_PAD_LINK_OK) << GST_PAD_NAME(pad);
  gst_object_unref(sink);
}

template <typename Pred>
bool wait_for(Loop &c, Pred pred, std::chrono::seconds timeout) {
  return rtcp_return::wait_for(c.lock, c.changed, pred, timeout);
}

guint64 recovered(GstElement *decoder) {
  GstStructure *stats = nullptr;
  g_object_get(decoder, "stats", &stats, nullptr);
  guint64 n = 0;
  if (stats) {
    gst_structure_get_uint64(stats, "recovered", &n);
    gst_structure_free(stats);
  }
  return n;
}

TEST(FlexFecAdaptiveRtpbin, RtcpRaisesTheRowLengthDecoderRebuildsThenItFalls) {
  if (!gst_element_factory_find("rtpbin")) GTEST_SKIP() << "rtpbin missing";
  Loop c;
  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *src = gst_element_factory_make("appsrc", nullptr);
  GstElement *pace = gst_element_factory_make("identity", nullptr);
  GstElement *txbin = gst_element_factory_make("rtpbin", "tx");
  GstElement *path = gst_element_factory_make("identity", "path");
  GstElement *bare = gst_element_factory_make("capssetter", nullptr);
  GstElement *rxbin = gst_element_factory_make("rtpbin", "rx");
  GstElement *decoder = gst_element_factory_make("rtpflexfecdec", nullptr);
  GstElement *out = gst_element_factory_make("fakesink", nullptr);
  GstElement *sr_sink = gst_element_factory_make("fakesink", nullptr);
  GstElement *rr_out = gst_element_factory_make("appsink", nullptr);
  GstElement *rr_in = gst_element_factory_make("appsrc", nullptr);
  ASSERT_TRUE(pipe && src && pace && txbin && path && bare && rxbin && decoder && out && sr_sink &&
              rr_out && rr_in);
  Receiver rx{decoder, pipe};
  GstCaps *rtcp_caps = gst_caps_from_string("application/x-rtcp");
  g_object_set(rr_in, "caps", rtcp_caps, "is-live", TRUE, "format", GST_FORMAT_TIME, nullptr);
  gst_caps_unref(rtcp_caps);
  g_object_set(rr_out, "sync", FALSE, "async", FALSE, "emit-signals", TRUE, nullptr);
  g_signal_connect(rr_out, "new-sample", G_CALLBACK(rtcp_return::forward), rr_in);
  GstCaps *caps = gst_caps_from_string(kCaps);
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, "block", TRUE,
               "max-buffers", guint64{50}, nullptr);
  gst_caps_unref(caps);
  GstCaps *bare_caps = gst_caps_from_string("application/x-rtp,media=video,clock-rate=90000");
  g_object_set(bare, "caps", bare_caps, "replace", TRUE, nullptr);
  gst_caps_unref(bare_caps);
  g_object_set(pace, "sync", TRUE, nullptr);
  g_object_set(out, "sync", FALSE, "async", FALSE, nullptr);
  g_object_set(sr_sink, "sync", FALSE, "async", FALSE, nullptr);
  g_signal_connect(txbin, "request-fec-encoder", G_CALLBACK(make_encoder), &c);
  g_signal_connect(rxbin, "request-pt-map", G_CALLBACK(pt_map), nullptr);
  g_signal_connect(rxbin, "pad-added", G_CALLBACK(rx_pad_added), &rx);
  gst_bin_add_many(GST_BIN(pipe), src, pace, txbin, path, bare, rxbin, decoder, out, sr_sink,
                   rr_out, rr_in, nullptr);
  ASSERT_TRUE(gst_element_link(src, pace));
  ASSERT_TRUE(gst_element_link_pads(pace, "src", txbin, "send_rtp_sink_0"));
  ASSERT_TRUE(c.encoder) << "request-fec-encoder not emitted";
  GObject *internal = nullptr;
  g_signal_emit_by_name(txbin, "get-internal-session", 0u, &internal);
  ASSERT_TRUE(internal);
  g_object_set(c.encoder, "rtp-session", internal, nullptr);
  g_object_unref(internal);
  ASSERT_TRUE(gst_element_link_pads(txbin, "send_rtp_src_0", path, "sink"));
  ASSERT_TRUE(gst_element_link(path, bare));
  ASSERT_TRUE(gst_element_link_pads(bare, "src", rxbin, "recv_rtp_sink_0"));
  ASSERT_TRUE(gst_element_link(decoder, out));
  // Receiver reports back through an appsink/appsrc pair (a direct link
  // would close a loop in the pipeline's graph).
  ASSERT_TRUE(gst_element_link_pads(rxbin, "send_rtcp_src_0", rr_out, "sink"));
  ASSERT_TRUE(gst_element_link_pads(rr_in, "src", txbin, "recv_rtcp_sink_0"));
  ASSERT_TRUE(gst_element_link_pads(txbin, "send_rtcp_src_0", sr_sink, "sink"));
  ASSERT_TRUE(rtcp_return::set_min_interval(txbin, 200 * GST_MSECOND));
  ASSERT_TRUE(rtcp_return::set_min_interval(rxbin, 200 * GST_MSECOND));
  GstPad *wire = gst_element_get_static_pad(path, "src");
  gst_pad_add_probe(wire, GST_PAD_PROBE_TYPE_BUFFER, on_wire, &c, nullptr);
  gst_object_unref(wire);
  GstPad *decoded = gst_element_get_static_pad(decoder, "src");
  gst_pad_add_probe(
      decoded,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      on_output, &c, nullptr);
  gst_object_unref(decoded);
  ASSERT_NE(gst_element_set_state(pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // A live source: 1 ms per packet by the pipeline clock (identity sync), so
  // a report interval (100..300 ms) spans 100..300 packets.
  std::thread feeder([&] {
    GstClockTime pts = 0;
    for (guint n = 0; !c.stop; ++n) {
      const Bytes m = media_packet(n);
      GstBuffer *b = gst_buffer_new_memdup(m.data(), m.size());
      GST_BUFFER_PTS(b) = pts += GST_MSECOND;
      if (gst_app_src_push_buffer(GST_APP_SRC(src), b) != GST_FLOW_OK) break;
    }
  });
  auto loss = [&] {
    gdouble l = 0;
    g_object_get(c.encoder, "reported-loss", &l, nullptr);
    return l;
  };

  // No loss: level 0, no repair packets among the first 500 media packets
  // (two or more report intervals).
  ASSERT_TRUE(wait_for(
      c, [&] { return c.media >= 500u; }, std::chrono::seconds(20)));
  EXPECT_EQ(c.row_length, 0u) << "repair packets without reported loss";
  c.lossy = true;
  // 1 in 25 = 4 %: over 100..300 packets a report says 0.03..0.05 (RTCP's
  // 8-bit fraction 7..12/256 = 0.027..0.047); the rule gives k = 3 or 2
  // ((1 - p)^k >= 0.9), level 34 or 50, rows of 100 / level = 2 either way.
  const unsigned at_027 = fec_test::model_percentage(7 / 256.0, 0.9);
  const unsigned at_047 = fec_test::model_percentage(12 / 256.0, 0.9);
  ASSERT_EQ(100 / at_027, 2u);
  ASSERT_EQ(100 / at_047, 2u);
  const bool rose = wait_for(
      c, [&] { return c.row_length == 2u; }, std::chrono::seconds(20));
  EXPECT_TRUE(rose) << "row length " << c.row_length << ", reported " << loss();
  const double during = loss();
  EXPECT_GT(during, 0.02);
  EXPECT_LT(during, 0.06);
  // From here every dropped packet sits in a row of 2 with a repair packet:
  // the decoder after the receiver's rtpbin must put each back out.
  const guint dropped_before = c.dropped;
  EXPECT_TRUE(wait_for(
      c, [&] { return c.dropped >= dropped_before + 40; }, std::chrono::seconds(20)));
  c.lossy = false;
  std::vector<guint16> must;
  {
    std::lock_guard lock(c.lock);
    must.assign(c.dropped_seqs.begin() + dropped_before, c.dropped_seqs.end());
  }
  auto missing = [&] {
    std::size_t n = 0;
    for (guint16 s : must) n += c.out_seqs.count(s) == 0;
    return n;
  };
  EXPECT_TRUE(wait_for(
      c, [&] { return missing() == 0; }, std::chrono::seconds(20)))
      << missing() << " of " << must.size() << " dropped packets not rebuilt";
  EXPECT_TRUE(wait_for(
      c, [&] { return loss() == 0; }, std::chrono::seconds(20)))
      << "reported " << loss();
  // After the hold (5 s) the level halves (50 or 34 -> 25 or 17): rows of 4 or 5.
  const bool fell = wait_for(
      c, [&] { return c.row_length > 2u; }, std::chrono::seconds(20));
  EXPECT_TRUE(fell) << "row length " << c.row_length;
  std::printf(
      "flexfec adaptive over rtpbin: %u media, rows of 2 at reported %.3f, %zu dropped after "
      "that all rebuilt (%u dropped in all; decoder: %llu recovered, rows rebuilt ahead of a "
      "media packet still in the jitterbuffer count too), then rows of %u\n",
      c.media.load(), during, must.size(), c.dropped.load(),
      static_cast<unsigned long long>(recovered(decoder)), c.row_length.load());

  c.stop = true;
  gst_element_set_state(pipe, GST_STATE_NULL);  // unblocks the feeder
  feeder.join();
  gst_object_unref(pipe);
}

}  // namespace
