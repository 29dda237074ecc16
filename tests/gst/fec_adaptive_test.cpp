// Adaptive mode of rtpst2022-1-fecenc2 and rtpredenc2 (gst/fec_adaptive.*):
// reported-loss set by the application, what goes on the wire read back
// from the packets. The expected choices come from the rule in
// srt-core/fec/protection_policy.hpp (one parity packet per k media packets
// rebuilds a loss with probability (1-p)^k; the target is 0.9) worked out
// by hand below, not from the element's output.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <vector>

namespace {

struct HarnessDel {
  void operator()(GstHarness *h) const { gst_harness_teardown(h); }
};
using Harness = std::unique_ptr<GstHarness, HarnessDel>;

GstBuffer *rtp(guint16 seq, guint32 ts, std::size_t len = 40) {
  std::vector<guint8> b(12 + len, static_cast<guint8>(seq));
  b[0] = 0x80;
  b[1] = 33;
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  for (int i = 0; i < 4; ++i)
    b[4 + static_cast<std::size_t>(i)] = static_cast<guint8>(ts >> (24 - 8 * i));
  b[8] = 0x11, b[9] = 0x22, b[10] = 0x33, b[11] = 0x44;  // SSRC
  return gst_buffer_new_memdup(b.data(), b.size());
}

// SMPTE 2022-1 FEC packets seen on the encoder's FEC pads: the SN base and
// offset of each (offset 1: a row, L: a column), by a probe (the pads stay
// unlinked; probes see the pushes before the link check).
struct FecSeen {
  std::vector<std::pair<guint16, guint8>> packets;  // SN base, offset
};

GstPadProbeReturn on_fec(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *seen = static_cast<FecSeen *>(data);
  GstMapInfo map;
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  if (gst_buffer_map(b, &map, GST_MAP_READ)) {
    if (map.size >= 12 + 16)
      seen->packets.emplace_back(static_cast<guint16>(map.data[12] << 8 | map.data[13]),
                                 map.data[12 + 13]);
    gst_buffer_unmap(b, &map);
  }
  return GST_PAD_PROBE_OK;
}

// rtpst2022-1-fecenc2 (set up by `props`, then started) whose FEC pads
// record into `seen`.
Harness probed_encoder(const std::function<void(GstElement *)> &props, FecSeen &seen) {
  GstElement *e = gst_element_factory_make("rtpst2022-1-fecenc2", nullptr);
  EXPECT_TRUE(e);
  if (!e) return Harness();
  props(e);
  Harness h(gst_harness_new_with_element(e, "sink", "src"));
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,payload=33,clock-rate=90000");
  for (const char *name : {"fec_0", "fec_1"}) {
    GstPad *p = gst_element_get_static_pad(e, name);
    EXPECT_TRUE(p) << name;
    if (!p) continue;
    gst_pad_add_probe(p, GST_PAD_PROBE_TYPE_BUFFER, on_fec, &seen, nullptr);
    gst_object_unref(p);
  }
  gst_object_unref(e);
  return h;
}

// Rows and columns whose SN base lies in [first, first + count).
std::array<int, 2> rows_and_columns(const FecSeen &seen, guint16 first, int count, guint8 l) {
  std::array<int, 2> n{};
  for (const auto &[base, offset] : seen.packets) {
    if (static_cast<guint16>(base - first) >= count) continue;
    if (offset == 1) ++n[0];
    if (offset == l) ++n[1];
  }
  return n;
}

TEST(St2022FecEncAdaptive, ReportedLossChoosesTheDirections) {
  constexpr guint kL = 10, kD = 5;  // rows of 10 cost 10 %, columns of 5 cost 20 %
  FecSeen seen;
  Harness h = probed_encoder(
      [](GstElement *e) { g_object_set(e, "columns", kL, "rows", kD, "adaptive", TRUE, nullptr); },
      seen);
  ASSERT_TRUE(h);
  // Each phase is one whole 10 x 5 matrix; loss only rises (a lower level
  // would wait out the policy's hold time).
  struct Phase {
    double loss;
    int rows, columns;  // FEC packets whose SN base is in this matrix
  };
  const Phase phases[] = {
      {0.0, 0, 0},    // no loss: level 0, nothing sent
      {0.005, 5, 0},  // k = 21: rows (10) and columns (5) both do; rows are cheaper
      {0.02, 0, 10},  // k = 5: only columns of 5 do
      {0.2, 5, 10},   // k < 1: neither does; both, the best there is
      {0.2, 5, 10},   // (lets the last matrix's held column packets out)
  };
  guint16 seq = 1000;
  for (const Phase &ph : phases) {
    g_object_set(h->element, "reported-loss", ph.loss, nullptr);
    for (guint i = 0; i < kL * kD; ++i, ++seq)
      ASSERT_EQ(gst_harness_push(h.get(), rtp(seq, seq * 90u)), GST_FLOW_OK);
  }
  for (std::size_t i = 0; i + 1 < std::size(phases); ++i) {
    const auto got = rows_and_columns(seen, static_cast<guint16>(1000 + i * kL * kD), kL * kD, kL);
    EXPECT_EQ(got[0], phases[i].rows) << "phase " << i << " (loss " << phases[i].loss << ")";
    EXPECT_EQ(got[1], phases[i].columns) << "phase " << i << " (loss " << phases[i].loss << ")";
  }
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 5u * kL * kD);  // media untouched
}

