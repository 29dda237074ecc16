// rtpulpfecenc2's adaptive mode (ours only): the percentage follows the
// reported loss by the rule of srt-core's ProtectionPolicy, checked against
// a model of that rule written here, and the stream it then sends is what
// gst-plugins-good's rtpulpfecenc sends at that percentage (byte for byte,
// so the FEC packet rate changes as the C element's would). Then through two
// rtpbins with real RTCP: the receiver's reports about a lossy path raise
// the level, and it comes down once the loss stops.
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "protection_model.hpp"
#include "rtcp_return.hpp"

namespace {

using Bytes = std::vector<guint8>;

constexpr guint8 kMediaPt = 96;
constexpr guint8 kFecPt = 117;
constexpr guint32 kSsrc = 0x5EED4321;
constexpr const char *kCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96,ssrc=(uint)"
    "1592607521";

// The rule at the element's target (0.9), counted out by the test's model.
unsigned model_percentage(double p) {
  return fec_test::model_percentage(p, 0.9);
}

// Media packet n: frames of 5 (marker on the 5th), 160 payload bytes.
Bytes media_packet(guint n) {
  Bytes b(12 + 160);
  b[0] = 0x80;
  b[1] = static_cast<guint8>(kMediaPt | ((n % 5 == 4) ? 0x80 : 0));
  const guint16 seq = static_cast<guint16>(1000 + n);
  const guint32 ts = (n / 5) * 3000;
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  for (int i = 0; i < 4; ++i) {
    b[4 + i] = static_cast<guint8>(ts >> (24 - 8 * i));
    b[8 + i] = static_cast<guint8>(kSsrc >> (24 - 8 * i));
  }
  for (std::size_t i = 12; i < b.size(); ++i) b[i] = static_cast<guint8>(n * 7 + i);
  return b;
}

GstBuffer *buffer_of(const Bytes &b) {
  GstBuffer *buf = gst_buffer_new_allocate(nullptr, b.size(), nullptr);
  gst_buffer_fill(buf, 0, b.data(), b.size());
  return buf;
}

// Pushes media packets [from, to) and returns everything that came out.
std::vector<Bytes> push(GstHarness *h, guint from, guint to) {
  std::vector<Bytes> out;
  for (guint n = from; n < to; ++n) {
    EXPECT_EQ(gst_harness_push(h, buffer_of(media_packet(n))), GST_FLOW_OK);
    while (GstBuffer *b = gst_harness_try_pull(h)) {
      Bytes bytes(gst_buffer_get_size(b));
      gst_buffer_extract(b, 0, bytes.data(), bytes.size());
      out.push_back(std::move(bytes));
      gst_buffer_unref(b);
    }
  }
  return out;
}

std::size_t fec_count(const std::vector<Bytes> &v) {
  std::size_t n = 0;
  for (const Bytes &b : v) n += (b[1] & 0x7F) == kFecPt;
  return n;
}

guint percentage_of(GstElement *e) {
  guint p = 0;
  g_object_get(e, "percentage", &p, nullptr);
  return p;
}

TEST(UlpfecAdaptive, PercentageFollowsReportedLossAndStreamIsTheirsAtThatLevel) {
  if (!gst_element_factory_find("rtpulpfecenc")) GTEST_SKIP() << "rtpulpfecenc missing";
  GstHarness *ours = gst_harness_new("rtpulpfecenc2");
  GstHarness *theirs = gst_harness_new("rtpulpfecenc");
  gst_harness_set_src_caps_str(ours, kCaps);
  gst_harness_set_src_caps_str(theirs, kCaps);
  g_object_set(ours->element, "pt", guint{kFecPt}, "percentage", 30u, "adaptive", TRUE, nullptr);
  g_object_set(theirs->element, "pt", guint{kFecPt}, nullptr);
  const auto start = std::chrono::steady_clock::now();

  // Phase by phase: the loss reported, then what the model asks for.
  struct Phase {
    double loss;
    unsigned expected;
  };
  const unsigned p5 = model_percentage(0.05);
  const Phase phases[] = {
      {0.0, 0},    // nothing reported: min-percentage (0), not the fixed 30
      {0.05, p5},  // rises at once
      {0.01, p5},  // less loss: held (the hold is 5 s; checked below)
      {0.0, p5},  {0.20, model_percentage(0.20)},  // rises again at once
  };
  std::vector<std::size_t> fec_per_phase;
  guint n = 0;
  for (const Phase &ph : phases) {
    g_object_set(ours->element, "reported-loss", ph.loss, nullptr);
    EXPECT_EQ(percentage_of(ours->element), ph.expected) << ph.loss;
    g_object_set(theirs->element, "percentage", ph.expected, nullptr);
    const auto a = push(ours, n, n + 200);
    const auto b = push(theirs, n, n + 200);
    n += 200;
    EXPECT_EQ(a, b) << "loss " << ph.loss << ": " << fec_count(a) << " FEC against "
                    << fec_count(b);
    fec_per_phase.push_back(fec_count(a));
  }
  // The hold phases must have run within the hold for their expectation.
  ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5))
      << "machine too slow for the hold check";
  EXPECT_EQ(fec_per_phase[0], 0u);
  EXPECT_GT(fec_per_phase[1], 0u);
  EXPECT_GT(fec_per_phase[4], fec_per_phase[1]);

  // Bounds: max-percentage caps the level at once; adaptive off gives the
  // fixed percentage back.
  g_object_set(ours->element, "max-percentage", 40u, nullptr);
  EXPECT_EQ(percentage_of(ours->element), 40u);
  g_object_set(ours->element, "adaptive", FALSE, nullptr);
  EXPECT_EQ(percentage_of(ours->element), 30u);
  gst_harness_teardown(ours);
  gst_harness_teardown(theirs);
}

