// rtpst2022-1-fecenc2: SMPTE 2022-1 row/column FEC for an RTP stream, a
// drop-in for gst-plugins-good's rtpst2022-1-fecenc (same pads, properties
// and wire output) over srt-core's St2022Encoder. Media goes through 'src'
// unchanged; column FEC leaves on 'fec_0' and row FEC on 'fec_1' (as in the
// C element), both added when going to PAUSED.
// Differences, on purpose: media SSRCs other than 0 are accepted; the FEC
// packets' P and X bits stay 0 (the payload is what is protected, so a
// rebuilt packet has neither padding nor extension); enable-*-fec can
// really be changed while PLAYING; FEC buffers carry the timestamps of the
// media buffer they follow; EOS, segments and flushes reach the FEC pads.
// Ours only: an adaptive mode (`adaptive`, see fec_adaptive.hpp) where the
// loss receivers report chooses which of the enabled directions are sent
// (srt-core's matrix_directions); the L x D geometry never changes.
#include <gst/gst.h>

#include <array>
#include <atomic>
#include <optional>
#include <utility>

#include "buffer_bytes.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "fec/protection_choice.hpp"
#include "fec/st2022_1_encoder.hpp"
#include "fec_adaptive.hpp"
#include "fec_element_pads.hpp"
#include "rtp/rtp_header.hpp"

namespace fec = srtcore::fec;

GST_DEBUG_CATEGORY_STATIC(fecenc2_debug);
#define GST_CAT_DEFAULT fecenc2_debug

namespace {

// The C++ side of the element: created in _init, deleted in finalize.
struct EncState {
  std::optional<fec::St2022Encoder> engine;  // from READY to PAUSED on
  GstPad *column_pad = nullptr;              // fec_0, owned by the element
  GstPad *row_pad = nullptr;                 // fec_1
  bool events_pushed = false;
  std::optional<GstSegment> segment;   // the media's, repeated on the FEC pads
  std::atomic<gint64> media_ssrc{-1};  // for adaptive mode's RTCP filter
  // Adaptive mode: the directions in use, changed only at a matrix start
  // (streaming thread).
  std::optional<fec::MatrixDirections> adaptive_directions;
};

}  // namespace

struct GstSrtRtpSt2022FecEnc2 {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  // Under the object lock.
  guint columns;
  guint rows;
  gint pt;
  gboolean enable_row;
  gboolean enable_column;
  EncState *state;
  srtrtp::AdaptiveFec *adaptive;
};
struct GstSrtRtpSt2022FecEnc2Class {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpSt2022FecEnc2, gst_srt_rtp_st2022_fecenc2, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpst2022_1_fecenc2, "rtpst2022-1-fecenc2", GST_RANK_NONE,
                            gst_srt_rtp_st2022_fecenc2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpSt2022FecEnc2 *>(obj))

