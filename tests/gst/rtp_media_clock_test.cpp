// rtptime-from-clock (RTP time = absolute clock time x clock-rate, RFC 7273
// direct media clock), the a-ts-refclk / a-mediaclk caps fields, NTP-64 on
// every packet through gst-plugins-good's rtphdrextntp64, the depayloaders'
// "latency" stat, and rtpjitterbuffer rfc7273-sync lining up audio and video
// from two of our payloaders on one NTP clock (served on loopback).
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/gst.h>
#include <gst/net/gstnetclientclock.h>
#include <gst/net/gstptpclock.h>
#include <gst/rtp/gstrtphdrext.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "h264_fixtures.hpp"
#include "loopback_ntp_server.hpp"

using namespace fixtures;

namespace {

// An absolute clock time like a REALTIME clock's in 2025, off any tick grid.
constexpr GstClockTime kBaseTime = 1764000000ULL * GST_SECOND + 123456789;
constexpr std::uint64_t kNtpToUnixSeconds = 2208988800ULL;
constexpr const char *kG722Caps = "audio/G722,rate=16000,channels=1";
constexpr const char *kH264Caps = "video/x-h264,stream-format=byte-stream,alignment=au";
constexpr const char *kNtp64Uri = "urn:ietf:params:rtp-hdrext:ntp-64";

// floor(t x rate / 1 s) mod 2^32, exactly, in parts that cannot overflow.
std::uint32_t expected_rtp(GstClockTime t, std::uint64_t rate) {
  const std::uint64_t ticks = (t / GST_SECOND) * rate + (t % GST_SECOND) * rate / GST_SECOND;
  return static_cast<std::uint32_t>(ticks);
}

// NTP 32.32 fixed point of a time from the NTP epoch, exactly.
std::uint64_t expected_ntp64(GstClockTime ntp_ns) {
  return ((ntp_ns / GST_SECOND) << 32) | (((ntp_ns % GST_SECOND) << 32) / GST_SECOND);
}

// An RTP time as ns, unwrapped to the 2^32 cycle nearest the time `near`.
GstClockTime unwrapped_ns(std::uint32_t ts, std::uint64_t rate, GstClockTime near) {
  const std::uint64_t ticks_near =
      (near / GST_SECOND) * rate + (near % GST_SECOND) * rate / GST_SECOND;
  std::uint64_t ticks = (ticks_near & ~0xffffffffULL) | ts;
  if (ticks + 0x80000000ULL < ticks_near) ticks += 0x100000000ULL;
  if (ticks > ticks_near + 0x80000000ULL) ticks -= 0x100000000ULL;
  return gst_util_uint64_scale(ticks, GST_SECOND, rate);
}

struct ClockUnref {
  void operator()(GstClock *c) const { gst_object_unref(c); }
};
using ClockPtr = std::unique_ptr<GstClock, ClockUnref>;

HarnessPtr make_clocked_pay(const char *factory, const char *caps, GstClock *clock,
                            GstClockTime base_time, const char *props = "") {
  HarnessPtr h(gst_harness_new(factory));
  set_props(h->element, props);
  g_object_set(h->element, "rtptime-from-clock", TRUE, nullptr);
  gst_element_set_clock(h->element, clock);
  gst_element_set_base_time(h->element, base_time);
  gst_harness_set_src_caps_str(h.get(), caps);
  return h;
}

// A new segment whose running time is PTS + `base`.
void push_segment_with_base(GstHarness *h, GstClockTime base) {
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  seg.base = base;
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&seg)));
}

GstBuffer *g722_20ms(GstClockTime pts) {
  GstBuffer *b = gst_buffer_new_allocate(nullptr, 160, nullptr);
  gst_buffer_memset(b, 0, 0x55, 160);
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = 20 * GST_MSECOND;
  return b;
}

GstBuffer *h264_au(GstClockTime pts, std::size_t slice = 100) {
  return buffer(annexb({sps(), pps(), idr_slice(slice)}), pts);
}