TEST(UlpfecAdaptive, RtpSessionMustBeAnRtpSession) {
  GstElement *e = gst_element_factory_make("rtpulpfecenc2", nullptr);
  GstElement *other = gst_element_factory_make("identity", nullptr);
  g_object_set(e, "rtp-session", other, nullptr);  // refused with a warning
  GObject *got = nullptr;
  g_object_get(e, "rtp-session", &got, nullptr);
  EXPECT_EQ(got, nullptr);
  gst_object_unref(other);
  gst_object_unref(e);
}

// Two rtpbins in one pipeline: sender (encoder from request-fec-encoder, its
// rtp-session from get-internal-session) -> a path that drops a recorded
// pattern while `lossy` -> receiver; the receiver's RTCP goes back to the
// sender's recv_rtcp_sink. Both sessions send RTCP every ~100 ms.
struct Loop {
  GstElement *encoder = nullptr;
  std::atomic<bool> lossy{false};
  std::atomic<bool> stop{false};
  std::atomic<unsigned> fec_sent{0};  // FEC packets on the wire
  std::mutex lock;
  std::condition_variable changed;  // a packet went by: re-check the condition
};

// get-internal-session cannot be emitted from here: rtpbin holds its lock
// while it asks for the encoder (1.22), so rtp-session is set once the
// send_rtp_sink pad exists.
GstElement *loop_encoder(GstElement *, guint, gpointer data) {
  auto *c = static_cast<Loop *>(data);
  GstElement *e = gst_element_factory_make("rtpulpfecenc2", nullptr);
  g_object_set(e, "pt", guint{kFecPt}, "adaptive", TRUE, nullptr);
  c->encoder = e;
  return e;
}

GstCaps *loop_pt_map(GstElement *, guint, guint pt, gpointer) {
  if (pt == kMediaPt)
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96");
  if (pt == kFecPt)
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,is-fec=true,payload=117");
  return nullptr;
}