enum {
  PROP_0,
  PROP_COLUMNS,
  PROP_ROWS,
  PROP_PT,
  PROP_ENABLE_COLUMN,
  PROP_ENABLE_ROW,
  PROP_ADAPTIVE_FIRST  // then srtrtp::AdaptiveFec's
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate fec_template = GST_STATIC_PAD_TEMPLATE(
    "fec_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("application/x-rtp"));

static void push_fec_events(GstSrtRtpSt2022FecEnc2 *self, GstPad *pad, const char *id, gint pt) {
  gchar *stream_id = gst_pad_create_stream_id(pad, GST_ELEMENT(self), id);
  gst_pad_push_event(pad, gst_event_new_stream_start(stream_id));
  g_free(stream_id);
  GstCaps *caps = gst_caps_new_simple("application/x-rtp", "payload", G_TYPE_INT, pt, "ssrc",
                                      G_TYPE_UINT, 0u, nullptr);
  gst_pad_push_event(pad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment segment;
  if (self->state->segment) {
    segment = *self->state->segment;
  } else {
    gst_segment_init(&segment, GST_FORMAT_TIME);
  }
  gst_pad_push_event(pad, gst_event_new_segment(&segment));
}

static GstBuffer *fec_buffer(srtcore::ByteSpan bytes, GstBuffer *media) {
  GstBuffer *out = gst_buffer_new_allocate(nullptr, bytes.size(), nullptr);
  gst_buffer_fill(out, 0, bytes.data(), bytes.size());
  GST_BUFFER_PTS(out) = GST_BUFFER_PTS(media);
  GST_BUFFER_DTS(out) = GST_BUFFER_DTS(media);
  return out;
}

static GstFlowReturn fecenc2_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  EncState &st = *self->state;
  srtrtp::BufferPtr media(buffer);
  const auto level = self->adaptive->level();
  GST_OBJECT_LOCK(self);
  bool row_on = self->enable_row;
  bool column_on = self->enable_column;
  const gint pt = self->pt;
  GST_OBJECT_UNLOCK(self);
  if (!st.engine) return GST_FLOW_FLUSHING;
  if (level) {
    // Among the enabled directions, those the reported loss asks for.
    const auto &cfg = st.engine->config();
    const unsigned row_group = row_on ? cfg.columns : 0;
    const unsigned column_group = column_on && cfg.columns != 0 ? cfg.rows : 0;
    const auto wanted = fec::matrix_directions(*level, row_group, column_group);
    // A receiver must never see half a matrix of one kind: a new choice
    // waits for the next matrix (GStreamer's decoder keeps the geometry of
    // the first FEC packets it saw, so only the directions may change).
    if (!st.adaptive_directions || st.engine->at_matrix_start()) st.adaptive_directions = wanted;
    row_on = st.adaptive_directions->rows;
    column_on = st.adaptive_directions->columns;
  } else {
    st.adaptive_directions.reset();
  }

  // The FEC packets are built before the media buffer goes downstream (which
  // may change it) and pushed after it.
  // At most a row and a column packet follow one media packet.
  std::array<std::pair<GstPad *, GstBuffer *>, 2> out{};
  std::size_t n_out = 0;
  {
    srtrtp::ReadMap map(buffer);
    const auto rtp = map.ok() ? srtcore::rtp::parse_rtp(map.span()) : std::nullopt;
    if (!rtp) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("The input is not RTP."),
                        ("rtpst2022-1-fecenc2 protects RTP packets: put it after an RTP "
                         "payloader."));
      return GST_FLOW_ERROR;
    }
    st.media_ssrc.store(rtp->header.ssrc, std::memory_order_relaxed);
    switch (st.engine->add(*rtp, row_on, column_on)) {
      case fec::St2022EncodeResult::ok:
        break;
      case fec::St2022EncodeResult::not_consecutive:
        GST_ELEMENT_ERROR(
            self, STREAM, FAILED,
            ("RTP sequence number %u does not follow the previous packet's.", rtp->header.sequence),
            ("SMPTE 2022-1 protects runs of consecutive packets: put the encoder "
             "right after the payloader, with nothing between that drops or "
             "reorders packets."));
        return GST_FLOW_ERROR;
      case fec::St2022EncodeResult::payload_too_large:
        GST_ELEMENT_ERROR(self, STREAM, FAILED,
                          ("An RTP payload of %zu bytes is larger than the %zu the FEC encoder "
                           "takes.",
                           rtp->payload.size(), st.engine->config().max_payload),
                          ("Lower the payloader's mtu (1400 is the usual value)."));
        return GST_FLOW_ERROR;
    }
    while (auto f = st.engine->poll()) {
      if (n_out < out.size())
        out[n_out++] = {f->row ? st.row_pad : st.column_pad, fec_buffer(f->bytes, buffer)};
    }
  }
  if (!st.events_pushed) {
    push_fec_events(self, st.column_pad, "column-fec", pt);
    push_fec_events(self, st.row_pad, "row-fec", pt);
    st.events_pushed = true;
  }
  const GstFlowReturn ret = gst_pad_push(self->srcpad, media.release());
  for (std::size_t i = 0; i < n_out; ++i) {
    // FEC must not stop the media: a FEC pad left unlinked or failing only warns.
    const GstFlowReturn r = gst_pad_push(out[i].first, out[i].second);
    if (r != GST_FLOW_OK && r != GST_FLOW_NOT_LINKED && r != GST_FLOW_FLUSHING)
      GST_WARNING_OBJECT(out[i].first, "pushing a FEC packet failed: %s", gst_flow_get_name(r));
  }
  return ret;
}

