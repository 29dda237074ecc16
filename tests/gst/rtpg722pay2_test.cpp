// rtpg722pay2 through GstHarness: caps (PT 9, clock-rate 8000), packet time
// from properties and downstream caps, timestamps, marker, EOS and flush.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "audio_fixtures.hpp"
#include "rtp/rtp_header.hpp"

using namespace audiofx;

namespace {

constexpr const char *kG722 = "audio/G722,rate=16000,channels=1";

HarnessPtr make_pay(const std::string &props = "", const char *sink_caps = nullptr) {
  return make("rtpg722pay2", "timestamp-offset=1000 seqnum-offset=10 " + props, kG722, sink_caps);
}

// avenc_g722 sends 20 ms (160 bytes) per buffer.
void push_20ms(GstHarness *h, int count, int first = 0) {
  for (int i = first; i < first + count; ++i)
    ASSERT_EQ(gst_harness_push(h, buffer(pattern(160, static_cast<std::uint8_t>(i)), i * 20 * kMs)),
              GST_FLOW_OK);
}

std::vector<std::size_t> sizes(const std::vector<Rtp> &pkts) {
  std::vector<std::size_t> v;
  for (const Rtp &p : pkts) v.push_back(p.payload.size());
  return v;
}

}  // namespace

TEST(RtpG722Pay2, StaticPayloadType9AndClockRate8000) {
  auto h = make_pay();
  push_20ms(h.get(), 1);
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 1u);
  EXPECT_EQ(pkts[0].pt, 9);
  EXPECT_EQ(pkts[0].payload, pattern(160, 0));
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_NE(caps, nullptr);
  GstCaps *want = gst_caps_from_string(
      "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9,"
      "encoding-params=(string)1,channels=1");
  EXPECT_TRUE(gst_caps_is_subset(caps, want)) << current_caps(h.get());
  gst_caps_unref(want);
  gst_caps_unref(caps);
  guint pt = 0;
  g_object_get(h->element, "pt", &pt, nullptr);
  EXPECT_EQ(pt, 9u);
}

TEST(RtpG722Pay2, DynamicPayloadTypeFromPropertyOrDownstream) {
  auto a = make_pay("pt=101");
  push_20ms(a.get(), 1);
  EXPECT_EQ(pull_rtp(a.get()).at(0).pt, 101);
  auto b = make_pay("", "application/x-rtp,payload=(int)110");
  push_20ms(b.get(), 1);
  EXPECT_EQ(pull_rtp(b.get()).at(0).pt, 110);
}

TEST(RtpG722Pay2, PtimeProperties) {
  auto h = make_pay();
  GObjectClass *klass = G_OBJECT_GET_CLASS(h->element);
  struct {
    const char *name;
    gint64 min, def;
  } want[] = {{"max-ptime", -1, -1}, {"min-ptime", 0, 0}, {"ptime-multiple", 0, 0}};
  for (const auto &w : want) {
    GParamSpec *ps = g_object_class_find_property(klass, w.name);
    ASSERT_NE(ps, nullptr) << w.name;
    ASSERT_TRUE(G_IS_PARAM_SPEC_INT64(ps)) << w.name;
    EXPECT_EQ(G_PARAM_SPEC_INT64(ps)->minimum, w.min) << w.name;
    EXPECT_EQ(G_PARAM_SPEC_INT64(ps)->maximum, G_MAXINT64) << w.name;
    EXPECT_EQ(G_PARAM_SPEC_INT64(ps)->default_value, w.def) << w.name;
  }
  g_object_set(h->element, "max-ptime", gint64{30 * kMs}, nullptr);
  gint64 v = 0;
  g_object_get(h->element, "max-ptime", &v, nullptr);
  EXPECT_EQ(v, gint64{30 * kMs});
}

TEST(RtpG722Pay2, TimestampsAdvance80Per10ms) {
  auto h = make_pay("max-ptime=10000000");
  push_20ms(h.get(), 2);
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 4u);
  for (std::size_t i = 0; i < pkts.size(); ++i) {
    EXPECT_EQ(pkts[i].payload.size(), 80u);
    EXPECT_EQ(pkts[i].ts, 1000u + 80u * i);
    EXPECT_EQ(pkts[i].seq, 10u + i);
    EXPECT_EQ(pkts[i].pts, i * 10 * kMs);
    EXPECT_EQ(pkts[i].marker, i == 0) << "marker on the first packet only";
  }
  EXPECT_TRUE(pkts[0].discont);
  EXPECT_EQ(stat_uint(h.get(), "timestamp"), 1240u);
}

