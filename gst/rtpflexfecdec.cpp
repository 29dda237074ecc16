// rtpflexfecdec: rebuilds lost RTP packets from FlexFEC (RFC 8627) repair
// packets, over srt-core's FlexFecDecoder. Media on 'sink' goes out on 'src'
// at once; repair packets come on request pads fec_%u (a separate repair
// stream) or, with pt set, on 'sink' itself (packets of that payload type
// are taken as repair packets and not passed on). Rebuilt packets follow on
// 'src' as soon as they can be rebuilt, often out of order (a jitterbuffer
// sorts them). Counters in the read-only 'stats' structure.
#include <gst/gst.h>

#include <mutex>
#include <optional>

#include "buffer_bytes.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "fec_element_pads.hpp"
#include "fec/flexfec_decoder.hpp"

namespace fec = srtcore::fec;

GST_DEBUG_CATEGORY_STATIC(flexfecdec_debug);
#define GST_CAT_DEFAULT flexfecdec_debug

namespace {

constexpr guint64 kDefaultRepairWindow = GST_SECOND;
constexpr guint kDefaultWindow = 1024;

struct DecState {
  std::mutex engine_lock;  // media and repair packets arrive on different threads
  std::optional<fec::FlexFecDecoder> engine;
  fec::FlexFecDecoderStats last_stats;  // kept when the engine goes
  GstClockTime now = 0;
  std::mutex push_lock;  // serialises what leaves 'src'
};

}  // namespace

struct GstSrtRtpFlexFecDec {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  // Under the object lock.
  gint pt;
  guint64 repair_window;
  guint window;
  DecState *state;
};
struct GstSrtRtpFlexFecDecClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpFlexFecDec, gst_srt_rtp_flexfec_dec, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpflexfecdec, "rtpflexfecdec", GST_RANK_NONE,
                            gst_srt_rtp_flexfec_dec_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpFlexFecDec *>(obj))

enum { PROP_0, PROP_PT, PROP_REPAIR_WINDOW, PROP_WINDOW, PROP_STATS };

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate fec_template = GST_STATIC_PAD_TEMPLATE(
    "fec_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtp"));

static GstBufferList *take_recovered(fec::FlexFecDecoder &engine, GstClockTime now) {
  GstBufferList *list = nullptr;
  while (auto r = engine.poll_recovered()) {
    if (!list) list = gst_buffer_list_new();
    GstBuffer *b = gst_buffer_new_allocate(nullptr, r->size(), nullptr);
    gst_buffer_fill(b, 0, r->data(), r->size());
    GST_BUFFER_DTS(b) = now;  // arrival time of what made it
    gst_buffer_list_add(list, b);
  }
  return list;
}

static GstClockTime arrival(DecState &st, GstBuffer *buffer) {
  const GstClockTime t = GST_BUFFER_DTS_OR_PTS(buffer);
  if (GST_CLOCK_TIME_IS_VALID(t) && t > st.now) st.now = t;
  return st.now;
}

static GstFlowReturn push_out(GstSrtRtpFlexFecDec *self, GstBuffer *media, GstBufferList *rebuilt) {
  std::lock_guard push(self->state->push_lock);
  GstFlowReturn ret = GST_FLOW_OK;
  if (media) ret = gst_pad_push(self->srcpad, media);
  if (rebuilt) {
    const GstFlowReturn r = gst_pad_push_list(self->srcpad, rebuilt);
    if (!media) ret = r;
  }
  return ret;
}

// A repair packet from either input; returns the rebuilt packets.
static GstBufferList *on_repair(GstSrtRtpFlexFecDec *self, DecState &st, GstBuffer *buffer,
                                srtcore::ByteSpan bytes) {
  const GstClockTime now = arrival(st, buffer);
  if (st.engine->on_fec(bytes, now) == fec::FlexFecResult::invalid)
    GST_INFO_OBJECT(self, "dropped a malformed FlexFEC packet (%" G_GUINT64_FORMAT " so far)",
                    st.engine->stats().fec_invalid);
  return take_recovered(*st.engine, now);
}