// The data of one-byte-form (0xBEDE) header extension element `id`, read
// from the raw packet; nullopt when absent.
std::optional<Bytes> one_byte_extension(const Bytes &raw, unsigned id) {
  if (raw.size() < 12 || !(raw[0] & 0x10)) return std::nullopt;
  std::size_t pos = 12 + 4 * (raw[0] & 0x0f);
  if (raw.size() < pos + 4 || raw[pos] != 0xBE || raw[pos + 1] != 0xDE) return std::nullopt;
  const std::size_t end = pos + 4 + 4 * ((raw[pos + 2] << 8) | raw[pos + 3]);
  pos += 4;
  while (pos < end && pos < raw.size()) {
    const unsigned eid = raw[pos] >> 4, len = (raw[pos] & 0x0f) + 1u;
    if (eid == 0) {
      ++pos;
      continue;
    }
    if (eid == 15 || pos + 1 + len > end) break;
    if (eid == id) return Bytes(raw.begin() + pos + 1, raw.begin() + pos + 1 + len);
    pos += 1 + len;
  }
  return std::nullopt;
}

std::uint64_t be64(const Bytes &b) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < b.size(); ++i) v = (v << 8) | b[i];
  return v;
}

GstRTPHeaderExtension *ntp64_extension(guint id, bool every_packet) {
  GstRTPHeaderExtension *ext = gst_rtp_header_extension_create_from_uri(kNtp64Uri);
  if (!ext) return nullptr;
  gst_rtp_header_extension_set_id(ext, id);
  g_object_set(ext, "every-packet", every_packet ? TRUE : FALSE, nullptr);
  return ext;
}

std::optional<gint64> stats_latency(GstElement *depay) {
  GstStructure *stats = nullptr;
  g_object_get(depay, "stats", &stats, nullptr);
  std::optional<gint64> out;
  gint64 v = 0;
  if (stats && gst_structure_get_int64(stats, "latency", &v)) out = v;
  if (stats) gst_structure_free(stats);
  return out;
}

}  // namespace

TEST(RtpTimeFromClock, AudioAndVideoOnOneClockAgreeToTheSample) {
  ClockPtr clock(gst_test_clock_new());
  auto audio = make_clocked_pay("rtpg722pay2", kG722Caps, clock.get(), kBaseTime);
  auto video = make_clocked_pay("rtph264pay2", kH264Caps, clock.get(), kBaseTime);
  // Running time = PTS + 2 s: the clock time of a buffer is base + running.
  constexpr GstClockTime kSegmentBase = 2 * GST_SECOND;
  push_segment_with_base(audio.get(), kSegmentBase);
  push_segment_with_base(video.get(), kSegmentBase);

  constexpr int kFrames = 10;  // 40 ms video frames, 20 ms audio buffers
  for (int i = 0; i < 2 * kFrames; ++i)
    ASSERT_EQ(gst_harness_push(audio.get(), g722_20ms(i * 20 * GST_MSECOND)), GST_FLOW_OK);
  for (int j = 0; j < kFrames; ++j)
    ASSERT_EQ(gst_harness_push(video.get(), h264_au(j * 40 * GST_MSECOND)), GST_FLOW_OK);

  const auto a = pull_all(audio.get());
  const auto v = pull_all(video.get());
  ASSERT_EQ(a.size(), 2u * kFrames);  // one 20 ms packet per buffer
  ASSERT_GE(v.size(), static_cast<std::size_t>(kFrames));
  // Video packets of frame j, in order: each frame's RTP time, once.
  std::vector<std::uint32_t> frame_ts;
  for (const Rtp &p : v)
    if (frame_ts.empty() || frame_ts.back() != p.ts) frame_ts.push_back(p.ts);
  ASSERT_EQ(frame_ts.size(), static_cast<std::size_t>(kFrames));

  for (int i = 0; i < 2 * kFrames; ++i) {
    const GstClockTime t = kBaseTime + kSegmentBase + i * 20 * GST_MSECOND;
    EXPECT_EQ(a[i].ts, expected_rtp(t, 8000)) << "audio buffer " << i;
  }
  for (int j = 0; j < kFrames; ++j) {
    const GstClockTime t = kBaseTime + kSegmentBase + j * 40 * GST_MSECOND;
    EXPECT_EQ(frame_ts[j], expected_rtp(t, 90000)) << "video frame " << j;
    // The same instant read back from either stream: one audio sample apart
    // at most (both truncate to their own clock's tick).
    const GstClockTime at = unwrapped_ns(a[2 * j].ts, 8000, t);
    const GstClockTime vt = unwrapped_ns(frame_ts[j], 90000, t);
    EXPECT_LT(std::llabs(GST_CLOCK_DIFF(at, vt)), static_cast<long long>(GST_SECOND / 8000))
        << "frame " << j;
    EXPECT_LE(at, t);
    EXPECT_LE(vt, t);
  }
}