TEST(RtpG722Pay2, ABufferOfOnePacketBecomesThePacketWithoutItsMetadata) {
  auto h = make_pay("min-ptime=20000000 max-ptime=20000000");
  GstBuffer *in = buffer(pattern(160), 40 * kMs);
  add_foreign_metadata(in);
  const GstBuffer *address = in;
  ASSERT_EQ(gst_harness_push(h.get(), in), GST_FLOW_OK);  // handed over: ours to change
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  GstBuffer *b = out[0].get();
  EXPECT_EQ(b, address) << "a new buffer was made";
  EXPECT_FALSE(has_foreign_metadata(b));
  EXPECT_FALSE(GST_BUFFER_DURATION_IS_VALID(b));
  EXPECT_EQ(GST_BUFFER_PTS(b), 40 * kMs);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_MARKER));
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(b));
  const Bytes raw = bytes_of(b);
  const auto p = srtcore::rtp::parse_rtp(raw);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(Bytes(p->payload.begin(), p->payload.end()), pattern(160));
  EXPECT_EQ(p->header.sequence, 10u);
  EXPECT_TRUE(p->header.marker);
}

TEST(RtpG722Pay2, ABufferHeldElsewhereIsLeftAsItWas) {
  auto h = make_pay();
  GstBuffer *in = buffer(pattern(160), 0);
  add_foreign_metadata(in);
  gst_buffer_ref(in);
  ASSERT_EQ(gst_harness_push(h.get(), in), GST_FLOW_OK);
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 1u);
  EXPECT_EQ(pkts[0].payload, pattern(160));
  EXPECT_EQ(gst_buffer_n_memory(in), 1u);
  EXPECT_EQ(bytes_of(in), pattern(160));
  EXPECT_TRUE(has_foreign_metadata(in));
  gst_buffer_unref(in);
}

// Input that is cut or queued is copied out; its memory must then be freed
// (it once leaked, freed while still mapped, with a CRITICAL per buffer).
TEST(RtpG722Pay2, InputCutIntoPacketsOrQueuedIsFreed) {
  for (const char *props : {"max-ptime=10000000", "min-ptime=40000000"}) {
    SCOPED_TRACE(props);
    auto h = make_pay(props);
    int freed = 0;
    auto *data = static_cast<guint8 *>(g_malloc(160));
    const Bytes in = pattern(160);
    std::copy(in.begin(), in.end(), data);
    GstBuffer *b =
        gst_buffer_new_wrapped_full(static_cast<GstMemoryFlags>(0), data, 160, 0, 160, &freed,
                                    [](gpointer count) { ++*static_cast<int *>(count); });
    GST_BUFFER_PTS(b) = 0;
    ASSERT_EQ(gst_harness_push(h.get(), b), GST_FLOW_OK);
    EXPECT_EQ(freed, 1) << "the input's memory outlived the push";
    ASSERT_TRUE(eos_passed(h.get()));
    Bytes out;
    for (const Rtp &p : pull_rtp(h.get()))
      out.insert(out.end(), p.payload.begin(), p.payload.end());
    EXPECT_EQ(out, in);
    g_free(data);
  }
}

TEST(RtpG722Pay2, PtimeFromDownstreamCaps) {
  auto h = make_pay("", "application/x-rtp,ptime=(uint)40");
  push_20ms(h.get(), 5);
  auto pkts = pull_rtp(h.get());
  EXPECT_EQ(sizes(pkts), (std::vector<std::size_t>{320, 320}));
  EXPECT_NE(current_caps(h.get()).find("ptime=(uint)40"), std::string::npos)
      << current_caps(h.get());
  ASSERT_TRUE(eos_passed(h.get()));
  EXPECT_EQ(sizes(pull_rtp(h.get())), (std::vector<std::size_t>{160}));  // the rest at EOS
}