static GstFlowReturn flexfecdec_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  DecState &st = *self->state;
  srtrtp::BufferPtr media(buffer);
  GST_OBJECT_LOCK(self);
  const gint pt = self->pt;
  GST_OBJECT_UNLOCK(self);
  GstBufferList *rebuilt = nullptr;
  fec::FlexFecMediaResult result = fec::FlexFecMediaResult::fresh;
  bool repair = false;
  {
    std::lock_guard lock(st.engine_lock);
    if (!st.engine) return GST_FLOW_FLUSHING;
    srtrtp::ReadMap map(buffer);
    const srtcore::ByteSpan bytes = map.ok() ? map.span() : srtcore::ByteSpan{};
    repair = pt >= 0 && bytes.size() >= 2 && (bytes[1] & 0x7F) == pt;
    if (repair) {
      rebuilt = on_repair(self, st, buffer, bytes);
    } else {
      const GstClockTime now = arrival(st, buffer);
      result = st.engine->on_media(bytes, now);
      rebuilt = take_recovered(*st.engine, now);
    }
  }
  if (repair || result == fec::FlexFecMediaResult::duplicate) {
    media.reset();  // a repair packet, or a packet already sent (rebuilt earlier)
  } else if (result == fec::FlexFecMediaResult::invalid) {
    GST_WARNING_OBJECT(self, "dropped a media buffer that is not RTP");
    media.reset();
  }
  if (!media && !rebuilt) return GST_FLOW_OK;
  return push_out(self, media.release(), rebuilt);
}

static GstFlowReturn flexfecdec_fec_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  DecState &st = *self->state;
  srtrtp::BufferPtr owned(buffer);
  GstBufferList *rebuilt = nullptr;
  {
    std::lock_guard lock(st.engine_lock);
    if (!st.engine) return GST_FLOW_FLUSHING;
    srtrtp::ReadMap map(buffer);
    rebuilt = on_repair(self, st, buffer, map.ok() ? map.span() : srtcore::ByteSpan{});
  }
  if (!rebuilt) return GST_FLOW_OK;
  const GstFlowReturn ret = push_out(self, nullptr, rebuilt);
  // A repair stream must not stop when media stops being wanted downstream.
  return ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
}

static void reset_engine(GstSrtRtpFlexFecDec *self, bool allocate) {
  DecState &st = *self->state;
  fec::FlexFecDecoderConfig cfg;
  GST_OBJECT_LOCK(self);
  cfg.hold_ns = self->repair_window;
  cfg.window = self->window;
  GST_OBJECT_UNLOCK(self);
  std::lock_guard lock(st.engine_lock);
  if (st.engine) st.last_stats = st.engine->stats();
  st.engine.reset();
  st.now = 0;
  if (allocate) {
    st.engine.emplace(cfg);
    st.last_stats = {};
  }
}

static gboolean flexfecdec_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = SELF(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) reset_engine(self, true);
  return srtrtp::fec_pads::forward_media_event(pad, parent, event, self->state->push_lock);
}

static GstIterator *flexfecdec_internal_links(GstPad *pad, GstObject *parent) {
  auto *self = SELF(parent);
  GstPad *other = pad == self->srcpad    ? self->sinkpad
                  : pad == self->sinkpad ? self->srcpad
                                         : nullptr;
  return srtrtp::fec_pads::single_link(other);
}

static GstPad *flexfecdec_request_pad(GstElement *element, GstPadTemplate *templ, const gchar *name,
                                      const GstCaps *) {
  GstPad *pad = gst_pad_new_from_template(templ, name);
  gst_pad_set_chain_function(pad, flexfecdec_fec_chain);
  gst_pad_set_event_function(pad, srtrtp::fec_pads::drop_event);
  gst_pad_set_iterate_internal_links_function(pad, flexfecdec_internal_links);
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(element, pad);
  return pad;
}

static void flexfecdec_release_pad(GstElement *element, GstPad *pad) {
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

static GstStateChangeReturn flexfecdec_change_state(GstElement *element,
                                                    GstStateChange transition) {
  auto *self = SELF(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) reset_engine(self, true);
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_flexfec_dec_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) reset_engine(self, false);
  return ret;
}