TEST(RtpTimeFromClock, OffByDefaultRandomOffsetAsBefore) {
  ClockPtr clock(gst_test_clock_new());
  HarnessPtr h(gst_harness_new("rtpg722pay2"));
  gboolean on = TRUE;
  g_object_get(h->element, "rtptime-from-clock", &on, nullptr);
  EXPECT_FALSE(on);
  g_object_set(h->element, "timestamp-offset", 1000u, nullptr);
  gst_element_set_clock(h->element, clock.get());
  gst_element_set_base_time(h->element, kBaseTime);
  gst_harness_set_src_caps_str(h.get(), kG722Caps);
  ASSERT_EQ(gst_harness_push(h.get(), g722_20ms(20 * GST_MSECOND)), GST_FLOW_OK);
  const auto p = pull_all(h.get());
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].ts, 1000u + 160u);
  EXPECT_EQ(caps_field(h.get(), "a-ts-refclk"), "");
  EXPECT_EQ(caps_field(h.get(), "a-mediaclk"), "");
}

TEST(RtpTimeFromClock, CapsNameTheClockAndFollowAClockChange) {
  LoopbackNtpServer server;
  ASSERT_TRUE(server.ok());
  ClockPtr test_clock(gst_test_clock_new());
  auto h = make_clocked_pay("rtph264pay2", kH264Caps, test_clock.get(), kBaseTime);
  ASSERT_EQ(gst_harness_push(h.get(), h264_au(0)), GST_FLOW_OK);
  // A clock with no traceable reference: RFC 7273 "local".
  EXPECT_EQ(caps_field(h.get(), "a-ts-refclk"), "local");
  EXPECT_EQ(caps_field(h.get(), "a-mediaclk"), "direct=0");
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_NE(caps, nullptr);
  guint offset = 0;
  EXPECT_TRUE(gst_structure_get_uint(gst_caps_get_structure(caps, 0), "timestamp-offset", &offset));
  EXPECT_EQ(offset, expected_rtp(kBaseTime, 90000));  // RTP time at running time 0
  gst_caps_unref(caps);

  // Another clock while streaming: a GstNtpClock names its server.
  ClockPtr ntp(gst_ntp_clock_new("ntp", "127.0.0.1", server.port(), 0));
  ASSERT_NE(ntp, nullptr);
  gst_element_set_clock(h->element, ntp.get());
  ASSERT_EQ(gst_harness_push(h.get(), h264_au(40 * GST_MSECOND)), GST_FLOW_OK);
  EXPECT_EQ(caps_field(h.get(), "a-ts-refclk"), "ntp=127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(caps_field(h.get(), "a-mediaclk"), "direct=0");

  // A GstPtpClock of domain 3, made without gst_ptp_init (which needs the
  // network): no grandmaster seen yet, so its id reads 0.
  ClockPtr ptp(GST_CLOCK(g_object_new(GST_TYPE_PTP_CLOCK, "domain", 3u, nullptr)));
  gst_object_ref_sink(ptp.get());
  gst_element_set_clock(h->element, ptp.get());
  ASSERT_EQ(gst_harness_push(h.get(), h264_au(80 * GST_MSECOND)), GST_FLOW_OK);
  EXPECT_EQ(caps_field(h.get(), "a-ts-refclk"), "ptp=IEEE1588-2008:00-00-00-00-00-00-00-00:3");
  gst_element_set_clock(h->element, nullptr);
}

TEST(RtpTimeFromClock, Ntp64OnEveryPacketAndLatencyInDepayloaderStats) {
  ClockPtr clock(gst_test_clock_new_with_start_time(kBaseTime));
  auto pay = make_clocked_pay("rtph264pay2", kH264Caps, clock.get(), kBaseTime, "mtu=200");
  GstRTPHeaderExtension *ext = ntp64_extension(1, true);
  if (!ext) GTEST_SKIP() << "rtphdrextntp64 (gst-plugins-good 1.22) is not installed";
  g_signal_emit_by_name(pay->element, "add-extension", ext);
  gst_object_unref(ext);

  constexpr GstClockTime kPts = 500 * GST_MSECOND;
  ASSERT_EQ(gst_harness_push(pay.get(), h264_au(kPts, 1000)), GST_FLOW_OK);
  std::vector<GstBuffer *> packets = pull_buffers(pay.get());
  ASSERT_GT(packets.size(), 3u);  // 1000-byte slice in 200-byte packets
  const GstClockTime capture = kBaseTime + kPts;
  const std::uint64_t ntp = expected_ntp64(capture + kNtpToUnixSeconds * GST_SECOND);
  for (GstBuffer *b : packets) {
    const auto data = one_byte_extension(to_bytes(b), 1);
    ASSERT_TRUE(data.has_value()) << "a packet without NTP-64";
    ASSERT_EQ(data->size(), 8u);
    EXPECT_EQ(be64(*data), ntp);
  }
  EXPECT_NE(caps_string(pay.get()).find(kNtp64Uri), std::string::npos) << caps_string(pay.get());

  // Receivers on the same clock, the packets arriving 45 ms after capture.
  constexpr GstClockTime kDelay = 45 * GST_MSECOND;
  gst_test_clock_set_time(GST_TEST_CLOCK(clock.get()), capture + kDelay);
  const std::string rtp_caps = std::string("application/x-rtp,media=video,clock-rate=90000,") +
                               "encoding-name=H264,extmap-1=" + kNtp64Uri;
  auto run_depay = [&](bool shared) {
    HarnessPtr d(gst_harness_new("rtph264depay2"));
    g_object_set(d->element, "shared-clock", shared ? TRUE : FALSE, nullptr);
    gst_element_set_clock(d->element, clock.get());
    gst_harness_set_src_caps_str(d.get(), rtp_caps.c_str());
    for (GstBuffer *b : packets)
      EXPECT_EQ(gst_harness_push(d.get(), gst_buffer_ref(b)), GST_FLOW_OK);
    EXPECT_EQ(gst_harness_buffers_received(d.get()), 1u);
    return stats_latency(d->element);
  };
  const auto latency = run_depay(true);
  ASSERT_TRUE(latency.has_value());
  // NTP-64 fractions are 0.23 ns: the round trip may lose a nanosecond.
  EXPECT_NEAR(static_cast<double>(*latency), static_cast<double>(kDelay), 2.0);
  // "local" names no clock two machines share: no latency without shared-clock.
  EXPECT_FALSE(run_depay(false).has_value());

  // gst-plugins-good's depayloader reads the same capture time (its
  // rtphdrextntp64 puts it in a timestamp/x-ntp reference meta).
  HarnessPtr c(gst_harness_new("rtph264depay"));
  gst_harness_set_src_caps_str(c.get(), rtp_caps.c_str());
  for (GstBuffer *b : packets) gst_harness_push(c.get(), gst_buffer_ref(b));
  GstBuffer *out = gst_harness_try_pull(c.get());
  ASSERT_NE(out, nullptr);
  GstCaps *ntp_caps = gst_caps_new_empty_simple("timestamp/x-ntp");
  GstReferenceTimestampMeta *meta = gst_buffer_get_reference_timestamp_meta(out, ntp_caps);
  ASSERT_NE(meta, nullptr);
  const GstClockTime capture_ntp = capture + kNtpToUnixSeconds * GST_SECOND;
  EXPECT_NEAR(static_cast<double>(meta->timestamp), static_cast<double>(capture_ntp), 2.0);
  gst_caps_unref(ntp_caps);
  gst_buffer_unref(out);
  unref_all(packets);
}

namespace {

// Clears the timestamps of what enters a jitter buffer, as packets arriving
// from a network carry none of the sender's: only RTP time (and the clock
// the caps name) can line the streams up.
GstPadProbeReturn clear_timestamps(GstPad *, GstPadProbeInfo *info, gpointer) {
  auto clear = [](GstBuffer **b, guint, gpointer) -> gboolean {
    *b = gst_buffer_make_writable(*b);
    GST_BUFFER_PTS(*b) = GST_BUFFER_DTS(*b) = GST_CLOCK_TIME_NONE;
    return TRUE;
  };
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
    clear(&b, 0, nullptr);
    GST_PAD_PROBE_INFO_DATA(info) = b;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *l = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    gst_buffer_list_foreach(l, clear, nullptr);
    GST_PAD_PROBE_INFO_DATA(info) = l;
  }
  return GST_PAD_PROBE_OK;
}

std::vector<GstClockTime> pull_pts(GstElement *sink) {
  std::vector<GstClockTime> out;
  while (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 0)) {
    out.push_back(GST_BUFFER_PTS(gst_sample_get_buffer(s)));
    gst_sample_unref(s);
  }
  return out;
}

}  // namespace

