#include "bench_ulpfec.hpp"

#include <deque>

#include "bench_rig.hpp"

namespace {

constexpr std::size_t kHold = 64;

struct BenchJitter {
  GstElement parent;
  GstPad *srcpad;
  std::deque<GstBuffer *> *held;
  bool started;
  guint16 next;  // sequence number expected next on the output
};
struct BenchJitterClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(BenchJitter, bench_jitter, GST_TYPE_ELEMENT)

GstStaticPadTemplate jitter_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate jitter_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

guint16 seq_of(GstBuffer *b) {
  guint8 head[4] = {};
  gst_buffer_extract(b, 0, head, 4);
  return static_cast<guint16>(head[2] << 8 | head[3]);
}

GstFlowReturn jitter_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = reinterpret_cast<BenchJitter *>(parent);
  self->held->push_back(buffer);
  if (self->held->size() <= kHold) return GST_FLOW_OK;
  GstBuffer *out = self->held->front();
  self->held->pop_front();
  const guint16 seq = seq_of(out);
  if (self->started) {
    for (guint16 s = self->next; s != seq; ++s) {
      GstStructure *st = gst_structure_new(
          "GstRTPPacketLost", "seqnum", G_TYPE_UINT, guint{s}, "timestamp", G_TYPE_UINT64,
          guint64{0}, "duration", G_TYPE_UINT64, guint64{0}, "retry", G_TYPE_UINT, 0u, nullptr);
      gst_pad_push_event(self->srcpad, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, st));
    }
  }
  self->started = true;
  self->next = static_cast<guint16>(seq + 1);
  return gst_pad_push(self->srcpad, out);
}

void jitter_finalize(GObject *object) {
  auto *self = reinterpret_cast<BenchJitter *>(object);
  for (GstBuffer *b : *self->held) gst_buffer_unref(b);
  delete self->held;
  G_OBJECT_CLASS(bench_jitter_parent_class)->finalize(object);
}

void bench_jitter_class_init(BenchJitterClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = jitter_finalize;
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gst_element_class_add_static_pad_template(element_class, &jitter_sink);
  gst_element_class_add_static_pad_template(element_class, &jitter_src);
  gst_element_class_set_static_metadata(element_class, "bench jitter", "Generic",
                                        "Holds 64 packets and reports gaps as lost",
                                        "srtrtp project");
}

void bench_jitter_init(BenchJitter *self) {
  self->held = new std::deque<GstBuffer *>();
  self->started = false;
  self->next = 0;
  GstPad *sink = gst_pad_new_from_static_template(&jitter_sink, "sink");
  GST_PAD_SET_PROXY_CAPS(sink);  // the decoders read the ssrc from the caps
  gst_pad_set_chain_function(sink, jitter_chain);
  gst_element_add_pad(GST_ELEMENT(self), sink);
  self->srcpad = gst_pad_new_from_static_template(&jitter_src, "src");
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

}  // namespace

namespace bench {

void register_jitter() {
  gst_element_register(nullptr, "benchjitter", GST_RANK_NONE, bench_jitter_get_type());
}

std::vector<std::vector<guint8>> with_markers(std::vector<std::vector<guint8>> media,
                                              std::size_t frame) {
  for (std::size_t i = 0; i < media.size(); ++i)
    if (i % frame == frame - 1) media[i][1] |= 0x80;
  return media;
}

std::vector<std::vector<guint8>> ulpfec_stream(const std::vector<std::vector<guint8>> &media,
                                               const char *encoder, const char *caps_str,
                                               std::size_t nth) {
  GError *error = nullptr;
  GstElement *e = gst_parse_launch(encoder, &error);
  GstCaps *caps = gst_caps_from_string(caps_str);
  Output out;
  {
    Rig rig(e, caps, "", &out);
    for (const auto &p : media) rig.push(gst_buffer_new_memdup(p.data(), p.size()));
  }
  gst_caps_unref(caps);
  std::vector<std::vector<guint8>> stream;
  for (std::size_t i = 0; i < out.buffers.size(); ++i) {
    if (i % nth == nth - 1) continue;
    GstMapInfo map;
    gst_buffer_map(out.buffers[i].get(), &map, GST_MAP_READ);
    stream.emplace_back(map.data, map.data + map.size);
    gst_buffer_unmap(out.buffers[i].get(), &map);
  }
  return stream;
}

}  // namespace bench
