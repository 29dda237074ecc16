// Shared by rtp_media_clock_test.cpp (NTP) and rtp_ptp_clock_test.cpp (PTP).
#include "media_clock_fixtures.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace fixtures {

std::uint32_t expected_rtp(GstClockTime t, std::uint64_t rate) {
  const std::uint64_t ticks = (t / GST_SECOND) * rate + (t % GST_SECOND) * rate / GST_SECOND;
  return static_cast<std::uint32_t>(ticks);
}

GstClockTime unwrapped_ns(std::uint32_t ts, std::uint64_t rate, GstClockTime near) {
  const std::uint64_t ticks_near =
      (near / GST_SECOND) * rate + (near % GST_SECOND) * rate / GST_SECOND;
  std::uint64_t ticks = (ticks_near & ~0xffffffffULL) | ts;
  if (ticks + 0x80000000ULL < ticks_near) ticks += 0x100000000ULL;
  if (ticks > ticks_near + 0x80000000ULL) ticks -= 0x100000000ULL;
  return gst_util_uint64_scale(ticks, GST_SECOND, rate);
}

HarnessPtr make_clocked_pay(const char *factory, const char *caps, GstClock *clock,
                            GstClockTime base_time, const char *props) {
  HarnessPtr h(gst_harness_new(factory));
  set_props(h->element, props);
  g_object_set(h->element, "rtptime-from-clock", TRUE, nullptr);
  gst_element_set_clock(h->element, clock);
  gst_element_set_base_time(h->element, base_time);
  gst_harness_set_src_caps_str(h.get(), caps);
  return h;
}

GstBuffer *g722_20ms(GstClockTime pts) {
  GstBuffer *b = gst_buffer_new_allocate(nullptr, 160, nullptr);
  gst_buffer_memset(b, 0, 0x55, 160);
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = 20 * GST_MSECOND;
  return b;
}

GstBuffer *h264_au(GstClockTime pts, std::size_t slice) {
  return buffer(annexb({sps(), pps(), idr_slice(slice)}), pts);
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

struct PipelineUnref {
  void operator()(GstElement *p) const {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
};

}  // namespace

void run_rfc7273_sync(GstClock *clock, bool rtptime_from_clock, Rfc7273Run *out) {
  const std::string on = rtptime_from_clock ? "true" : "false";
  const std::string jb = " ! rtpjitterbuffer rfc7273-sync=true latency=200 name=";
  const std::string desc =
      std::string("appsrc name=asrc is-live=true format=time caps=") + kG722Caps +
      " ! rtpg722pay2 name=apay rtptime-from-clock=" + on + jb +
      "ajb ! rtpg722depay2 name=adepay ! appsink name=asink sync=false wait-on-eos=false "
      "appsrc name=vsrc is-live=true format=time caps=" +
      kH264Caps + " ! rtph264pay2 name=vpay rtptime-from-clock=" + on + jb +
      "vjb ! rtph264depay2 name=vdepay ! appsink name=vsink sync=false wait-on-eos=false";
  GError *error = nullptr;
  std::unique_ptr<GstElement, PipelineUnref> pipeline(gst_parse_launch(desc.c_str(), &error));
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
  auto by_name = [&](const char *name) {
    GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline.get()), name);
    gst_object_unref(e);  // the pipeline keeps it
    return e;
  };
  for (const char *pay : {"apay", "vpay"}) {
    GstRTPHeaderExtension *ext = ntp64_extension(1, true);
    ASSERT_NE(ext, nullptr) << "rtphdrextntp64 (gst-plugins-good) is not installed";
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
  gst_pipeline_use_clock(GST_PIPELINE(pipeline.get()), clock);
  // A base time of our choosing, on a 1 ms grid of the clock (a whole
  // number of ticks at 8 kHz and at 90 kHz), so that capture instants are
  // whole ticks too.
  const GstClockTime base = gst_clock_get_time(clock) / GST_MSECOND * GST_MSECOND;
  gst_element_set_start_time(pipeline.get(), GST_CLOCK_TIME_NONE);
  gst_element_set_base_time(pipeline.get(), base);
  ASSERT_NE(gst_element_set_state(pipeline.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // Video from t0, audio from t0 + 200 ms: both are pushed at once, so
  // arrival times alone would put their starts together.
  constexpr GstClockTime t0 = 100 * GST_MSECOND;
  constexpr int kFrames = 10, kFirstAudio = 10, kAudio = 20;
  for (int j = 0; j < kFrames; ++j) out->video_in.push_back(t0 + j * 40 * GST_MSECOND);
  for (int i = kFirstAudio; i < kFirstAudio + kAudio; ++i)
    out->audio_in.push_back(t0 + i * 20 * GST_MSECOND);
  for (GstClockTime pts : out->video_in)
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(by_name("vsrc")), h264_au(pts)), GST_FLOW_OK);
  for (GstClockTime pts : out->audio_in)
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(by_name("asrc")), g722_20ms(pts)), GST_FLOW_OK);
  gst_app_src_end_of_stream(GST_APP_SRC(by_name("vsrc")));
  gst_app_src_end_of_stream(GST_APP_SRC(by_name("asrc")));
  GstBus *bus = gst_element_get_bus(pipeline.get());
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 8 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  gst_object_unref(bus);
  ASSERT_NE(msg, nullptr) << "no EOS";
  const bool eos = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
  gst_message_unref(msg);
  ASSERT_TRUE(eos) << "pipeline error";

  out->audio_out = pull_pts(by_name("asink"));
  out->video_out = pull_pts(by_name("vsink"));
  out->audio_latency = stats_latency(by_name("adepay"));
  out->video_latency = stats_latency(by_name("vdepay"));
}

GstClockTimeDiff worst_misalignment(const Rfc7273Run &run) {
  if (run.audio_out.size() != run.audio_in.size() || run.video_out.size() != run.video_in.size())
    return G_MAXINT64;
  GstClockTimeDiff worst = 0;
  auto take = [&](GstClockTime a, GstClockTime b) {
    if (!GST_CLOCK_TIME_IS_VALID(a) || !GST_CLOCK_TIME_IS_VALID(b)) {
      worst = G_MAXINT64;
      return;
    }
    worst = std::max<GstClockTimeDiff>(worst, std::llabs(GST_CLOCK_DIFF(a, b)));
  };
  for (std::size_t i = 0; i < run.audio_in.size(); ++i) take(run.audio_in[i], run.audio_out[i]);
  for (std::size_t j = 0; j < run.video_in.size(); ++j) take(run.video_in[j], run.video_out[j]);
  // Same instants: every video frame whose time an audio buffer starts at.
  for (std::size_t j = 0; j < run.video_in.size(); ++j) {
    const auto it = std::find(run.audio_in.begin(), run.audio_in.end(), run.video_in[j]);
    if (it != run.audio_in.end())
      take(run.video_out[j], run.audio_out[static_cast<std::size_t>(it - run.audio_in.begin())]);
  }
  return worst;
}

std::string describe(const Rfc7273Run &run) {
  std::string s = "PTS out - in (us): audio";
  auto add = [&](const std::vector<GstClockTime> &in, const std::vector<GstClockTime> &out) {
    for (std::size_t i = 0; i < in.size() && i < out.size(); ++i)
      s += " " + std::to_string(GST_CLOCK_DIFF(in[i], out[i]) / 1000);
    s += " (" + std::to_string(out.size()) + " of " + std::to_string(in.size()) + ")";
  };
  add(run.audio_in, run.audio_out);
  s += "; video";
  add(run.video_in, run.video_out);
  return s;
}

}  // namespace fixtures
