// rtpst2022-1-fecdec2: rebuilds lost RTP media packets from SMPTE 2022-1
// row and column FEC, a drop-in for gst-plugins-good's rtpst2022-1-fecdec
// (same pads and size-time property) over srt-core's St2022Decoder. Media
// on 'sink' goes out on 'src' at once; FEC streams come on request pads
// fec_%u (at most two); rebuilt packets follow on 'src' as soon as they
// can be rebuilt, which is often out of order (a jitterbuffer sorts them).
// Differences, on purpose: a media packet already held (received or
// rebuilt) is not pushed a second time; a rebuilt packet carries the media
// stream's SSRC (the C element writes 0); storage is bounded by the
// geometry (see docs/fec.md) as well as by size-time.
#include <gst/gst.h>

#include <array>
#include <mutex>
#include <optional>

#include "buffer_bytes.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "fec_element_pads.hpp"
#include "fec/st2022_1_decoder.hpp"

namespace fec = srtcore::fec;

GST_DEBUG_CATEGORY_STATIC(fecdec2_debug);
#define GST_CAT_DEFAULT fecdec2_debug

namespace {

constexpr guint64 kDefaultSizeTime = GST_SECOND;

// The C++ side of the element: created in _init, deleted in finalize.
struct DecState {
  std::mutex engine_lock;  // media and FEC arrive on different threads
  std::optional<fec::St2022Decoder> engine;
  GstClockTime now = 0;
  // Serialises what goes out of 'src' (media, rebuilt packets, serialized
  // events) from the media and FEC threads.
  std::mutex push_lock;
  guint fec_pads = 0;
};

}  // namespace

struct GstSrtRtpSt2022FecDec2 {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  guint64 size_time;  // under the object lock
  DecState *state;
};
struct GstSrtRtpSt2022FecDec2Class {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpSt2022FecDec2, gst_srt_rtp_st2022_fecdec2, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpst2022_1_fecdec2, "rtpst2022-1-fecdec2", GST_RANK_NONE,
                            gst_srt_rtp_st2022_fecdec2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpSt2022FecDec2 *>(obj))

enum { PROP_0, PROP_SIZE_TIME };

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate fec_template = GST_STATIC_PAD_TEMPLATE(
    "fec_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtp"));

// Rebuilt packets of the last engine call, as buffers (at most a few per
// call; more wait for the next one would be wrong, so the list grows).
static GstBufferList *take_recovered(fec::St2022Decoder &engine, GstClockTime now) {
  GstBufferList *list = nullptr;
  while (auto r = engine.poll_recovered()) {
    if (!list) list = gst_buffer_list_new();
    GstBuffer *b = gst_buffer_new_allocate(nullptr, r->size(), nullptr);
    gst_buffer_fill(b, 0, r->data(), r->size());
    GST_BUFFER_DTS(b) = now;  // arrival time, as the C element stamps them
    gst_buffer_list_add(list, b);
  }
  return list;
}

static GstClockTime arrival(DecState &st, GstBuffer *buffer) {
  const GstClockTime t = GST_BUFFER_DTS_OR_PTS(buffer);
  if (GST_CLOCK_TIME_IS_VALID(t) && t > st.now) st.now = t;
  return st.now;
}

static GstFlowReturn push_out(GstSrtRtpSt2022FecDec2 *self, GstBuffer *media,
                              GstBufferList *rebuilt) {
  DecState &st = *self->state;
  std::lock_guard push(st.push_lock);
  GstFlowReturn ret = GST_FLOW_OK;
  if (media) ret = gst_pad_push(self->srcpad, media);
  if (rebuilt) {
    const GstFlowReturn r = gst_pad_push_list(self->srcpad, rebuilt);
    if (!media) ret = r;
  }
  return ret;
}

static GstFlowReturn fecdec2_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  DecState &st = *self->state;
  srtrtp::BufferPtr media(buffer);
  GstBufferList *rebuilt = nullptr;
  fec::St2022MediaResult result;
  {
    std::lock_guard lock(st.engine_lock);
    if (!st.engine) return GST_FLOW_FLUSHING;
    srtrtp::ReadMap map(buffer);
    const GstClockTime now = arrival(st, buffer);
    result = map.ok() ? st.engine->on_media(map.span(), now) : fec::St2022MediaResult::invalid;
    rebuilt = take_recovered(*st.engine, now);
  }
  switch (result) {
    case fec::St2022MediaResult::invalid:
      GST_WARNING_OBJECT(self, "dropped a media buffer that is not RTP");
      media.reset();
      break;
    case fec::St2022MediaResult::duplicate:
      GST_LOG_OBJECT(self, "dropped a media packet already held (received or rebuilt)");
      media.reset();
      break;
    case fec::St2022MediaResult::fresh:
      break;
  }
  return push_out(self, media.release(), rebuilt);
}

static GstFlowReturn fecdec2_fec_chain(GstPad *pad, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  DecState &st = *self->state;
  srtrtp::BufferPtr owned(buffer);
  GstBufferList *rebuilt = nullptr;
  {
    std::lock_guard lock(st.engine_lock);
    if (!st.engine) return GST_FLOW_FLUSHING;
    srtrtp::ReadMap map(buffer);
    const GstClockTime now = arrival(st, buffer);
    if (!map.ok() || st.engine->on_fec(map.span(), now) == fec::St2022FecResult::malformed)
      GST_WARNING_OBJECT(
          pad, "dropped a malformed SMPTE 2022-1 FEC packet (%" G_GUINT64_FORMAT " so far)",
          st.engine->stats().fec_malformed);
    rebuilt = take_recovered(*st.engine, now);
  }
  if (!rebuilt) return GST_FLOW_OK;
  const GstFlowReturn ret = push_out(self, nullptr, rebuilt);
  // A FEC stream must not stop when media stops being wanted downstream.
  return ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
}

