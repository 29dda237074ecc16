// rtpulpfecdec2: rebuilds lost RTP packets from ULPFEC (RFC 5109), a
// drop-in for gst-plugins-good's rtpulpfecdec over srt-core's
// UlpfecRecovery. Wired as the C element: after the jitterbuffer (rtpbin's
// request-fec-decoder), with the `storage` property set to the RtpStorage
// of an rtpstorage element upstream (rtpbin's get-internal-storage) or
// found by the same "GstRtpStorage" query. When the jitterbuffer declares a
// packet lost (GstRTPPacketLost), the packets stored around it (media and
// FEC, after rtpreddec unwrapped RED) are taken from the storage and the
// packet is rebuilt if the masks allow; otherwise the event goes on with
// might-have-been-fec. Like the C element it renumbers what it pushes
// (FEC packets share the media sequence numbers) unless passthrough.
// Differences, on purpose: packets rebuilt are remembered in a bounded ring
// of our own (the C element writes them into the storage, whose functions
// are not public); storages other than gst-plugins-good 1.22's RtpStorage
// are refused with a warning; rebuilt packets above 1500 bytes, FEC packets
// with wrong lengths or masks beyond the window are dropped and counted.
#include <gst/gst.h>

#include <optional>

#include "buffer_bytes.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "fec/ulpfec_header.hpp"
#include "fec/ulpfec_recovery.hpp"
#include "rtp/rtp_header.hpp"
#include "rtp_storage_view.hpp"

namespace fec = srtcore::fec;

GST_DEBUG_CATEGORY_STATIC(ulpfecdec2_debug);
#define GST_CAT_DEFAULT ulpfecdec2_debug

namespace {

// Streaming-thread state: buffers and the serialized loss events come on
// the sink pad's thread, in order.
struct DecState {
  std::optional<fec::UlpfecRecovery> engine;  // READY to PAUSED on
  fec::UlpfecSelection selection;
  guint16 next_seqnum = 0;
  bool unset_discont = false;
  GstFlowReturn chain_return = GST_FLOW_OK;
  bool have_ssrc = false;
  guint32 ssrc = 0;
  bool have_pt = false;
  gint pt = 0;
  bool warned_storage = false;
};

}  // namespace

struct GstSrtRtpUlpFecDec2 {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  // Under the object lock.
  guint fec_pt;
  GObject *storage;
  gboolean passthrough;
  gboolean needs_discont;
  guint recovered;
  guint unrecovered;
  DecState *state;
};
struct GstSrtRtpUlpFecDec2Class {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpUlpFecDec2, gst_srt_rtp_ulpfec_dec2, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpulpfecdec2, "rtpulpfecdec2", GST_RANK_NONE,
                            gst_srt_rtp_ulpfec_dec2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpUlpFecDec2 *>(obj))

enum { PROP_0, PROP_PT, PROP_STORAGE, PROP_RECOVERED, PROP_UNRECOVERED, PROP_PASSTHROUGH };

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));

static void set_seq(GstBuffer *buffer, guint16 seq) {
  const guint8 be[2] = {static_cast<guint8>(seq >> 8), static_cast<guint8>(seq)};
  gst_buffer_fill(buffer, 2, be, 2);
}

// Marks the buffer DISCONT if passthrough was just switched off.
static void take_discont(GstSrtRtpUlpFecDec2 *self, GstBuffer *buffer) {
  GST_OBJECT_LOCK(self);
  if (self->needs_discont) {
    self->needs_discont = FALSE;
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  }
  GST_OBJECT_UNLOCK(self);
}

