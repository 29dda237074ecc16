// rtpflexfecenc's adaptive mode: reported-loss set by the application, the
// geometry read back from the repair packets' FEC headers (RFC 8627 fixed
// form: SN base, L, D after the 16-byte RTP header with one CSRC), and
// rtpflexfecdec rebuilding across every change. The expected row lengths
// are worked out by hand below from the rule in
// srt-core/fec/protection_policy.hpp (one parity packet per k media packets
// rebuilds a loss with probability (1-p)^k; target 0.9; level ceil(100/k))
// and flexfec_choice (the longest row L <= columns with L * level <= 100),
// not taken from the element's output.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <vector>

namespace {

using Bytes = std::vector<guint8>;

constexpr guint8 kMediaPt = 96;
constexpr guint8 kRepairPt = 100;
constexpr guint16 kFirstSeq = 65500;  // wraps within the stream
constexpr const char *kCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,payload=96";

struct HarnessDel {
  void operator()(GstHarness *h) const { gst_harness_teardown(h); }
};
using Harness = std::unique_ptr<GstHarness, HarnessDel>;

Bytes media(guint n) {
  const guint16 seq = static_cast<guint16>(kFirstSeq + n);
  Bytes b(12 + 20 + n % 37);
  b[0] = 0x80;
  b[1] = static_cast<guint8>(kMediaPt | (n % 7 == 0 ? 0x80 : 0));
  b[2] = static_cast<guint8>(seq >> 8);
  b[3] = static_cast<guint8>(seq);
  const guint32 ts = n * 3000u;
  for (int i = 0; i < 4; ++i)
    b[4 + static_cast<std::size_t>(i)] = static_cast<guint8>(ts >> (24 - 8 * i));
  b[8] = 0x11, b[9] = 0x22, b[10] = 0x33, b[11] = 0x44;  // SSRC
  for (std::size_t i = 12; i < b.size(); ++i) b[i] = static_cast<guint8>(n * 31 + i);
  return b;
}

Bytes bytes_of(GstBuffer *b) {
  Bytes out(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, out.data(), out.size());
  return out;
}

// A repair packet's fixed-form FEC header: F=1 in its first byte, then the
// one protected stream's SN base, L and D (RFC 8627 section 4.2.2.2).
struct Repair {
  guint offset = 0;  // SN base, counted from the first media packet
  guint l = 0;
  guint d = 0;
};

Repair repair_of(const Bytes &b) {
  EXPECT_GE(b.size(), 16u + 12u);
  EXPECT_EQ(b[0] & 0x0F, 1) << "one CSRC: the source SSRC";
  EXPECT_EQ(b[16] & 0xC0, 0x40) << "R=0, F=1: the fixed L/D form";
  const guint16 sn = static_cast<guint16>(b[24] << 8 | b[25]);
  return {static_cast<guint16>(sn - kFirstSeq), b[26], b[27]};
}

bool is_repair(const Bytes &b) {
  return (b[1] & 0x7F) == kRepairPt;
}

// The encoder with fec-on-src: media and repair packets in send order.
struct Encoder {
  Harness h;
  Encoder(guint columns, guint rows, const char *mode = "fixed") {
    GstElement *e = gst_element_factory_make("rtpflexfecenc", nullptr);
    EXPECT_TRUE(e);
    gst_util_set_object_arg(G_OBJECT(e), "mode", mode);
    g_object_set(e, "columns", columns, "rows", rows, "pt", gint{kRepairPt}, "fec-on-src", TRUE,
                 "adaptive", TRUE, nullptr);
    h.reset(gst_harness_new_with_element(e, "sink", "src"));
    gst_object_unref(e);
    gst_harness_set_src_caps_str(h.get(), kCaps);
  }
  void loss(double p) { g_object_set(h->element, "reported-loss", p, nullptr); }
  // Media packets [from, to): everything that came out.
  std::vector<Bytes> push(guint from, guint to) {
    std::vector<Bytes> out;
    for (guint n = from; n < to; ++n) {
      const Bytes m = media(n);
      EXPECT_EQ(gst_harness_push(h.get(), gst_buffer_new_memdup(m.data(), m.size())), GST_FLOW_OK);
      while (GstBuffer *b = gst_harness_try_pull(h.get())) {
        out.push_back(bytes_of(b));
        gst_buffer_unref(b);
      }
    }
    return out;
  }
};

// Loss rises phase by phase (a lower level would wait out the policy's
// 5 s hold). By hand, k = floor(ln 0.9 / ln(1 - p)):
//   p 0     -> level 0: no repair packets;
//   p 0.005 -> k 21, level 5:  L = min(20, 100 / 5)  = 20;
//   p 0.01  -> k 10, level 10: L = 10;
//   p 0.02  -> k 5,  level 20: L = 5;
//   p 0.05  -> k 2,  level 50: L = 2;
//   p 0.2   -> k 0 (nothing reaches 0.9), level 100: L = 1 (a copy).
// Each phase is 60 packets, a whole number of rows at every L above, so
// each new row length starts exactly at its phase.
struct Phase {
  double loss;
  guint l;
};
constexpr Phase kPhases[] = {{0.0, 0}, {0.005, 20}, {0.01, 10}, {0.02, 5}, {0.05, 2}, {0.2, 1}};
constexpr guint kPhaseLength = 60;

TEST(FlexFecEncAdaptive, RowLengthOnTheWireFollowsReportedLoss) {
  Encoder enc(20, 0);
  std::vector<Repair> repairs;
  guint n = 0;
  for (const Phase &ph : kPhases) {
    enc.loss(ph.loss);
    for (const Bytes &b : enc.push(n, n + kPhaseLength))
      if (is_repair(b)) repairs.push_back(repair_of(b));
    n += kPhaseLength;
  }
  // The rows tile each phase: consecutive, all of the phase's length, none
  // reaching into the next phase.
  std::size_t r = 0;
  for (std::size_t i = 0; i < std::size(kPhases); ++i) {
    const guint start = static_cast<guint>(i) * kPhaseLength;
    const guint want = kPhases[i].l;
    const guint rows = want ? kPhaseLength / want : 0;
    for (guint j = 0; j < rows; ++j, ++r) {
      ASSERT_LT(r, repairs.size()) << "phase " << i << ": only " << j << " rows";
      EXPECT_EQ(repairs[r].offset, start + j * want) << "phase " << i << " row " << j;
      EXPECT_EQ(repairs[r].l, want) << "phase " << i << " (loss " << kPhases[i].loss << ")";
      EXPECT_EQ(repairs[r].d, 0u) << "rows only: no column FEC follows";
    }
  }
  EXPECT_EQ(r, repairs.size()) << "repair packets beyond the expected rows";
}

TEST(FlexFecEncAdaptive, ANewRowLengthWaitsForTheRowInProgress) {
  Encoder enc(20, 0);
  enc.loss(0.005);  // rows of 20
  std::vector<Repair> repairs;
  auto take = [&](const std::vector<Bytes> &out) {
    for (const Bytes &b : out)
      if (is_repair(b)) repairs.push_back(repair_of(b));
  };
  take(enc.push(0, 27));  // one row done, 7 packets into the second
  enc.loss(0.2);          // rows of 1 from now on, but not inside that row
  take(enc.push(27, 45));
  ASSERT_GE(repairs.size(), 2u + 5u);
  EXPECT_EQ(repairs[0].offset, 0u);
  EXPECT_EQ(repairs[0].l, 20u);
  EXPECT_EQ(repairs[1].offset, 20u) << "the row in progress is finished at its length";
  EXPECT_EQ(repairs[1].l, 20u);
  for (std::size_t i = 2; i < repairs.size(); ++i) {
    EXPECT_EQ(repairs[i].offset, 40u + (i - 2));
    EXPECT_EQ(repairs[i].l, 1u);
  }
  EXPECT_EQ(repairs.size(), 2u + 5u);  // packets 40..44 in rows of 1
}

// The 2-D geometry: columns of a 10 x 5 matrix cost 20 %, the same as rows
// of 5, and are chosen on that tie (they also take bursts); the matrix in
// progress is finished before rows take over.
TEST(FlexFecEncAdaptive, ColumnsOfTheConfiguredMatrixAndItsEnd) {
  Encoder enc(10, 5);
  enc.loss(0.02);  // k 5, level 20: columns of 5 (D = 5)
  std::vector<Repair> repairs;
  auto take = [&](const std::vector<Bytes> &out) {
    for (const Bytes &b : out)
      if (is_repair(b)) repairs.push_back(repair_of(b));
  };
  take(enc.push(0, 60));  // one 50-packet matrix, 10 into the next
  enc.loss(0.05);         // level 50: rows of 2, once that matrix ends (packet 100)
  take(enc.push(60, 104));
  std::size_t columns = 0, rows = 0;
  for (const Repair &r : repairs) {
    if (r.d == 5) {
      ++columns;
      EXPECT_EQ(r.l, 10u);
      EXPECT_LT(r.offset, 100u) << "columns only in the first two matrices";
    } else {
      ++rows;
      EXPECT_EQ(r.l, 2u);
      EXPECT_EQ(r.d, 0u);
      EXPECT_GE(r.offset, 100u) << "rows only once the second matrix ended";
    }
  }
  EXPECT_EQ(columns, 20u);  // 10 per matrix, two matrices
  EXPECT_EQ(rows, 2u);      // packets 100..103 in rows of 2
}

// Through rtpflexfecdec (repair packets taken from its sink by pt): one
// media packet in every 20 dropped; every row of every phase above holds at
// most one, so every loss after the first (unprotected) phase is rebuilt,
// byte for byte, whatever row length was in use when it was sent.
void rebuilds_across_every_change(const char *mode) {
  Encoder enc(20, 0, mode);
  Harness dec(gst_harness_new("rtpflexfecdec"));
  g_object_set(dec->element, "pt", gint{kRepairPt}, nullptr);
  gst_harness_set_src_caps_str(dec.get(), kCaps);
  std::set<guint> dropped;
  guint n = 0;
  for (const Phase &ph : kPhases) {
    enc.loss(ph.loss);
    for (const Bytes &b : enc.push(n, n + kPhaseLength)) {
      if (!is_repair(b)) {
        const guint off = static_cast<guint16>((b[2] << 8 | b[3]) - kFirstSeq);
        if (off % 20 == 7) {
          dropped.insert(off);
          continue;
        }
      }
      EXPECT_EQ(gst_harness_push(dec.get(), gst_buffer_new_memdup(b.data(), b.size())),
                GST_FLOW_OK);
    }
    n += kPhaseLength;
  }
  std::map<guint, Bytes> out;
  while (GstBuffer *b = gst_harness_try_pull(dec.get())) {
    const Bytes bytes = bytes_of(b);
    gst_buffer_unref(b);
    EXPECT_FALSE(is_repair(bytes)) << "repair packets stay in the decoder";
    const guint off = static_cast<guint16>((bytes[2] << 8 | bytes[3]) - kFirstSeq);
    EXPECT_TRUE(out.emplace(off, bytes).second) << "packet " << off << " twice";
  }
  std::set<guint> rebuilt;
  for (const auto &[off, b] : out) {
    EXPECT_EQ(b, media(off)) << "packet " << off;
    if (dropped.count(off)) rebuilt.insert(off);
  }
  std::set<guint> want;
  for (guint off : dropped)
    if (off >= kPhaseLength) want.insert(off);  // the first phase sent no repair packets
  EXPECT_EQ(dropped.size(), std::size(kPhases) * kPhaseLength / 20);
  EXPECT_EQ(rebuilt, want);
  EXPECT_EQ(out.size(), n - dropped.size() + want.size());
}

TEST(FlexFecEncAdaptive, DecoderRebuildsAcrossEveryChange) {
  rebuilds_across_every_change("fixed");
}

// The same with flexible masks (F=0): rows of 1..20 are masks of 1..20 bits.
TEST(FlexFecEncAdaptive, DecoderRebuildsAcrossEveryChangeFlexibleMask) {
  rebuilds_across_every_change("flexible-mask");
}

TEST(FlexFecEncAdaptive, OffByDefaultAndConfiguredGeometryUnchanged) {
  GstElement *e = gst_element_factory_make("rtpflexfecenc", nullptr);
  ASSERT_TRUE(e);
  gboolean adaptive = TRUE;
  g_object_get(e, "adaptive", &adaptive, nullptr);
  EXPECT_FALSE(adaptive);
  // Not adaptive: reported loss changes nothing; rows of the configured 4.
  g_object_set(e, "columns", 4u, "pt", gint{kRepairPt}, "fec-on-src", TRUE, "reported-loss", 0.2,
               nullptr);
  Harness h(gst_harness_new_with_element(e, "sink", "src"));
  gst_object_unref(e);
  gst_harness_set_src_caps_str(h.get(), kCaps);
  std::vector<Repair> repairs;
  for (guint n = 0; n < 40; ++n) {
    const Bytes m = media(n);
    ASSERT_EQ(gst_harness_push(h.get(), gst_buffer_new_memdup(m.data(), m.size())), GST_FLOW_OK);
    while (GstBuffer *b = gst_harness_try_pull(h.get())) {
      const Bytes bytes = bytes_of(b);
      gst_buffer_unref(b);
      if (is_repair(bytes)) repairs.push_back(repair_of(bytes));
    }
  }
  ASSERT_EQ(repairs.size(), 10u);
  for (std::size_t i = 0; i < repairs.size(); ++i) {
    EXPECT_EQ(repairs[i].offset, 4 * i);
    EXPECT_EQ(repairs[i].l, 4u);
  }
}

}  // namespace