// 3 of every 20 sequence numbers (15 %) while lossy.
GstPadProbeReturn loop_wire(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *c = static_cast<Loop *>(data);
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  guint8 h[4];
  bool drop = false;
  if (gst_buffer_extract(b, 0, h, 4) == 4 && c->lossy) {
    const guint seq = (h[2] << 8) | h[3];
    drop = seq % 20 == 3 || seq % 20 == 11 || seq % 20 == 17;
  }
  if (gst_buffer_get_size(b) > 1 && gst_buffer_extract(b, 0, h, 2) == 2 && (h[1] & 0x7F) == kFecPt)
    ++c->fec_sent;
  c->changed.notify_all();
  return drop ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

void loop_pad_added(GstElement *, GstPad *pad, gpointer data) {
  if (!g_str_has_prefix(GST_PAD_NAME(pad), "recv_rtp_src_")) return;
  auto *pipe = static_cast<GstBin *>(data);
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(pipe, sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
}

template <typename Pred>
bool wait_for(Loop &c, Pred pred, std::chrono::seconds timeout) {
  return rtcp_return::wait_for(c.lock, c.changed, pred, timeout);
}

TEST(UlpfecAdaptive, RtcpThroughRtpbinRaisesThenLowers) {
  if (!gst_element_factory_find("rtpbin")) GTEST_SKIP() << "rtpbin missing";
  Loop c;
  GstElement *pipe = gst_pipeline_new(nullptr);
  GstElement *src = gst_element_factory_make("appsrc", nullptr);
  GstElement *pace = gst_element_factory_make("identity", nullptr);
  GstElement *txbin = gst_element_factory_make("rtpbin", "tx");
  GstElement *path = gst_element_factory_make("identity", "path");
  GstElement *bare = gst_element_factory_make("capssetter", nullptr);
  GstElement *rxbin = gst_element_factory_make("rtpbin", "rx");
  GstElement *sr_sink = gst_element_factory_make("fakesink", nullptr);
  GstElement *rr_out = gst_element_factory_make("appsink", nullptr);
  GstElement *rr_in = gst_element_factory_make("appsrc", nullptr);
  ASSERT_TRUE(pipe && src && pace && txbin && path && bare && rxbin && sr_sink && rr_out && rr_in);
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
  g_object_set(sr_sink, "sync", FALSE, "async", FALSE, nullptr);
  g_signal_connect(txbin, "request-fec-encoder", G_CALLBACK(loop_encoder), &c);
  g_signal_connect(rxbin, "request-pt-map", G_CALLBACK(loop_pt_map), nullptr);
  g_signal_connect(rxbin, "pad-added", G_CALLBACK(loop_pad_added), pipe);
  gst_bin_add_many(GST_BIN(pipe), src, pace, txbin, path, bare, rxbin, sr_sink, rr_out, rr_in,
                   nullptr);
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
  // Receiver reports back to the sender through an appsink/appsrc pair (a
  // direct link would close a loop in the pipeline's graph); the sender's
  // reports are not needed.
  ASSERT_TRUE(gst_element_link_pads(rxbin, "send_rtcp_src_0", rr_out, "sink"));
  ASSERT_TRUE(gst_element_link_pads(rr_in, "src", txbin, "recv_rtcp_sink_0"));
  ASSERT_TRUE(gst_element_link_pads(txbin, "send_rtcp_src_0", sr_sink, "sink"));
  ASSERT_TRUE(rtcp_return::set_min_interval(txbin, 100 * GST_MSECOND));
  ASSERT_TRUE(rtcp_return::set_min_interval(rxbin, 100 * GST_MSECOND));
  GstPad *wire = gst_element_get_static_pad(path, "src");
  gst_pad_add_probe(wire, GST_PAD_PROBE_TYPE_BUFFER, loop_wire, &c, nullptr);
  gst_object_unref(wire);
  ASSERT_NE(gst_element_set_state(pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // A live source: 2 ms per packet by the pipeline clock (identity sync).
  std::thread feeder([&] {
    GstClockTime pts = 0;
    for (guint n = 0; !c.stop; ++n) {
      GstBuffer *b = buffer_of(media_packet(n));
      GST_BUFFER_PTS(b) = pts += 2 * GST_MSECOND;
      if (gst_app_src_push_buffer(GST_APP_SRC(src), b) != GST_FLOW_OK) break;
    }
  });
  auto level = [&] { return percentage_of(c.encoder); };
  auto loss = [&] {
    gdouble l = 0;
    g_object_get(c.encoder, "reported-loss", &l, nullptr);
    return l;
  };

  // No loss yet: the level stays at the minimum, no FEC goes out.
  EXPECT_EQ(level(), 0u);
  EXPECT_EQ(c.fec_sent, 0u);
  c.lossy = true;
  const unsigned high = model_percentage(0.12);  // below 15 %, for reports spanning the start
  const bool rose = wait_for(
      c, [&] { return level() >= high; }, std::chrono::seconds(20));
  EXPECT_TRUE(rose) << "level " << level() << ", reported " << loss();
  // A report whose whole interval was lossy says what the pattern drops
  // (3/20 = 0.15 lost, RTCP's 8-bit fraction 38/256 = 0.148).
  const bool full = wait_for(
      c, [&] { return loss() > 0.13 && loss() < 0.17; }, std::chrono::seconds(20));
  EXPECT_TRUE(full) << "reported " << loss();
  const double during = loss();
  EXPECT_EQ(level(), model_percentage(during));
  const unsigned fec_at_rise = c.fec_sent;
  EXPECT_TRUE(wait_for(
      c, [&] { return c.fec_sent > fec_at_rise + 50; }, std::chrono::seconds(20)))
      << "FEC packets on the wire: " << c.fec_sent;
  const unsigned peak = level();
  c.lossy = false;
  const bool reports_clean = wait_for(
      c, [&] { return loss() == 0; }, std::chrono::seconds(20));
  EXPECT_TRUE(reports_clean) << "reported " << loss();
  const bool fell = wait_for(
      c, [&] { return level() < peak; }, std::chrono::seconds(20));
  EXPECT_TRUE(fell) << "level " << level();
  std::printf("adaptive over rtpbin: rose to %u at reported %.3f, fell to %u\n", peak, during,
              level());

  c.stop = true;
  gst_element_set_state(pipe, GST_STATE_NULL);  // unblocks the feeder
  feeder.join();
  gst_object_unref(pipe);
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR && !g_getenv("GST_PLUGIN_PATH"))
    g_setenv("GST_PLUGIN_PATH", SRTRTP_PLUGIN_DIR, TRUE);
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  return RUN_ALL_TESTS();
}
