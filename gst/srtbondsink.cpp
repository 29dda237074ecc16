// srtbondsink: each buffer is one SRT message when it fits the payload size,
// else it is cut into payload-size messages (as srtsink). A buffer list goes
// to the endpoint in one send call: each buffer is mapped once and copied
// once, into the SRT send buffer. A listener serves every caller.
#include "srtbondsink.hpp"

#include <gst/base/gstbasesink.h>

#include <memory>
#include <vector>

#include "element_author.hpp"
#include "elements.hpp"
#include "srt_element_common.hpp"
#include "srt_element_glue.hpp"

GST_DEBUG_CATEGORY_STATIC(srtbondsink_debug);
#define GST_CAT_DEFAULT srtbondsink_debug

using srtrtp::SrtElement;

namespace {

struct MappedBuffer {
  GstBuffer *buffer;
  GstMapInfo map;
};

struct SinkState {
  GstBufferList *headers = nullptr;  // caps streamheader: every peer gets them first
  // The endpoint the headers were handed to (a reconnect makes a new one).
  const srtcore::io::Endpoint *headers_endpoint = nullptr;
  std::vector<MappedBuffer> mapped;
  std::vector<srtcore::srt::ByteSpan> messages;

  ~SinkState() { clear_headers(); }
  void clear_headers() {
    if (headers) gst_buffer_list_unref(headers);
    headers = nullptr;
    headers_endpoint = nullptr;
  }
};

}  // namespace

struct GstSrtBondSink {
  GstBaseSink parent;
  SrtElement *srt;
  SinkState *state;
};
struct GstSrtBondSinkClass {
  GstBaseSinkClass parent_class;
};

static guint sink_signals[srtrtp::kSigLast];

G_DEFINE_TYPE_WITH_CODE(GstSrtBondSink, gst_srt_bond_sink, GST_TYPE_BASE_SINK,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER,
                                              srtrtp::srt_uri_handler_init<GST_URI_SINK>))
GST_ELEMENT_REGISTER_DEFINE(srtbondsink, "srtbondsink", GST_RANK_SECONDARY, GST_TYPE_SRT_BOND_SINK)

#define SELF(obj) (reinterpret_cast<GstSrtBondSink *>(obj))

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

// Header buffers already sent as caps streamheader are not sent twice.
static bool is_known_header(SinkState &s, GstBuffer *buffer) {
  if (!s.headers || !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER)) return false;
  const gsize size = gst_buffer_get_size(buffer);
  for (guint i = 0; i < gst_buffer_list_length(s.headers); ++i) {
    GstBuffer *h = gst_buffer_list_get(s.headers, i);
    if (h == buffer) return true;
    if (gst_buffer_get_size(h) != size) continue;
    GstMapInfo map;
    if (!gst_buffer_map(h, &map, GST_MAP_READ)) continue;
    const bool same = gst_buffer_memcmp(buffer, 0, map.data, map.size) == 0;
    gst_buffer_unmap(h, &map);
    if (same) return true;
  }
  return false;
}

