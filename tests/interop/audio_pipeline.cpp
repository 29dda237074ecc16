#include "audio_pipeline.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <memory>
#include <mutex>

namespace audiointerop {

namespace {

struct ObjectUnref {
  void operator()(gpointer p) const {
    if (p) gst_object_unref(p);
  }
};
template <typename T>
using ObjectPtr = std::unique_ptr<T, ObjectUnref>;

struct PipelineRelease {
  void operator()(GstElement *p) const {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
};
using PipelinePtr = std::unique_ptr<GstElement, PipelineRelease>;

struct MessageUnref {
  void operator()(GstMessage *m) const { gst_message_unref(m); }
};
using MessagePtr = std::unique_ptr<GstMessage, MessageUnref>;

// Filled from streaming threads.
struct Collected {
  std::mutex lock;
  std::vector<Chunk> out;
  std::vector<RtpPacket> rtp;
};

Bytes bytes_of(GstBuffer *b) {
  Bytes v(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, v.data(), v.size());
  return v;
}

GstFlowReturn on_sample(GstAppSink *sink, gpointer user) {
  auto *c = static_cast<Collected *>(user);
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s) return GST_FLOW_EOS;
  GstBuffer *b = gst_sample_get_buffer(s);
  Chunk chunk{bytes_of(b), GST_BUFFER_PTS(b), GST_BUFFER_DURATION(b), GST_BUFFER_IS_DISCONT(b)};
  gst_sample_unref(s);
  std::lock_guard g(c->lock);
  c->out.push_back(std::move(chunk));
  return GST_FLOW_OK;
}

void record_rtp(Collected *c, GstBuffer *b) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  RtpPacket p;
  if (gst_rtp_buffer_map(b, GST_MAP_READ, &rtp)) {
    p.marker = gst_rtp_buffer_get_marker(&rtp);
    p.pt = gst_rtp_buffer_get_payload_type(&rtp);
    p.seq = gst_rtp_buffer_get_seq(&rtp);
    p.ts = gst_rtp_buffer_get_timestamp(&rtp);
    const auto *data = static_cast<const std::uint8_t *>(gst_rtp_buffer_get_payload(&rtp));
    p.payload.assign(data, data + gst_rtp_buffer_get_payload_len(&rtp));
    gst_rtp_buffer_unmap(&rtp);
  } else {
    p.pt = 0xff;  // not RTP: the checks flag it
  }
  p.pts = GST_BUFFER_PTS(b);
  std::lock_guard g(c->lock);
  c->rtp.push_back(std::move(p));
}

GstPadProbeReturn on_rtp(GstPad *, GstPadProbeInfo *info, gpointer user) {
  auto *c = static_cast<Collected *>(user);
  if (GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info); b && (info->type & GST_PAD_PROBE_TYPE_BUFFER))
    record_rtp(c, b);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i)
      record_rtp(c, gst_buffer_list_get(list, i));
  }
  return GST_PAD_PROBE_OK;
}

// Before the pipeline starts, so that the segment is in time format.
std::string configure_src(GstElement *src, const Stream &input) {
  GstCaps *caps = gst_caps_from_string(input.caps.c_str());
  if (!caps) return "bad input caps " + input.caps;
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "max-bytes", guint64{0}, nullptr);
  gst_caps_unref(caps);
  return {};
}

std::string feed(GstElement *src, const Stream &input) {
  for (const Chunk &c : input.chunks) {
    GstBuffer *b = gst_buffer_new_memdup(c.data.data(), c.data.size());
    GST_BUFFER_PTS(b) = c.pts;
    GST_BUFFER_DURATION(b) = c.duration;
    if (c.discont) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
    if (gst_app_src_push_buffer(GST_APP_SRC(src), b) != GST_FLOW_OK) return "appsrc refused data";
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  return {};
}

std::string bus_error(GstMessage *m) {
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(m, &err, &debug);
  std::string s = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(m))) + ": " + err->message +
                  (debug ? std::string(" (") + debug + ")" : "");
  g_error_free(err);
  g_free(debug);
  return s;
}

}  // namespace