TEST(RtpTimeFromClock, JitterBufferRfc7273SyncLinesUpAudioAndVideo) {
  if (!gst_registry_check_feature_version(gst_registry_get(), "rtpjitterbuffer", 1, 22, 0))
    GTEST_SKIP() << "rtpjitterbuffer (gst-plugins-good) is not installed";
  LoopbackNtpServer server;
  ASSERT_TRUE(server.ok());
  ClockPtr clock(gst_ntp_clock_new("sender-and-receiver", "127.0.0.1", server.port(), 0));
  ASSERT_TRUE(gst_clock_wait_for_sync(clock.get(), 20 * GST_SECOND)) << "no NTP sync on loopback";

  GError *error = nullptr;
  const std::string jb = " ! rtpjitterbuffer rfc7273-sync=true latency=200 name=";
  const std::string desc =
      std::string("appsrc name=asrc is-live=true format=time caps=") + kG722Caps +
      " ! rtpg722pay2 name=apay rtptime-from-clock=true" + jb +
      "ajb ! rtpg722depay2 name=adepay ! appsink name=asink sync=false wait-on-eos=false "
      "appsrc name=vsrc is-live=true format=time caps=" +
      kH264Caps + " ! rtph264pay2 name=vpay rtptime-from-clock=true" + jb +
      "vjb ! rtph264depay2 name=vdepay ! appsink name=vsink sync=false wait-on-eos=false";
  GstElement *pipeline = gst_parse_launch(desc.c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
  auto by_name = [&](const char *name) {
    GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
    gst_object_unref(e);  // the pipeline keeps it
    return e;
  };
  for (const char *pay : {"apay", "vpay"}) {
    GstRTPHeaderExtension *ext = ntp64_extension(1, true);
    ASSERT_NE(ext, nullptr);
    g_signal_emit_by_name(by_name(pay), "add-extension", ext);
    gst_object_unref(ext);
  }
  for (const char *jbuf : {"ajb", "vjb"}) {
    GstPad *sink = gst_element_get_static_pad(by_name(jbuf), "sink");
    gst_pad_add_probe(
        sink,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        clear_timestamps, nullptr, nullptr);
    gst_object_unref(sink);
  }
  gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock.get());
  // A base time of our choosing, on a 1 ms grid of the clock (a whole
  // number of ticks at 8 kHz and at 90 kHz), so that capture instants are
  // whole ticks too.
  const GstClockTime base = gst_clock_get_time(clock.get()) / GST_MSECOND * GST_MSECOND;
  gst_element_set_start_time(pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time(pipeline, base);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // Video from t0, audio from t0 + 200 ms: both are pushed at once, so
  // arrival times alone would put their starts together.
  constexpr GstClockTime t0 = 100 * GST_MSECOND;
  constexpr int kFrames = 10, kFirstAudio = 10, kAudio = 20;
  std::vector<GstClockTime> video_in, audio_in;
  for (int j = 0; j < kFrames; ++j) video_in.push_back(t0 + j * 40 * GST_MSECOND);
  for (int i = kFirstAudio; i < kFirstAudio + kAudio; ++i)
    audio_in.push_back(t0 + i * 20 * GST_MSECOND);
  for (GstClockTime pts : video_in)
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(by_name("vsrc")), h264_au(pts)), GST_FLOW_OK);
  for (GstClockTime pts : audio_in)
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(by_name("asrc")), g722_20ms(pts)), GST_FLOW_OK);
  gst_app_src_end_of_stream(GST_APP_SRC(by_name("vsrc")));
  gst_app_src_end_of_stream(GST_APP_SRC(by_name("asrc")));
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 8 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE(msg, nullptr) << "no EOS";
  EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_EOS);
  gst_message_unref(msg);
  gst_object_unref(bus);

  const auto audio_out = pull_pts(by_name("asink"));
  const auto video_out = pull_pts(by_name("vsink"));
  ASSERT_EQ(audio_out.size(), audio_in.size());
  ASSERT_EQ(video_out.size(), video_in.size());
  // The jitter buffer maps RTP time to the clock through "now" in whole
  // ticks, so an output may be up to one tick late; 50 us more for the
  // calibration of its NTP clock against the pipeline's.
  constexpr GstClockTimeDiff kAudioTick = GST_SECOND / 8000, kSlack = 50 * GST_USECOND;
  for (std::size_t i = 0; i < audio_in.size(); ++i) {
    const GstClockTimeDiff d = GST_CLOCK_DIFF(audio_in[i], audio_out[i]);
    EXPECT_LE(std::llabs(d), kAudioTick + kSlack) << "audio " << i << " off by " << d << " ns";
  }
  for (std::size_t j = 0; j < video_in.size(); ++j) {
    const GstClockTimeDiff d = GST_CLOCK_DIFF(video_in[j], video_out[j]);
    EXPECT_LE(std::llabs(d), kAudioTick + kSlack) << "video " << j << " off by " << d << " ns";
  }
  // Same instants: video frame j (j >= 5) and audio buffer 2j - kFirstAudio.
  for (int j = kFirstAudio / 2; j < kFrames; ++j) {
    const GstClockTimeDiff d =
        GST_CLOCK_DIFF(video_out[static_cast<std::size_t>(j)],
                       audio_out[static_cast<std::size_t>(2 * j - kFirstAudio)]);
    EXPECT_LE(std::llabs(d), kAudioTick + kSlack) << "frame " << j << ": audio - video = " << d;
  }
  // The caps name the NTP server the depayloaders' pipeline clock uses: the
  // sender's clock is known, latency is measured without shared-clock. The
  // captures were pushed ahead of time, so only its size is checked: a wrong
  // epoch would be off by 70 years.
  for (const char *depay : {"adepay", "vdepay"}) {
    const auto latency = stats_latency(by_name(depay));
    ASSERT_TRUE(latency.has_value()) << depay;
    EXPECT_LT(std::llabs(*latency), static_cast<long long>(10 * GST_SECOND)) << depay;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}