TEST(RtpG722Pay2, MaxptimeFromDownstreamCapsAndPropertyTakeTheSmaller) {
  auto h = make_pay("max-ptime=30000000", "application/x-rtp,maxptime=(uint)10");
  push_20ms(h.get(), 1);
  EXPECT_EQ(sizes(pull_rtp(h.get())), (std::vector<std::size_t>{80, 80}));
  auto k = make_pay("max-ptime=10000000", "application/x-rtp,maxptime=(uint)30");
  push_20ms(k.get(), 1);
  EXPECT_EQ(sizes(pull_rtp(k.get())), (std::vector<std::size_t>{80, 80}));
}

TEST(RtpG722Pay2, MinPtimeHoldsDataUntilEnough) {
  auto h = make_pay("min-ptime=50000000");
  push_20ms(h.get(), 2);
  EXPECT_TRUE(pull_rtp(h.get()).empty());
  push_20ms(h.get(), 1, 2);
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 1u);
  EXPECT_EQ(pkts[0].payload.size(), 480u);
  EXPECT_EQ(pkts[0].ts, 1000u);
  EXPECT_EQ(pkts[0].pts, 0u);
}

TEST(RtpG722Pay2, PtimeMultiple) {
  auto h = make_pay("ptime-multiple=30000000");
  push_20ms(h.get(), 3);
  EXPECT_EQ(sizes(pull_rtp(h.get())), (std::vector<std::size_t>{240, 240}));
}

TEST(RtpG722Pay2, EosFlushesThePartialStep) {
  auto h = make_pay();
  ASSERT_EQ(gst_harness_push(h.get(), buffer(pattern(100), 0)), GST_FLOW_OK);
  auto a = pull_rtp(h.get());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].payload, pattern(80));
  ASSERT_TRUE(eos_passed(h.get()));
  auto b = pull_rtp(h.get());
  ASSERT_EQ(b.size(), 1u);
  const Bytes all = pattern(100);
  EXPECT_EQ(b[0].payload, Bytes(all.begin() + 80, all.end()));
  EXPECT_EQ(b[0].ts, 1080u);
  EXPECT_EQ(b[0].pts, 10 * kMs);
}

TEST(RtpG722Pay2, FlushDropsHeldDataAndMarksTheRestart) {
  auto h = make_pay("min-ptime=100000000");
  push_20ms(h.get(), 2);
  flush(h.get());
  ASSERT_EQ(gst_harness_push(h.get(), buffer(pattern(160, 99), 0)), GST_FLOW_OK);
  ASSERT_TRUE(eos_passed(h.get()));
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 1u);
  EXPECT_EQ(pkts[0].payload, pattern(160, 99));
  EXPECT_TRUE(pkts[0].marker);
  EXPECT_TRUE(pkts[0].discont);
}

TEST(RtpG722Pay2, DiscontinuityMarksAndMovesRtpTime) {
  auto h = make_pay();
  push_20ms(h.get(), 1);
  ASSERT_EQ(gst_harness_push(h.get(), buffer(pattern(160), 100 * kMs, true)), GST_FLOW_OK);
  auto pkts = pull_rtp(h.get());
  ASSERT_EQ(pkts.size(), 2u);
  EXPECT_TRUE(pkts[1].marker);
  EXPECT_TRUE(pkts[1].discont);
  EXPECT_EQ(pkts[1].ts, 1000u + 800u);
  EXPECT_EQ(pkts[1].pts, 100 * kMs);
}

TEST(RtpG722Pay2, MtuTooSmallForOneStepIsAnError) {
  auto h = make_pay("mtu=60");
  ErrorWatch errors(h->element);
  EXPECT_EQ(gst_harness_push(h.get(), buffer(pattern(160), 0)), GST_FLOW_ERROR);
  const std::string e = errors.first_error();
  EXPECT_NE(e.find("mtu"), std::string::npos) << e;
  EXPECT_NE(e.find("at least 92"), std::string::npos) << e;
}

TEST(RtpG722Pay2, StatsCountPackets) {
  auto h = make_pay("max-ptime=10000000");
  push_20ms(h.get(), 3);
  pull_rtp(h.get());
  EXPECT_EQ(stat_u64(h.get(), "packets-sent"), 6u);
  EXPECT_EQ(stat_u64(h.get(), "payload-bytes-sent"), 480u);
  EXPECT_EQ(stat_uint(h.get(), "clock-rate"), 8000u);
}
