#include "bench_rig.hpp"

#include <gst/app/gstappsink.h>

#include <algorithm>
#include <cstdint>

namespace fc = framecheck;

namespace {

struct BenchPass {
  GstElement parent;
  GstPad *srcpad;
};
struct BenchPassClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(BenchPass, bench_pass, GST_TYPE_ELEMENT)

GstStaticPadTemplate pass_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate pass_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

GstFlowReturn pass_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  return gst_pad_push(reinterpret_cast<BenchPass *>(parent)->srcpad, buffer);
}

void bench_pass_class_init(BenchPassClass *klass) {
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gst_element_class_add_static_pad_template(element_class, &pass_sink);
  gst_element_class_add_static_pad_template(element_class, &pass_src);
  gst_element_class_set_static_metadata(element_class, "bench pass-through", "Generic",
                                        "Pushes its input out unchanged (bench-rtp baseline)",
                                        "srtrtp project");
}

void bench_pass_init(BenchPass *self) {
  GstPad *sink = gst_pad_new_from_static_template(&pass_sink, "sink");
  gst_pad_set_chain_function(sink, pass_chain);
  gst_element_add_pad(GST_ELEMENT(self), sink);
  self->srcpad = gst_pad_new_from_static_template(&pass_src, "src");
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

bench::Rig *rig_of(GstPad *pad) {
  return static_cast<bench::Rig *>(gst_pad_get_element_private(pad));
}

}  // namespace