static GstFlowReturn ulpfecdec2_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  DecState &st = *self->state;
  if (st.chain_return != GST_FLOW_OK) {
    gst_buffer_unref(buffer);
    return st.chain_return;
  }
  GST_OBJECT_LOCK(self);
  const bool passthrough = self->passthrough;
  GST_OBJECT_UNLOCK(self);
  // rtpstorage keeps a reference to every packet: the input is shared, and
  // renumbering it costs one copy (not a writable buffer copy whose shared
  // memory the write then copies again); a buffer of our own is written in
  // place.
  GstBuffer *renumbered = nullptr;
  {
    srtrtp::ReadMap map(buffer, true);
    const auto bytes = map.ok() ? map.span() : srtcore::ByteSpan();
    if (bytes.size() >= 4) {
      const auto seq = static_cast<guint16>(bytes[2] << 8 | bytes[3]);
      if (passthrough) {
        st.next_seqnum = static_cast<guint16>(seq + 1);
      } else {
        const guint16 out = st.next_seqnum++;
        if (out == seq) {
          // Nothing to write.
        } else if (guint8 *own = map.writable_data()) {
          own[2] = static_cast<guint8>(out >> 8);
          own[3] = static_cast<guint8>(out);
        } else if (gst_buffer_is_writable(buffer)) {
          set_seq(buffer, out);  // several memories: gst_buffer_fill finds the header
        } else {
          renumbered = srtrtp::copy_with_sequence(buffer, bytes, out);
        }
      }
    }
  }
  if (renumbered) {
    gst_buffer_unref(buffer);
    buffer = renumbered;
  }
  buffer = gst_buffer_make_writable(buffer);  // for the flags
  if (st.unset_discont) {
    st.unset_discont = false;
    GST_BUFFER_FLAG_UNSET(buffer, GST_BUFFER_FLAG_DISCONT);
  }
  take_discont(self, buffer);
  return gst_pad_push(self->srcpad, buffer);
}

static GObject *find_storage(GstSrtRtpUlpFecDec2 *self) {
  GST_OBJECT_LOCK(self);
  GObject *storage = self->storage ? G_OBJECT(g_object_ref(self->storage)) : nullptr;
  GST_OBJECT_UNLOCK(self);
  if (storage) return storage;
  // As the C element: ask upstream (rtpstorage answers).
  GstQuery *q = gst_query_new_custom(GST_QUERY_CUSTOM, gst_structure_new_empty("GstRtpStorage"));
  if (gst_pad_peer_query(self->sinkpad, q)) {
    const GstStructure *s = gst_query_get_structure(q);
    if (gst_structure_has_field_typed(s, "storage", G_TYPE_OBJECT))
      gst_structure_get(s, "storage", G_TYPE_OBJECT, &storage, nullptr);
  }
  gst_query_unref(q);
  if (storage) {
    GST_OBJECT_LOCK(self);
    if (!self->storage) self->storage = G_OBJECT(g_object_ref(storage));
    GST_OBJECT_UNLOCK(self);
  }
  return storage;
}

// Rebuilds `seq` from the storage and pushes it; false if it cannot.
static bool recover(GstSrtRtpUlpFecDec2 *self, GObject *storage, guint16 seq,
                    GstClockTime timestamp) {
  DecState &st = *self->state;
  if (!st.engine) return false;
  GST_OBJECT_LOCK(self);
  const auto fec_pt = static_cast<std::uint8_t>(self->fec_pt);
  GST_OBJECT_UNLOCK(self);
  fec::UlpfecRecovery &engine = *st.engine;
  constexpr int kWindow = fec::UlpfecRecovery::kWindow;
  // First the FEC packets' masks, to copy only what can matter for `seq`.
  fec::UlpfecSelection &sel = st.selection;
  sel.begin(seq);
  // The loss's time ages the rebuilt packets the engine remembers.
  engine.begin(seq, fec_pt, st.ssrc, st.have_pt ? st.pt : -1,
               GST_CLOCK_TIME_IS_VALID(timestamp) ? timestamp : 0);
  // The payload types of all media packets around count for the rebuilt
  // packet's check, copied or not (the caps may carry the FEC's).
  const bool known = srtrtp::rtp_storage_visit(
      storage, st.ssrc, seq, kWindow,
      [&](guint16, guint8 pt) {
        if (pt != fec_pt) engine.note_media_pt(pt);
        return pt == fec_pt;
      },
      [&](srtcore::ByteSpan p) {
        fec::UlpfecHeader h;
        const auto rtp = srtcore::rtp::parse_rtp(p);
        if (rtp && fec::parse_ulpfec(rtp->payload, h) == fec::UlpfecParse::ok)
          sel.fec(rtp->header.sequence, h.sn_base, h.mask);
      });
  if (!known) return false;
  sel.close();
  srtrtp::rtp_storage_visit(
      storage, st.ssrc, seq, kWindow, [&](guint16 s, guint8) { return sel.wanted(s); },
      [&](srtcore::ByteSpan p) { engine.add(p); });
  engine.run();
  const auto packet = engine.media(seq);
  GST_LOG_OBJECT(self,
                 "loss of %u: %s (FEC malformed %" G_GUINT64_FORMAT ", stale %" G_GUINT64_FORMAT
                 ", bad rebuild %" G_GUINT64_FORMAT " so far)",
                 seq, packet ? "rebuilt" : "not rebuilt", engine.stats().fec_malformed,
                 engine.stats().fec_stale, engine.stats().fec_bad_rebuild);
  if (!packet) return false;
  GstBuffer *out = gst_buffer_new_allocate(nullptr, packet->size(), nullptr);
  gst_buffer_fill(out, 0, packet->data(), packet->size());
  GST_BUFFER_PTS(out) = timestamp;
  set_seq(out, st.next_seqnum++);
  take_discont(self, out);
  st.unset_discont = true;
  GST_DEBUG_OBJECT(self, "pushing rebuilt packet seq=%u ssrc=0x%08x", seq, st.ssrc);
  st.chain_return = gst_pad_push(self->srcpad, out);
  return true;
}