// Maps `buffer` and appends its messages (payload-size pieces).
static bool add_buffer(GstSrtBondSink *self, GstBuffer *buffer) {
  SinkState &s = *self->state;
  MappedBuffer m{buffer, {}};
  if (!gst_buffer_map(buffer, &m.map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Could not map the input buffer."), (nullptr));
    return false;
  }
  s.mapped.push_back(m);
  const std::size_t chunk = self->srt->payload_size();
  const std::size_t size = m.map.size;
  for (std::size_t off = 0; off < size; off += chunk)
    s.messages.emplace_back(m.map.data + off, std::min(chunk, size - off));
  return true;
}

static void release_buffers(SinkState &s) {
  for (MappedBuffer &m : s.mapped) gst_buffer_unmap(m.buffer, &m.map);
  s.mapped.clear();
  s.messages.clear();
}

static std::size_t total_bytes(std::span<const srtcore::srt::ByteSpan> messages) {
  std::size_t n = 0;
  for (const auto &m : messages) n += m.size();
  return n;
}

// Sends `messages` to every connected peer, waiting for one (or reconnecting)
// as wait-for-connection and auto-reconnect say.
static GstFlowReturn send_messages(GstSrtBondSink *self,
                                   std::span<const srtcore::srt::ByteSpan> messages) {
  SrtElement &srt = *self->srt;
  SinkState &s = *self->state;
  for (;;) {
    if (srt.flushing()) return GST_FLOW_FLUSHING;
    srtcore::io::Endpoint *ep = srt.endpoint();
    if (!ep) return GST_FLOW_ERROR;
    if (s.headers && s.headers_endpoint != ep) {
      // The endpoint sends them to each peer before anything else: to those
      // connected now, and to each caller that connects later (srtsink does
      // the same for every new client).
      std::vector<GstMapInfo> maps(gst_buffer_list_length(s.headers));
      std::vector<srtcore::srt::ByteSpan> hdr;
      const std::size_t chunk = srt.payload_size();
      for (guint i = 0; i < maps.size(); ++i) {
        GstBuffer *h = gst_buffer_list_get(s.headers, i);
        if (!gst_buffer_map(h, &maps[i], GST_MAP_READ)) continue;
        for (std::size_t off = 0; off < maps[i].size; off += chunk)
          hdr.emplace_back(maps[i].data + off, std::min(chunk, maps[i].size - off));
      }
      ep->set_stream_headers(hdr);
      for (guint i = 0; i < maps.size(); ++i) {
        if (maps[i].memory) gst_buffer_unmap(gst_buffer_list_get(s.headers, i), &maps[i]);
      }
      s.headers_endpoint = ep;
      GST_DEBUG_OBJECT(self, "%zu stream header messages for every peer", hdr.size());
    }
    const std::size_t peers = ep->send(messages);
    if (peers > 0) {
      srt.count_bytes(total_bytes(messages) * peers);
      return GST_FLOW_OK;
    }
    if (ep->error()) {
      if (!srt.handle_failure(false)) return GST_FLOW_ERROR;
      s.headers_endpoint = nullptr;  // a new endpoint: hand them over again
      continue;
    }
    if (!srt.wait_for_connection()) {
      GST_LOG_OBJECT(self, "not connected; dropping %zu messages", messages.size());
      return GST_FLOW_OK;
    }
    switch (srt.wait_connected()) {
      case SrtElement::Wait::kConnected:
        break;
      case SrtElement::Wait::kFlushing:
        return GST_FLOW_FLUSHING;
      case SrtElement::Wait::kError:
      case SrtElement::Wait::kPeerGone:
        if (!srt.handle_failure(false)) return GST_FLOW_ERROR;
        s.headers_endpoint = nullptr;  // a new endpoint: hand them over again
        break;
    }
  }
}

static GstFlowReturn sink_render(GstBaseSink *base, GstBuffer *buffer) {
  auto *self = SELF(base);
  srtrtp::metrics::ChainScope timing(self->srt->buffer_timer());
  SinkState &s = *self->state;
  if (is_known_header(s, buffer)) return GST_FLOW_OK;
  if (!add_buffer(self, buffer)) return GST_FLOW_ERROR;
  const GstFlowReturn ret = send_messages(self, s.messages);
  release_buffers(s);
  return ret;
}

static GstFlowReturn sink_render_list(GstBaseSink *base, GstBufferList *list) {
  auto *self = SELF(base);
  srtrtp::metrics::ChainScope timing(self->srt->buffer_timer());
  SinkState &s = *self->state;
  const guint n = gst_buffer_list_length(list);
  s.mapped.reserve(n);
  for (guint i = 0; i < n; ++i) {
    GstBuffer *b = gst_buffer_list_get(list, i);
    if (is_known_header(s, b)) continue;
    if (!add_buffer(self, b)) {
      release_buffers(s);
      return GST_FLOW_ERROR;
    }
  }
  GstFlowReturn ret = GST_FLOW_OK;
  if (!s.messages.empty()) ret = send_messages(self, s.messages);
  release_buffers(s);
  return ret;
}

static gboolean sink_set_caps(GstBaseSink *base, GstCaps *caps) {
  auto *self = SELF(base);
  SinkState &s = *self->state;
  s.clear_headers();
  const GValue *sh = gst_structure_get_value(gst_caps_get_structure(caps, 0), "streamheader");
  if (!sh) return TRUE;
  if (GST_VALUE_HOLDS_BUFFER(sh)) {
    s.headers = gst_buffer_list_new_sized(1);
    gst_buffer_list_add(s.headers, static_cast<GstBuffer *>(g_value_dup_boxed(sh)));
    return TRUE;
  }
  if (!GST_VALUE_HOLDS_ARRAY(sh)) {
    GST_ERROR_OBJECT(self, "'streamheader' has unexpected type %s", G_VALUE_TYPE_NAME(sh));
    return FALSE;
  }
  const guint n = gst_value_array_get_size(sh);
  s.headers = gst_buffer_list_new_sized(n);
  for (guint i = 0; i < n; ++i) {
    const GValue *v = gst_value_array_get_value(sh, i);
    if (!GST_VALUE_HOLDS_BUFFER(v)) {
      GST_ERROR_OBJECT(self, "'streamheader' item of type %s", G_VALUE_TYPE_NAME(v));
      s.clear_headers();
      return FALSE;
    }
    gst_buffer_list_add(s.headers, static_cast<GstBuffer *>(g_value_dup_boxed(v)));
  }
  return TRUE;
}

static gboolean sink_start(GstBaseSink *base) {
  return SELF(base)->srt->open();
}

static gboolean sink_stop(GstBaseSink *base) {
  auto *self = SELF(base);
  self->srt->close();
  self->state->clear_headers();
  return TRUE;
}

static void sink_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  if (!SELF(object)->srt->set_property(id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void sink_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  if (!SELF(object)->srt->get_property(id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void sink_finalize(GObject *object) {
  auto *self = SELF(object);
  delete self->srt;
  delete self->state;
  G_OBJECT_CLASS(gst_srt_bond_sink_parent_class)->finalize(object);
}

static void gst_srt_bond_sink_class_init(GstSrtBondSinkClass *klass) {
  GST_DEBUG_CATEGORY_INIT(srtbondsink_debug, "srtbondsink", 0, "SRT sink (srt-core)");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *base_class = GST_BASE_SINK_CLASS(klass);
  gobject_class->set_property = sink_set_property;
  gobject_class->get_property = sink_get_property;
  gobject_class->finalize = sink_finalize;
  srtrtp::install_srt_properties(gobject_class);
  srtrtp::install_srt_signals(G_TYPE_FROM_CLASS(klass), sink_signals);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "SRT sink (srt-core)", "Sink/Network",
      "Send data over the network via SRT (drop-in for srtsink, bonding-ready engine)",
      srtrtp::kElementAuthor);
  base_class->start = GST_DEBUG_FUNCPTR(sink_start);
  base_class->stop = GST_DEBUG_FUNCPTR(sink_stop);
  base_class->render = GST_DEBUG_FUNCPTR(sink_render);
  base_class->render_list = GST_DEBUG_FUNCPTR(sink_render_list);
  base_class->unlock = srtrtp::srt_unlock<GstBaseSink>;
  base_class->unlock_stop = srtrtp::srt_unlock_stop<GstBaseSink>;
  base_class->set_caps = GST_DEBUG_FUNCPTR(sink_set_caps);
}

static void gst_srt_bond_sink_init(GstSrtBondSink *self) {
  self->srt = new SrtElement(GST_ELEMENT(self), true, sink_signals);
  self->state = new SinkState();
}