namespace bench {

void register_passthrough() {
  gst_element_register(nullptr, "benchpassthrough", GST_RANK_NONE, bench_pass_get_type());
}

Rig::Rig(const std::vector<GstElement *> &stages, GstCaps *input_caps, const std::string &sink_caps,
         Output *keep)
    : keep_(keep) {
  for (GstElement *e : stages) elements_.push_back(GST_ELEMENT(gst_object_ref_sink(e)));
  if (elements_.empty()) throw fc::Error("no element to run");
  if (!sink_caps.empty()) sink_caps_.reset(gst_caps_from_string(sink_caps.c_str()));
  element_sink_ = gst_element_get_static_pad(elements_.front(), "sink");
  element_src_ = gst_element_get_static_pad(elements_.back(), "src");
  if (!element_sink_ || !element_src_) throw fc::Error("element without sink and src pads");
  for (size_t i = 0; i + 1 < elements_.size(); ++i) {
    fc::ObjectPtr<GstPad> src(gst_element_get_static_pad(elements_[i], "src"));
    fc::ObjectPtr<GstPad> sink(gst_element_get_static_pad(elements_[i + 1], "sink"));
    if (!src || !sink || gst_pad_link(src.get(), sink.get()) != GST_PAD_LINK_OK)
      throw fc::Error("cannot link the chain's elements");
  }

  sink_ = gst_pad_new("benchsink", GST_PAD_SINK);
  gst_pad_set_element_private(sink_, this);
  gst_pad_set_chain_function(sink_, chain);
  gst_pad_set_chain_list_function(sink_, chain_list);
  gst_pad_set_event_function(sink_, event);
  gst_pad_set_query_function(sink_, query);
  gst_pad_set_active(sink_, TRUE);
  if (gst_pad_link(element_src_, sink_) != GST_PAD_LINK_OK)
    throw fc::Error("cannot link the element's src pad");
  // Downstream first, so that no element pushes into one not yet playing.
  for (auto it = elements_.rbegin(); it != elements_.rend(); ++it) {
    if (gst_element_set_state(*it, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      throw fc::Error("cannot start the element");
  }

  // What an upstream element would send before the first buffer.
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  if (!gst_pad_send_event(element_sink_, gst_event_new_stream_start("bench")) ||
      !gst_pad_send_event(element_sink_, gst_event_new_caps(input_caps)) ||
      !gst_pad_send_event(element_sink_, gst_event_new_segment(&segment)))
    throw fc::Error("the element refused stream-start, caps or segment");
}

Rig::~Rig() {
  for (GstElement *e : elements_) gst_element_set_state(e, GST_STATE_NULL);
  gst_pad_unlink(element_src_, sink_);
  gst_object_unref(element_src_);
  gst_object_unref(element_sink_);
  gst_pad_set_active(sink_, FALSE);
  gst_object_unref(sink_);
  for (GstElement *e : elements_) gst_object_unref(e);
}

void Rig::push_eos() {
  gst_pad_send_event(element_sink_, gst_event_new_eos());
}

GstFlowReturn Rig::chain(GstPad *pad, GstObject *, GstBuffer *buffer) {
  Rig *rig = rig_of(pad);
  ++rig->received_;
  if (rig->keep_)
    rig->keep_->buffers.emplace_back(buffer);
  else
    gst_buffer_unref(buffer);
  return GST_FLOW_OK;
}

GstFlowReturn Rig::chain_list(GstPad *pad, GstObject *, GstBufferList *list) {
  Rig *rig = rig_of(pad);
  const guint n = gst_buffer_list_length(list);
  rig->received_ += n;
  if (rig->keep_) {
    for (guint i = 0; i < n; ++i)
      rig->keep_->buffers.emplace_back(gst_buffer_ref(gst_buffer_list_get(list, i)));
  }
  gst_buffer_list_unref(list);
  return GST_FLOW_OK;
}

gboolean Rig::event(GstPad *pad, GstObject *, GstEvent *event) {
  Rig *rig = rig_of(pad);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS && rig->keep_) {
    GstCaps *caps;
    gst_event_parse_caps(event, &caps);
    rig->keep_->caps.reset(gst_caps_ref(caps));
  }
  gst_event_unref(event);
  return TRUE;
}

gboolean Rig::query(GstPad *pad, GstObject *, GstQuery *query) {
  const GstCaps *accepted = rig_of(pad)->sink_caps_.get();
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_CAPS: {
      GstCaps *filter;
      gst_query_parse_caps(query, &filter);
      GstCaps *caps = accepted ? gst_caps_copy(accepted) : gst_caps_new_any();
      if (filter) {
        GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(caps);
        caps = both;
      }
      gst_query_set_caps_result(query, caps);
      gst_caps_unref(caps);
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS: {
      GstCaps *caps;
      gst_query_parse_accept_caps(query, &caps);
      gst_query_set_accept_caps_result(query, !accepted || gst_caps_can_intersect(caps, accepted));
      return TRUE;
    }
    default:
      return FALSE;
  }
}

// Runs `launch` (a pipeline ending in "appsink name=sink") to EOS and keeps
// every buffer it delivers, with the caps of the first. Throws fc::Error.
fc::EncodedStream capture(const std::string &launch) {
  GError *err = nullptr;
  fc::PipelinePtr p(gst_parse_launch(launch.c_str(), &err));
  if (!p || err) {
    const std::string m = err ? err->message : "cannot build pipeline";
    g_clear_error(&err);
    throw fc::Error(launch + ": " + m);
  }
  fc::ObjectPtr<GstElement> sink(gst_bin_get_by_name(GST_BIN(p.get()), "sink"));
  if (!sink) throw fc::Error(launch + ": no appsink named sink");
  if (gst_element_set_state(p.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    throw fc::Error(launch + ": cannot start");
  }
  fc::EncodedStream s;
  GstClockTime first = GST_CLOCK_TIME_NONE, end = 0;
  while (GstSample *raw =
             gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 300 * GST_SECOND)) {
    fc::SamplePtr sample(raw);
    if (!s.caps) s.caps.reset(gst_caps_ref(gst_sample_get_caps(raw)));
    GstBuffer *b = gst_sample_get_buffer(raw);
    if (!b) continue;
    if (GST_BUFFER_PTS_IS_VALID(b)) {
      if (!GST_CLOCK_TIME_IS_VALID(first)) first = GST_BUFFER_PTS(b);
      GstClockTime e = GST_BUFFER_PTS(b);
      if (GST_BUFFER_DURATION_IS_VALID(b)) e += GST_BUFFER_DURATION(b);
      end = std::max(end, e);
    }
    s.bytes += gst_buffer_get_size(b);
    ++s.frames;
    s.buffers.emplace_back(gst_buffer_ref(b));
  }
  fc::ObjectPtr<GstBus> bus(gst_element_get_bus(p.get()));
  fc::MessagePtr msg(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
  if (msg) {
    GError *e = nullptr;
    gst_message_parse_error(msg.get(), &e, nullptr);
    const std::string m = e ? e->message : "error";
    g_clear_error(&e);
    throw fc::Error(launch + ": " + m);
  }
  if (!gst_app_sink_is_eos(GST_APP_SINK(sink.get()))) throw fc::Error(launch + ": timed out");
  if (s.buffers.empty() || !s.caps) throw fc::Error(launch + ": no output");
  s.duration = GST_CLOCK_TIME_IS_VALID(first) && end > first ? end - first : 0;
  return s;
}

// G.729 for the payloaders, which do not decode: `buffers` buffers of
// `frames_per_buffer` 10-byte frames (10 ms each) of pseudo-random bits.
fc::EncodedStream synth_g729(int buffers, int frames_per_buffer) {
  fc::EncodedStream s;
  s.caps.reset(gst_caps_from_string("audio/G729,rate=(int)8000,channels=(int)1"));
  std::uint32_t x = 0x12345678u;
  const GstClockTime frame_ns = 10 * GST_MSECOND;
  const gsize size = static_cast<gsize>(frames_per_buffer) * 10;
  for (int i = 0; i < buffers; ++i) {
    GstBuffer *b = gst_buffer_new_allocate(nullptr, size, nullptr);
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_WRITE);
    for (gsize k = 0; k < size; ++k) {
      x = x * 1664525u + 1013904223u;
      map.data[k] = static_cast<guint8>(x >> 24);
    }
    gst_buffer_unmap(b, &map);
    GST_BUFFER_PTS(b) = static_cast<GstClockTime>(i) * frames_per_buffer * frame_ns;
    GST_BUFFER_DURATION(b) = static_cast<GstClockTime>(frames_per_buffer) * frame_ns;
    if (i == 0) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
    s.buffers.emplace_back(b);
    s.bytes += size;
    ++s.frames;
  }
  s.duration = static_cast<GstClockTime>(buffers) * frames_per_buffer * frame_ns;
  return s;
}

}  // namespace bench
