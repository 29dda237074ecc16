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
#include "media_clock_fixtures.hpp"

using namespace fixtures;

namespace {

// An absolute clock time like a REALTIME clock's in 2025, off any tick grid.
constexpr GstClockTime kBaseTime = 1764000000ULL * GST_SECOND + 123456789;
constexpr std::uint64_t kNtpToUnixSeconds = 2208988800ULL;

// NTP 32.32 fixed point of a time from the NTP epoch, exactly.
std::uint64_t expected_ntp64(GstClockTime ntp_ns) {
  return ((ntp_ns / GST_SECOND) << 32) | (((ntp_ns % GST_SECOND) << 32) / GST_SECOND);
}

// A new segment whose running time is PTS + `base`.
void push_segment_with_base(GstHarness *h, GstClockTime base) {
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  seg.base = base;
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&seg)));
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

TEST(RtpTimeFromClock, JitterBufferRfc7273SyncLinesUpAudioAndVideo) {
  if (!gst_registry_check_feature_version(gst_registry_get(), "rtpjitterbuffer", 1, 22, 0))
    GTEST_SKIP() << "rtpjitterbuffer (gst-plugins-good) is not installed";
  LoopbackNtpServer server;
  ASSERT_TRUE(server.ok());
  ClockPtr clock(gst_ntp_clock_new("sender-and-receiver", "127.0.0.1", server.port(), 0));
  ASSERT_TRUE(gst_clock_wait_for_sync(clock.get(), 20 * GST_SECOND)) << "no NTP sync on loopback";

  Rfc7273Run run;
  run_rfc7273_sync(clock.get(), true, &run);
  if (HasFatalFailure()) return;
  ASSERT_EQ(run.audio_out.size(), run.audio_in.size());
  ASSERT_EQ(run.video_out.size(), run.video_in.size());
  // The jitter buffer maps RTP time to the clock through "now" in whole
  // ticks, so an output may be up to one tick late; 50 us more for the
  // calibration of its NTP clock against the pipeline's.
  constexpr GstClockTimeDiff kAudioTick = GST_SECOND / 8000, kSlack = 50 * GST_USECOND;
  EXPECT_LE(worst_misalignment(run), kAudioTick + kSlack) << describe(run);
  // The caps name the NTP server the depayloaders' pipeline clock uses: the
  // sender's clock is known, latency is measured without shared-clock. The
  // captures were pushed ahead of time, so only its size is checked: a wrong
  // epoch would be off by 70 years.
  for (const auto &latency : {run.audio_latency, run.video_latency}) {
    ASSERT_TRUE(latency.has_value());
    EXPECT_LT(std::llabs(*latency), static_cast<long long>(10 * GST_SECOND));
  }
}

// The same pipeline without rtptime-from-clock: random RTP offsets and no
// a-ts-refclk, so the jitter buffers time packets by arrival and the check
// above fails (audio starts 200 ms after video but arrives with it).
TEST(RtpTimeFromClock, JitterBufferCannotLineUpWithoutClockRtpTime) {
  if (!gst_registry_check_feature_version(gst_registry_get(), "rtpjitterbuffer", 1, 22, 0))
    GTEST_SKIP() << "rtpjitterbuffer (gst-plugins-good) is not installed";
  LoopbackNtpServer server;
  ASSERT_TRUE(server.ok());
  ClockPtr clock(gst_ntp_clock_new("sender-and-receiver", "127.0.0.1", server.port(), 0));
  ASSERT_TRUE(gst_clock_wait_for_sync(clock.get(), 20 * GST_SECOND)) << "no NTP sync on loopback";
  Rfc7273Run run;
  run_rfc7273_sync(clock.get(), false, &run);
  if (HasFatalFailure()) return;
  EXPECT_GT(worst_misalignment(run), 10 * GST_MSECOND) << describe(run);
  EXPECT_FALSE(run.audio_latency.has_value());  // no a-ts-refclk: no clock known to be shared
}