// A report in the middle of a matrix changes the directions from the next
// one: the matrix in progress keeps its rows (a receiver never sees half a
// matrix of rows and half of columns), and the columns start aligned.
TEST(St2022FecEncAdaptive, AChangeWaitsForTheNextMatrix) {
  constexpr guint kL = 10, kD = 5;
  FecSeen seen;
  Harness h = probed_encoder(
      [](GstElement *e) {
        g_object_set(e, "columns", kL, "rows", kD, "adaptive", TRUE, "reported-loss", 0.005,
                     nullptr);
      },
      seen);
  ASSERT_TRUE(h);
  for (guint16 seq = 0; seq < 4 * kL * kD; ++seq) {
    if (seq == 75) g_object_set(h->element, "reported-loss", 0.02, nullptr);  // mid matrix 1
    ASSERT_EQ(gst_harness_push(h.get(), rtp(seq, seq * 90u)), GST_FLOW_OK);
  }
  const auto m0 = rows_and_columns(seen, 0, kL * kD, kL);
  const auto m1 = rows_and_columns(seen, kL * kD, kL * kD, kL);
  const auto m2 = rows_and_columns(seen, 2 * kL * kD, kL * kD, kL);
  EXPECT_EQ(m0, (std::array<int, 2>{5, 0}));
  EXPECT_EQ(m1, (std::array<int, 2>{5, 0}));  // the switch came at packet 75 of 0..99
  EXPECT_EQ(m2, (std::array<int, 2>{0, 10}));
  // No column packet from a group that does not start a matrix column.
  for (const auto &[base, offset] : seen.packets) {
    if (offset == kL) {
      EXPECT_LT(base % (kL * kD), kL) << "column SN base " << base;
    }
  }
}

TEST(St2022FecEncAdaptive, OffByDefaultAndTheEnabledDirectionsBoundIt) {
  FecSeen seen;
  Harness h = probed_encoder(
      [](GstElement *e) {
        gboolean adaptive = TRUE;
        g_object_get(e, "adaptive", &adaptive, nullptr);
        EXPECT_FALSE(adaptive);
        // Column FEC disabled: at loss 0.02 (columns of 5 needed) rows are all there is.
        g_object_set(e, "columns", 10u, "rows", 5u, "adaptive", TRUE, "enable-column-fec", FALSE,
                     "reported-loss", 0.02, nullptr);
      },
      seen);
  ASSERT_TRUE(h);
  for (guint16 s = 0; s < 100; ++s)
    ASSERT_EQ(gst_harness_push(h.get(), rtp(s, s * 90u)), GST_FLOW_OK);
  const auto got = rows_and_columns(seen, 0, 100, 10);
  EXPECT_EQ(got[0], 10);
  EXPECT_EQ(got[1], 0);
}

// RED: the redundant block's presence read from the RED header (F bit of
// the first block header).
bool has_redundant_block(GstBuffer *red) {
  GstMapInfo map;
  if (!gst_buffer_map(red, &map, GST_MAP_READ)) return false;
  const bool f = map.size > 12 && (map.data[12] & 0x80) != 0;
  gst_buffer_unmap(red, &map);
  return f;
}

TEST(RedEncAdaptive, RedundancyOnlyWhileLossIsReported) {
  Harness h(gst_harness_new("rtpredenc2"));
  g_object_set(h->element, "pt", 100, "distance", 2u, "adaptive", TRUE, nullptr);
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,payload=33,clock-rate=8000");
  guint distance = 99;
  g_object_get(h->element, "distance", &distance, nullptr);
  EXPECT_EQ(distance, 0u);  // no loss reported yet: none in use
  guint16 seq = 0;
  auto push_and_count = [&](int n) {
    int with_block = 0;
    for (int i = 0; i < n; ++i, ++seq) {
      EXPECT_EQ(gst_harness_push(h.get(), rtp(seq, seq * 160u)), GST_FLOW_OK);
      GstBuffer *out = gst_harness_pull(h.get());
      if (out && has_redundant_block(out)) ++with_block;
      if (out) gst_buffer_unref(out);
    }
    return with_block;
  };
  EXPECT_EQ(push_and_count(10), 0);
  g_object_set(h->element, "reported-loss", 0.01, nullptr);
  g_object_get(h->element, "distance", &distance, nullptr);
  EXPECT_EQ(distance, 2u);
  // Nothing was kept while off: the first packet after the switch has no
  // earlier one to carry; the second carries the first (the nearest while
  // fewer than `distance` are kept, as rtpredenc): 9 of 10 carry a block.
  EXPECT_EQ(push_and_count(10), 9);
}

}  // namespace