static gboolean handle_loss(GstSrtRtpUlpFecDec2 *self, GstEvent *event) {
  DecState &st = *self->state;
  if (!st.have_ssrc) {
    GST_WARNING_OBJECT(self, "packet loss before caps with an ssrc: nothing to recover from");
    return gst_pad_push_event(self->srcpad, event);
  }
  GObject *storage = find_storage(self);
  if (!storage) {
    GST_ELEMENT_WARNING(self, STREAM, FAILED, ("Internal storage not found"),
                        ("You need to add rtpstorage element upstream from rtpulpfecdec2, or "
                         "set its storage property (rtpbin: get-internal-storage)."));
    gst_event_unref(event);
    return FALSE;
  }
  if (!srtrtp::rtp_storage_supported(storage) && !st.warned_storage) {
    st.warned_storage = true;
    GST_ELEMENT_WARNING(self, STREAM, FAILED, ("Unsupported RTP storage, no recovery."),
                        ("The storage is a %s; use the internal-storage of gst-plugins-good "
                         "1.22's rtpstorage element.",
                         G_OBJECT_TYPE_NAME(storage)));
  }
  guint seqnum = 0;
  guint64 timestamp = 0;
  guint64 duration = 0;
  event = gst_event_make_writable(event);
  GstStructure *s = gst_event_writable_structure(event);
  bool rebuilt = false;
  if (gst_structure_get(s, "seqnum", G_TYPE_UINT, &seqnum, "timestamp", G_TYPE_UINT64, &timestamp,
                        "duration", G_TYPE_UINT64, &duration, nullptr))
    rebuilt = recover(self, storage, static_cast<guint16>(seqnum), timestamp);
  g_object_unref(storage);
  GST_OBJECT_LOCK(self);
  if (rebuilt)
    ++self->recovered;
  else
    ++self->unrecovered;
  GST_OBJECT_UNLOCK(self);
  if (rebuilt) {
    gst_event_unref(event);
    return TRUE;
  }
  gst_structure_remove_field(s, "seqnum");
  gst_structure_set(s, "might-have-been-fec", G_TYPE_BOOLEAN, TRUE, nullptr);
  return gst_pad_push_event(self->srcpad, event);
}

static gboolean ulpfecdec2_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = SELF(parent);
  DecState &st = *self->state;
  if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM &&
      gst_event_has_name(event, "GstRTPPacketLost") && st.chain_return == GST_FLOW_OK) {
    GST_OBJECT_LOCK(self);
    const bool passthrough = self->passthrough;
    GST_OBJECT_UNLOCK(self);
    if (!passthrough) return handle_loss(self, event);
  } else if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    GstCaps *caps = nullptr;
    gst_event_parse_caps(event, &caps);
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    guint ssrc = 0;
    gint pt = 0;
    st.have_ssrc = gst_structure_get_uint(s, "ssrc", &ssrc);
    st.ssrc = ssrc;
    st.have_pt = gst_structure_get_int(s, "payload", &pt);
    st.pt = pt;
  }
  return gst_pad_event_default(pad, parent, event);
}