RunResult run(const std::string &launch, const Stream *input, std::chrono::seconds timeout) {
  RunResult r;
  GError *err = nullptr;
  GstElement *raw = gst_parse_launch(launch.c_str(), &err);
  if (err) {
    r.error = "cannot build \"" + launch + "\": " + err->message;
    g_error_free(err);
    if (raw) gst_object_unref(raw);
    return r;
  }
  // Declared first, destroyed last: the pipeline stops before it goes.
  Collected collected;
  PipelinePtr pipeline(raw);

  ObjectPtr<GstElement> sink(gst_bin_get_by_name(GST_BIN(raw), "sink"));
  if (!sink) {
    r.error = "pipeline has no appsink named sink";
    return r;
  }
  g_object_set(sink.get(), "sync", FALSE, nullptr);
  GstAppSinkCallbacks cb{};
  cb.new_sample = on_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &cb, &collected, nullptr);

  // On the payloader's src pad: a depayloader's sink pad without a chain_list
  // function would see each packet of a list twice (list, then buffer).
  ObjectPtr<GstPad> pay_src;
  if (ObjectPtr<GstElement> pay(gst_bin_get_by_name(GST_BIN(raw), "pay")); pay) {
    pay_src.reset(gst_element_get_static_pad(pay.get(), "src"));
    gst_pad_add_probe(
        pay_src.get(),
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        on_rtp, &collected, nullptr);
  }
  ObjectPtr<GstElement> src;
  if (input) {
    src.reset(gst_bin_get_by_name(GST_BIN(raw), "src"));
    if (!src) {
      r.error = "pipeline has no appsrc named src";
      return r;
    }
    r.error = configure_src(src.get(), *input);
    if (!r.ok()) return r;
  }
  if (gst_element_set_state(raw, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    r.error = "pipeline did not start: " + launch;
    return r;
  }
  if (input) {
    // appsrc queues without limit (max-bytes 0), so everything goes in at once.
    r.error = feed(src.get(), *input);
    if (!r.ok()) return r;
  }
  ObjectPtr<GstBus> bus(gst_element_get_bus(raw));
  MessagePtr msg(gst_bus_timed_pop_filtered(
      bus.get(), static_cast<GstClockTime>(std::chrono::nanoseconds(timeout).count()),
      static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  if (!msg)
    r.error = "no EOS within " + std::to_string(timeout.count()) + " s: " + launch;
  else if (GST_MESSAGE_TYPE(msg.get()) == GST_MESSAGE_ERROR)
    r.error = bus_error(msg.get());
  if (pay_src) {
    if (GstCaps *caps = gst_pad_get_current_caps(pay_src.get())) {
      gchar *s = gst_caps_to_string(caps);
      r.rtp_caps = s;
      g_free(s);
      gst_caps_unref(caps);
    }
  }
  pipeline.reset();  // to NULL: no streaming thread touches `collected` after this
  r.out = std::move(collected.out);
  r.rtp = std::move(collected.rtp);
  return r;
}

bool element_available(const std::string &factory) {
  GstElementFactory *f = gst_element_factory_find(factory.c_str());
  if (!f) return false;
  gst_object_unref(f);
  return true;
}

std::vector<std::string> missing_elements(const std::vector<std::string> &factories) {
  std::vector<std::string> missing;
  for (const auto &f : factories)
    if (!element_available(f)) missing.push_back(f);
  return missing;
}

Bytes concat(const std::vector<Chunk> &chunks) {
  Bytes all;
  for (const Chunk &c : chunks) all.insert(all.end(), c.data.begin(), c.data.end());
  return all;
}

std::string compare(const Bytes &want, const Bytes &got, std::size_t bytes_per_sample) {
  if (want == got) return "identical (" + std::to_string(want.size()) + " bytes)";
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  return "differ: reference " + std::to_string(want.size()) + " bytes, got " +
         std::to_string(got.size()) + " bytes, first difference at sample " +
         std::to_string(i / bytes_per_sample);
}

}  // namespace audiointerop