static gboolean fecenc2_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = SELF(parent);
  EncState &st = *self->state;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_SEGMENT: {
      GstSegment segment;
      gst_event_copy_segment(event, &segment);
      st.segment = segment;
      if (st.events_pushed) {
        gst_pad_push_event(st.column_pad, gst_event_new_segment(&segment));
        gst_pad_push_event(st.row_pad, gst_event_new_segment(&segment));
      }
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      if (st.engine) st.engine->reset();
      [[fallthrough]];
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_EOS:
      if (st.events_pushed) {
        gst_pad_push_event(st.column_pad, gst_event_ref(event));
        gst_pad_push_event(st.row_pad, gst_event_ref(event));
      }
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static GstIterator *fecenc2_internal_links(GstPad *pad, GstObject *parent) {
  auto *self = SELF(parent);
  return srtrtp::fec_pads::single_link(pad == self->sinkpad ? self->srcpad : self->sinkpad);
}

static GstPad *add_fec_pad(GstSrtRtpSt2022FecEnc2 *self, const char *name) {
  GstPad *pad = gst_pad_new_from_static_template(&fec_template, name);
  gst_pad_use_fixed_caps(pad);
  gst_pad_set_iterate_internal_links_function(pad, fecenc2_internal_links);
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(GST_ELEMENT(self), pad);
  return pad;
}

static void remove_fec_pads(GstSrtRtpSt2022FecEnc2 *self) {
  EncState &st = *self->state;
  for (GstPad **p : {&st.column_pad, &st.row_pad}) {
    if (!*p) continue;
    gst_pad_set_active(*p, FALSE);
    gst_element_remove_pad(GST_ELEMENT(self), *p);
    *p = nullptr;
  }
}

static GstStateChangeReturn fecenc2_change_state(GstElement *element, GstStateChange transition) {
  auto *self = SELF(element);
  EncState &st = *self->state;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    fec::St2022EncoderConfig cfg;
    GST_OBJECT_LOCK(self);
    cfg.columns = self->columns;
    cfg.rows = self->rows;
    const gint pt = self->pt;
    GST_OBJECT_UNLOCK(self);
    if (pt > 127) {
      GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS,
                        ("pt %d does not fit in RTP's 7-bit payload type.", pt),
                        ("Set pt to a dynamic payload type, 96 to 127."));
      return GST_STATE_CHANGE_FAILURE;
    }
    cfg.payload_type = static_cast<std::uint8_t>(pt);
    st.engine.emplace(cfg);
    st.adaptive_directions.reset();
    st.events_pushed = false;
    st.segment.reset();
    st.column_pad = add_fec_pad(self, "fec_0");
    st.row_pad = add_fec_pad(self, "fec_1");
    gst_element_no_more_pads(element);
  }
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_st2022_fecenc2_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    st.engine.reset();
    remove_fec_pads(self);
  }
  return ret;
}