static GstStateChangeReturn ulpfecdec2_change_state(GstElement *element,
                                                    GstStateChange transition) {
  auto *self = SELF(element);
  DecState &st = *self->state;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    st.engine.emplace();
    st.chain_return = GST_FLOW_OK;
    st.unset_discont = false;
  }
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_ulpfec_dec2_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) st.engine.reset();
  return ret;
}

static void ulpfecdec2_set_property(GObject *object, guint id, const GValue *value,
                                    GParamSpec *pspec) {
  auto *self = SELF(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_PT:
      self->fec_pt = g_value_get_uint(value);
      break;
    case PROP_STORAGE:
      if (self->storage) g_object_unref(self->storage);
      self->storage = G_OBJECT(g_value_dup_object(value));
      break;
    case PROP_PASSTHROUGH: {
      const gboolean on = g_value_get_boolean(value);
      // Leaving passthrough changes the numbering: say so downstream.
      if (self->passthrough && !on) self->needs_discont = TRUE;
      self->passthrough = on;
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void ulpfecdec2_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_PT:
      g_value_set_uint(value, self->fec_pt);
      break;
    case PROP_STORAGE:
      g_value_set_object(value, self->storage);
      break;
    case PROP_RECOVERED:
      g_value_set_uint(value, self->recovered);
      break;
    case PROP_UNRECOVERED:
      g_value_set_uint(value, self->unrecovered);
      break;
    case PROP_PASSTHROUGH:
      g_value_set_boolean(value, self->passthrough);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void ulpfecdec2_dispose(GObject *object) {
  auto *self = SELF(object);
  g_clear_object(&self->storage);
  G_OBJECT_CLASS(gst_srt_rtp_ulpfec_dec2_parent_class)->dispose(object);
}

static void ulpfecdec2_finalize(GObject *object) {
  delete SELF(object)->state;
  G_OBJECT_CLASS(gst_srt_rtp_ulpfec_dec2_parent_class)->finalize(object);
}

static void gst_srt_rtp_ulpfec_dec2_class_init(GstSrtRtpUlpFecDec2Class *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = ulpfecdec2_set_property;
  gobject_class->get_property = ulpfecdec2_get_property;
  gobject_class->dispose = ulpfecdec2_dispose;
  gobject_class->finalize = ulpfecdec2_finalize;
  element_class->change_state = ulpfecdec2_change_state;

  // As rtpulpfecdec's (names, types, ranges, defaults, flags).
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_uint("pt", "pt", "FEC packets payload type", 0, 127, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_STORAGE,
      g_param_spec_object("storage", "RTP storage", "RTP storage", G_TYPE_OBJECT, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECOVERED,
      g_param_spec_uint("recovered", "recovered", "The number of recovered packets", 0, G_MAXUINT,
                        0, ro));
  g_object_class_install_property(
      gobject_class, PROP_UNRECOVERED,
      g_param_spec_uint("unrecovered", "unrecovered", "The number of unrecovered packets", 0,
                        G_MAXUINT, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_PASSTHROUGH,
      g_param_spec_boolean("passthrough", "Passthrough",
                           "Whether to passthrough all data as-is without modification and "
                           "never attempt to recover packets",
                           FALSE, rw));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP FEC Decoder", "Codec/Depayloader/Network/RTP",
      "Decodes RTP FEC (RFC5109) (srt-core)", srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(ulpfecdec2_debug, "rtpulpfecdec2", 0, "ULPFEC decoder");
}

static void gst_srt_rtp_ulpfec_dec2_init(GstSrtRtpUlpFecDec2 *self) {
  self->state = new DecState();
  self->state->next_seqnum = static_cast<guint16>(g_random_int_range(0, G_MAXINT16));
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_pad_set_chain_function(self->sinkpad, ulpfecdec2_chain);
  gst_pad_set_event_function(self->sinkpad, ulpfecdec2_sink_event);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
}