static void reset_engine(GstSrtRtpSt2022FecDec2 *self, bool allocate) {
  DecState &st = *self->state;
  fec::St2022DecoderConfig cfg;
  GST_OBJECT_LOCK(self);
  cfg.hold_ns = self->size_time;
  GST_OBJECT_UNLOCK(self);
  std::lock_guard lock(st.engine_lock);
  st.engine.reset();
  st.now = 0;
  if (allocate) st.engine.emplace(cfg);
}

static gboolean fecdec2_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = SELF(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) reset_engine(self, true);
  return srtrtp::fec_pads::forward_media_event(pad, parent, event, self->state->push_lock);
}

static GstIterator *fecdec2_internal_links(GstPad *pad, GstObject *parent) {
  auto *self = SELF(parent);
  GstPad *other = pad == self->srcpad    ? self->sinkpad
                  : pad == self->sinkpad ? self->srcpad
                                         : nullptr;
  return srtrtp::fec_pads::single_link(other);
}

static GstPad *fecdec2_request_pad(GstElement *element, GstPadTemplate *templ, const gchar *name,
                                   const GstCaps *) {
  auto *self = SELF(element);
  GST_OBJECT_LOCK(self);
  const bool full = self->state->fec_pads >= 2;
  if (!full) ++self->state->fec_pads;
  GST_OBJECT_UNLOCK(self);
  if (full) {
    GST_ELEMENT_WARNING(self, RESOURCE, FAILED, ("No third FEC input."),
                        ("SMPTE 2022-1 has two FEC streams, rows and columns: link them to "
                         "fec_0 and fec_1."));
    return nullptr;
  }
  GstPad *pad = gst_pad_new_from_template(templ, name);
  gst_pad_set_chain_function(pad, fecdec2_fec_chain);
  gst_pad_set_event_function(pad, srtrtp::fec_pads::drop_event);
  gst_pad_set_iterate_internal_links_function(pad, fecdec2_internal_links);
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(element, pad);
  return pad;
}

static void fecdec2_release_pad(GstElement *element, GstPad *pad) {
  auto *self = SELF(element);
  GST_OBJECT_LOCK(self);
  --self->state->fec_pads;
  GST_OBJECT_UNLOCK(self);
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

static GstStateChangeReturn fecdec2_change_state(GstElement *element, GstStateChange transition) {
  auto *self = SELF(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) reset_engine(self, true);
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_st2022_fecdec2_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) reset_engine(self, false);
  return ret;
}

static void fecdec2_set_property(GObject *object, guint id, const GValue *value,
                                 GParamSpec *pspec) {
  auto *self = SELF(object);
  if (id != PROP_SIZE_TIME) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(self);
  self->size_time = g_value_get_uint64(value);
  GST_OBJECT_UNLOCK(self);
  // Takes effect at once, as the C element's does.
  std::lock_guard lock(self->state->engine_lock);
  if (self->state->engine) self->state->engine->set_hold(g_value_get_uint64(value));
}

static void fecdec2_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  if (id != PROP_SIZE_TIME) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(self);
  g_value_set_uint64(value, self->size_time);
  GST_OBJECT_UNLOCK(self);
}

static void fecdec2_finalize(GObject *object) {
  delete SELF(object)->state;
  G_OBJECT_CLASS(gst_srt_rtp_st2022_fecdec2_parent_class)->finalize(object);
}

static void gst_srt_rtp_st2022_fecdec2_class_init(GstSrtRtpSt2022FecDec2Class *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = fecdec2_set_property;
  gobject_class->get_property = fecdec2_get_property;
  gobject_class->finalize = fecdec2_finalize;
  element_class->change_state = fecdec2_change_state;
  element_class->request_new_pad = fecdec2_request_pad;
  element_class->release_pad = fecdec2_release_pad;

  // As rtpst2022-1-fecdec's.
  g_object_class_install_property(
      gobject_class, PROP_SIZE_TIME,
      g_param_spec_uint64("size-time", "Storage size (in ns)",
                          "The amount of data to store (in ns, 0-disable)", 0, G_MAXUINT64,
                          kDefaultSizeTime,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                                                   G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &fec_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "SMPTE 2022-1 FEC decoder", "SMPTE 2022-1 FEC decoding",
      "performs FEC as described by SMPTE 2022-1 (srt-core)", srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(fecdec2_debug, "rtpst2022-1-fecdec2", 0, "SMPTE 2022-1 FEC decoder");
}

static void gst_srt_rtp_st2022_fecdec2_init(GstSrtRtpSt2022FecDec2 *self) {
  self->state = new DecState();
  self->size_time = kDefaultSizeTime;
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  gst_pad_set_chain_function(self->sinkpad, fecdec2_chain);
  gst_pad_set_event_function(self->sinkpad, fecdec2_sink_event);
  gst_pad_set_iterate_internal_links_function(self->sinkpad, fecdec2_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_pad_use_fixed_caps(self->srcpad);
  gst_pad_set_iterate_internal_links_function(self->srcpad, fecdec2_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