static GstStructure *stats_structure(DecState &st) {
  std::lock_guard lock(st.engine_lock);
  const fec::FlexFecDecoderStats s = st.engine ? st.engine->stats() : st.last_stats;
  return gst_structure_new(
      "application/x-rtp-flexfec-stats", "media", G_TYPE_UINT64, s.media, "media-duplicate",
      G_TYPE_UINT64, s.media_duplicate, "media-untracked", G_TYPE_UINT64, s.media_untracked,
      "repair", G_TYPE_UINT64, s.fec, "recovered", G_TYPE_UINT64, s.recovered, "retransmitted",
      G_TYPE_UINT64, s.retransmitted, "unrecovered", G_TYPE_UINT64, s.unrecovered, "invalid",
      G_TYPE_UINT64, s.fec_invalid, "unknown-stream", G_TYPE_UINT64, s.fec_unknown_stream, "stale",
      G_TYPE_UINT64, s.fec_stale, "evicted", G_TYPE_UINT64, s.fec_evicted, nullptr);
}

static void flexfecdec_set_property(GObject *object, guint id, const GValue *value,
                                    GParamSpec *pspec) {
  auto *self = SELF(object);
  switch (id) {
    case PROP_PT:
      GST_OBJECT_LOCK(self);
      self->pt = g_value_get_int(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_REPAIR_WINDOW: {
      GST_OBJECT_LOCK(self);
      self->repair_window = g_value_get_uint64(value);
      GST_OBJECT_UNLOCK(self);
      std::lock_guard lock(self->state->engine_lock);
      if (self->state->engine) self->state->engine->set_hold(g_value_get_uint64(value));
      break;
    }
    case PROP_WINDOW:
      GST_OBJECT_LOCK(self);
      self->window = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void flexfecdec_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  switch (id) {
    case PROP_PT:
      GST_OBJECT_LOCK(self);
      g_value_set_int(value, self->pt);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_REPAIR_WINDOW:
      GST_OBJECT_LOCK(self);
      g_value_set_uint64(value, self->repair_window);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_WINDOW:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, self->window);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_STATS:
      g_value_take_boxed(value, stats_structure(*self->state));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void flexfecdec_finalize(GObject *object) {
  delete SELF(object)->state;
  G_OBJECT_CLASS(gst_srt_rtp_flexfec_dec_parent_class)->finalize(object);
}

static void gst_srt_rtp_flexfec_dec_class_init(GstSrtRtpFlexFecDecClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = flexfecdec_set_property;
  gobject_class->get_property = flexfecdec_get_property;
  gobject_class->finalize = flexfecdec_finalize;
  element_class->change_state = flexfecdec_change_state;
  element_class->request_new_pad = flexfecdec_request_pad;
  element_class->release_pad = flexfecdec_release_pad;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_int("pt", "Payload type",
                       "Payload type of repair packets arriving on 'sink' with the media, -1 for "
                       "none (repair packets only on fec_%u)",
                       -1, 127, -1, static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      gobject_class, PROP_REPAIR_WINDOW,
      g_param_spec_uint64("repair-window", "Repair window (ns)",
                          "How long a repair packet that cannot be used yet is kept (the SDP's "
                          "repair-window)",
                          0, G_MAXUINT64, kDefaultRepairWindow,
                          static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      gobject_class, PROP_WINDOW,
      g_param_spec_uint("window", "Window (packets)",
                        "Source packets kept per stream for rebuilding (rounded up to a power of "
                        "two); a repair packet's group must span less than half of it",
                        64, 32768, kDefaultWindow,
                        static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "Counters: media, media-duplicate, media-untracked, repair, recovered, "
                         "retransmitted, unrecovered, invalid, unknown-stream, stale, evicted",
                         GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &fec_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "FlexFEC decoder", "Codec/Decoder/Network/RTP",
      "Rebuilds lost RTP packets from RFC 8627 FlexFEC repair packets (srt-core)",
      srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(flexfecdec_debug, "rtpflexfecdec", 0, "FlexFEC decoder");
}

static void gst_srt_rtp_flexfec_dec_init(GstSrtRtpFlexFecDec *self) {
  self->state = new DecState();
  self->pt = -1;
  self->repair_window = kDefaultRepairWindow;
  self->window = kDefaultWindow;
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  gst_pad_set_chain_function(self->sinkpad, flexfecdec_chain);
  gst_pad_set_event_function(self->sinkpad, flexfecdec_sink_event);
  gst_pad_set_iterate_internal_links_function(self->sinkpad, flexfecdec_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_pad_use_fixed_caps(self->srcpad);
  gst_pad_set_iterate_internal_links_function(self->srcpad, flexfecdec_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