static void fecenc2_set_property(GObject *object, guint id, const GValue *value,
                                 GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->adaptive->set_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_COLUMNS:
      self->columns = g_value_get_uint(value);
      break;
    case PROP_ROWS:
      self->rows = g_value_get_uint(value);
      break;
    case PROP_PT:
      self->pt = g_value_get_int(value);
      break;
    case PROP_ENABLE_COLUMN:
      self->enable_column = g_value_get_boolean(value);
      break;
    case PROP_ENABLE_ROW:
      self->enable_row = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void fecenc2_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->adaptive->get_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_COLUMNS:
      g_value_set_uint(value, self->columns);
      break;
    case PROP_ROWS:
      g_value_set_uint(value, self->rows);
      break;
    case PROP_PT:
      g_value_set_int(value, self->pt);
      break;
    case PROP_ENABLE_COLUMN:
      g_value_set_boolean(value, self->enable_column);
      break;
    case PROP_ENABLE_ROW:
      g_value_set_boolean(value, self->enable_row);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void fecenc2_dispose(GObject *object) {
  SELF(object)->adaptive->release_session();
  G_OBJECT_CLASS(gst_srt_rtp_st2022_fecenc2_parent_class)->dispose(object);
}

static void fecenc2_finalize(GObject *object) {
  delete SELF(object)->adaptive;
  delete SELF(object)->state;
  G_OBJECT_CLASS(gst_srt_rtp_st2022_fecenc2_parent_class)->finalize(object);
}

static void gst_srt_rtp_st2022_fecenc2_class_init(GstSrtRtpSt2022FecEnc2Class *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = fecenc2_set_property;
  gobject_class->get_property = fecenc2_get_property;
  gobject_class->dispose = fecenc2_dispose;
  gobject_class->finalize = fecenc2_finalize;
  element_class->change_state = fecenc2_change_state;

  // Names, blurbs, ranges, defaults and flags as rtpst2022-1-fecenc's.
  const auto ready = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                                              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto playing = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                                                G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_COLUMNS,
      g_param_spec_uint("columns", "Columns", "Number of columns to apply row FEC on, 0=disabled",
                        0, 255, 0, ready));
  g_object_class_install_property(
      gobject_class, PROP_ROWS,
      g_param_spec_uint("rows", "Rows", "Number of rows to apply column FEC on, 0=disabled", 0, 255,
                        0, ready));
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_int("pt", "Payload Type", "The payload type of FEC packets", 96, 255, 96,
                       ready));
  g_object_class_install_property(
      gobject_class, PROP_ENABLE_COLUMN,
      g_param_spec_boolean("enable-column-fec", "Enable Column FEC",
                           "Whether the encoder should compute and send column FEC", TRUE,
                           playing));
  g_object_class_install_property(
      gobject_class, PROP_ENABLE_ROW,
      g_param_spec_boolean("enable-row-fec", "Enable Row FEC",
                           "Whether the encoder should compute and send row FEC", TRUE, playing));

  // Ours only (the C element has no adaptive mode).
  srtrtp::AdaptiveFec::install_properties(
      gobject_class, PROP_ADAPTIVE_FIRST,
      "of the enabled directions, the cheaper one whose group is at most 100/level packets "
      "(rows: columns, columns: rows), else both; none at level 0");

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &fec_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "SMPTE 2022-1 FEC encoder", "SMPTE 2022-1 FEC encoding",
      "performs FEC as described by SMPTE 2022-1 (srt-core)", srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(fecenc2_debug, "rtpst2022-1-fecenc2", 0, "SMPTE 2022-1 FEC encoder");
}

static void gst_srt_rtp_st2022_fecenc2_init(GstSrtRtpSt2022FecEnc2 *self) {
  self->state = new EncState();
  EncState *st = self->state;
  self->adaptive = new srtrtp::AdaptiveFec(GST_ELEMENT(self), [st](guint32 ssrc) {
    return st->media_ssrc.load(std::memory_order_relaxed) == static_cast<gint64>(ssrc);
  });
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  gst_pad_set_chain_function(self->sinkpad, fecenc2_chain);
  gst_pad_set_event_function(self->sinkpad, fecenc2_sink_event);
  gst_pad_set_iterate_internal_links_function(self->sinkpad, fecenc2_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_use_fixed_caps(self->srcpad);
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_pad_set_iterate_internal_links_function(self->srcpad, fecenc2_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
