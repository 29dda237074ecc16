// rtpflexfecenc: FlexFEC (RFC 8627) for one RTP stream, over srt-core's
// FlexFecEncoder. Media goes through 'src' unchanged; the repair stream (its
// own SSRC, payload type and sequence numbers, caps encoding-name=FLEXFEC
// with the media's clock-rate) leaves on the always pad 'fec', or, with
// fec-on-src, interleaved on 'src' after the media packet that completes
// each group (for one RTP session carrying both, as rtpbin's
// request-fec-encoder or a BUNDLEd webrtcbin transport wants).
// See docs/fec.md for the geometry and docs/elements.md for the properties.
// Ours only: an adaptive mode (`adaptive`, see fec_adaptive.hpp) where the
// reported loss chooses the row length (1..columns) or the configured
// columns (srt-core's flexfec_choice); a new geometry starts only where the
// current one's matrix ends, so no repair packet mixes two.
#include <gst/gst.h>

#include <array>
#include <atomic>
#include <optional>

#include "buffer_bytes.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "fec/flexfec_encoder.hpp"
#include "fec/protection_choice.hpp"
#include "fec_adaptive.hpp"
#include "fec_element_pads.hpp"
#include "rtp/rtp_header.hpp"

namespace fec = srtcore::fec;

GST_DEBUG_CATEGORY_STATIC(flexfecenc_debug);
#define GST_CAT_DEFAULT flexfecenc_debug

namespace {

constexpr guint kDefaultColumns = 10;
constexpr gint kDefaultPt = 100;

struct EncState {
  std::optional<fec::FlexFecEncoder> engine;  // from READY to PAUSED on
  // Adaptive mode (streaming thread): the configured settings, the geometry
  // in use (engine's, or none: the engine is not fed) and how many packets
  // it has covered since it started, to change only at its matrix's end.
  fec::FlexFecEncoderConfig base;
  fec::FlexFecChoice in_use;
  std::uint64_t covered = 0;
  std::atomic<gint64> media_ssrc{-1};  // for adaptive mode's RTCP filter
  bool on_src = false;
  bool events_pushed = false;
  std::optional<GstSegment> segment;
  gint clock_rate = 90000;
  gchar *media = nullptr;
  ~EncState() { g_free(media); }
};

GType flexfec_mode_get_type() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {static_cast<gint>(fec::FlexFecMode::fixed), "Fixed L/D (F=1)", "fixed"},
      {static_cast<gint>(fec::FlexFecMode::flexible), "Flexible bitmask (F=0)", "flexible-mask"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, g_enum_register_static("GstSrtRtpFlexFecMode", values));
  }
  return type;
}

}  // namespace

struct GstSrtRtpFlexFecEnc {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  GstPad *fecpad;
  // Under the object lock.
  gint mode;
  guint columns;
  guint rows;
  gboolean enable_row;
  gboolean enable_column;
  gint pt;
  guint ssrc;
  gboolean fec_on_src;
  guint64 repair_packets;
  EncState *state;
  srtrtp::AdaptiveFec *adaptive;
};
struct GstSrtRtpFlexFecEncClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpFlexFecEnc, gst_srt_rtp_flexfec_enc, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpflexfecenc, "rtpflexfecenc", GST_RANK_NONE,
                            gst_srt_rtp_flexfec_enc_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpFlexFecEnc *>(obj))

enum {
  PROP_0,
  PROP_MODE,
  PROP_COLUMNS,
  PROP_ROWS,
  PROP_ENABLE_ROW,
  PROP_ENABLE_COLUMN,
  PROP_PT,
  PROP_SSRC,
  PROP_FEC_ON_SRC,
  PROP_REPAIR_PACKETS,
  PROP_ADAPTIVE_FIRST  // then srtrtp::AdaptiveFec's
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate fec_template =
    GST_STATIC_PAD_TEMPLATE("fec", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("application/x-rtp, encoding-name=(string)FLEXFEC"));

static void push_fec_caps(GstSrtRtpFlexFecEnc *self) {
  EncState &st = *self->state;
  GST_OBJECT_LOCK(self);
  const gint pt = self->pt;
  const guint ssrc = st.engine ? st.engine->config().ssrc : 0u;
  GST_OBJECT_UNLOCK(self);
  GstCaps *caps = gst_caps_new_simple(
      "application/x-rtp", "media", G_TYPE_STRING, st.media ? st.media : "video", "clock-rate",
      G_TYPE_INT, st.clock_rate, "encoding-name", G_TYPE_STRING, "FLEXFEC", "payload", G_TYPE_INT,
      pt, "ssrc", G_TYPE_UINT, ssrc, nullptr);
  gst_pad_push_event(self->fecpad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
}

static void push_fec_events(GstSrtRtpFlexFecEnc *self) {
  EncState &st = *self->state;
  gchar *stream_id = gst_pad_create_stream_id(self->fecpad, GST_ELEMENT(self), "flexfec");
  gst_pad_push_event(self->fecpad, gst_event_new_stream_start(stream_id));
  g_free(stream_id);
  push_fec_caps(self);
  GstSegment segment;
  if (st.segment) {
    segment = *st.segment;
  } else {
    gst_segment_init(&segment, GST_FORMAT_TIME);
  }
  gst_pad_push_event(self->fecpad, gst_event_new_segment(&segment));
}

static GstBuffer *repair_buffer(srtcore::ByteSpan bytes, GstBuffer *media) {
  GstBuffer *out = gst_buffer_new_allocate(nullptr, bytes.size(), nullptr);
  gst_buffer_fill(out, 0, bytes.data(), bytes.size());
  GST_BUFFER_PTS(out) = GST_BUFFER_PTS(media);
  GST_BUFFER_DTS(out) = GST_BUFFER_DTS(media);
  return out;
}

// The configured geometry as a choice (what non-adaptive mode sends).
static fec::FlexFecChoice configured(const fec::FlexFecEncoderConfig &c) {
  return {c.columns, c.row_fec, c.column_fec && c.rows >= 2};
}

// Packets one matrix of a geometry spans: a new one may start after them.
static std::uint64_t matrix_span(const fec::FlexFecChoice &c, unsigned rows) {
  if (!c.row_fec && !c.column_fec) return 1;
  return c.column_fec ? std::uint64_t{c.columns} * rows : c.columns;
}

// Adaptive mode: the geometry the level asks for, taken when the current
// matrix is complete. A new engine (allocated per change, not per packet)
// continues the repair stream's SSRC and sequence numbers.
static void follow_level(GstSrtRtpFlexFecEnc *self, EncState &st, guint32 media_ssrc) {
  if (st.media_ssrc.exchange(media_ssrc, std::memory_order_relaxed) != media_ssrc)
    st.covered = 0;  // a new source stream: the engine starts a new matrix
  const auto level = self->adaptive->level();
  const fec::FlexFecChoice want = level ? fec::flexfec_choice(*level, st.base.columns, st.base.rows,
                                                              st.base.row_fec, st.base.column_fec)
                                        : configured(st.base);
  if (want == st.in_use || st.covered % matrix_span(st.in_use, st.base.rows) != 0) return;
  GST_DEBUG_OBJECT(self, "level %u: rows %d columns %d, L %u", level.value_or(0), want.row_fec,
                   want.column_fec, want.columns);
  st.in_use = want;
  st.covered = 0;
  if (!want.row_fec && !want.column_fec) return;  // the engine waits, unfed
  fec::FlexFecEncoderConfig cfg = st.base;
  cfg.columns = want.columns;
  cfg.row_fec = want.row_fec;
  cfg.column_fec = want.column_fec;
  cfg.ssrc = st.engine->config().ssrc;
  cfg.first_sequence = st.engine->next_sequence();
  st.engine.emplace(cfg);
}

static GstFlowReturn flexfecenc_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  EncState &st = *self->state;
  srtrtp::BufferPtr media(buffer);
  if (!st.engine) return GST_FLOW_FLUSHING;
  // Repair packets are built before the media buffer goes downstream (which
  // may change it) and pushed after it: at most a row's and a column's.
  std::array<GstBuffer *, 2> out{};
  std::size_t n_out = 0;
  {
    srtrtp::ReadMap map(buffer);
    const auto rtp = map.ok() ? srtcore::rtp::parse_rtp(map.span()) : std::nullopt;
    if (rtp) follow_level(self, st, rtp->header.ssrc);
    const bool fed = st.in_use.row_fec || st.in_use.column_fec;
    const auto result = !rtp  ? fec::FlexFecEncodeResult::not_rtp
                        : fed ? st.engine->add(map.span())
                              : fec::FlexFecEncodeResult::ok;
    if (result == fec::FlexFecEncodeResult::ok) ++st.covered;
    switch (result) {
      case fec::FlexFecEncodeResult::ok:
        break;
      case fec::FlexFecEncodeResult::not_rtp:
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("The input is not RTP."),
                          ("rtpflexfecenc protects RTP packets: put it after an RTP payloader."));
        return GST_FLOW_ERROR;
      case fec::FlexFecEncodeResult::not_consecutive:
        GST_ELEMENT_ERROR(self, STREAM, FAILED,
                          ("An RTP sequence number does not follow the previous packet's."),
                          ("FlexFEC rows and columns are runs of consecutive packets: put the "
                           "encoder right after the payloader, with nothing between that drops "
                           "or reorders packets."));
        return GST_FLOW_ERROR;
      case fec::FlexFecEncodeResult::too_large:
        GST_ELEMENT_ERROR(self, STREAM, FAILED,
                          ("An RTP packet of %zu bytes is larger than the encoder takes (%zu after "
                           "the 12-byte header).",
                           map.span().size(), st.engine->config().max_payload),
                          ("Lower the payloader's mtu (1400 is the usual value)."));
        return GST_FLOW_ERROR;
    }
    while (auto r = st.engine->poll())
      if (n_out < out.size()) out[n_out++] = repair_buffer(*r, buffer);
  }
  if (!st.events_pushed) {
    push_fec_events(self);
    st.events_pushed = true;
  }
  GST_OBJECT_LOCK(self);
  self->repair_packets += n_out;
  GST_OBJECT_UNLOCK(self);
  const GstFlowReturn ret = gst_pad_push(self->srcpad, media.release());
  for (std::size_t i = 0; i < n_out; ++i) {
    if (st.on_src) {
      const GstFlowReturn r = gst_pad_push(self->srcpad, out[i]);
      if (r != GST_FLOW_OK) GST_DEBUG_OBJECT(self, "repair packet: %s", gst_flow_get_name(r));
      continue;
    }
    // FEC must not stop the media: an unlinked or failing 'fec' pad only warns.
    const GstFlowReturn r = gst_pad_push(self->fecpad, out[i]);
    if (r != GST_FLOW_OK && r != GST_FLOW_NOT_LINKED && r != GST_FLOW_FLUSHING)
      GST_WARNING_OBJECT(self->fecpad, "pushing a repair packet failed: %s", gst_flow_get_name(r));
  }
  return ret;
}

static void take_caps(EncState &st, GstEvent *event) {
  GstCaps *caps = nullptr;
  gst_event_parse_caps(event, &caps);
  const GstStructure *s = caps ? gst_caps_get_structure(caps, 0) : nullptr;
  if (!s) return;
  gint rate = 0;
  if (gst_structure_get_int(s, "clock-rate", &rate) && rate > 0) st.clock_rate = rate;
  if (const gchar *media = gst_structure_get_string(s, "media")) {
    g_free(st.media);
    st.media = g_strdup(media);
  }
}

static gboolean flexfecenc_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = SELF(parent);
  EncState &st = *self->state;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS:
      take_caps(st, event);
      if (st.events_pushed) push_fec_caps(self);  // a new clock-rate or media
      break;
    case GST_EVENT_SEGMENT: {
      GstSegment segment;
      gst_event_copy_segment(event, &segment);
      st.segment = segment;
      if (st.events_pushed) gst_pad_push_event(self->fecpad, gst_event_new_segment(&segment));
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      if (st.engine) st.engine->reset();
      st.covered = 0;
      [[fallthrough]];
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_EOS:
      if (st.events_pushed) gst_pad_push_event(self->fecpad, gst_event_ref(event));
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static GstIterator *flexfecenc_internal_links(GstPad *pad, GstObject *parent) {
  auto *self = SELF(parent);
  return srtrtp::fec_pads::single_link(pad == self->sinkpad ? self->srcpad : self->sinkpad);
}

static GstStateChangeReturn flexfecenc_change_state(GstElement *element,
                                                    GstStateChange transition) {
  auto *self = SELF(element);
  EncState &st = *self->state;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    fec::FlexFecEncoderConfig cfg;
    GST_OBJECT_LOCK(self);
    cfg.mode = static_cast<fec::FlexFecMode>(self->mode);
    cfg.columns = self->columns;
    cfg.rows = self->rows;
    cfg.row_fec = self->enable_row;
    cfg.column_fec = self->enable_column;
    cfg.payload_type = static_cast<std::uint8_t>(self->pt);
    cfg.ssrc = self->ssrc != 0 ? self->ssrc : g_random_int();
    st.on_src = self->fec_on_src;
    self->repair_packets = 0;
    GST_OBJECT_UNLOCK(self);
    cfg.first_sequence = static_cast<std::uint16_t>(g_random_int());
    if (const char *problem = fec::flexfec_config_problem(cfg)) {
      GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS,
                        ("FlexFEC cannot work with these settings: %s.", problem),
                        ("Set columns (L) and rows (D) to a geometry RFC 8627 allows: columns "
                         "1-255, rows 0 or 2-255, and for mode=flexible-mask a span of at most "
                         "110 packets; keep row or column FEC enabled."));
      return GST_STATE_CHANGE_FAILURE;
    }
    st.engine.emplace(cfg);
    st.base = cfg;
    st.in_use = configured(cfg);
    st.covered = 0;
    st.events_pushed = false;
    st.segment.reset();
  }
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_flexfec_enc_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) st.engine.reset();
  return ret;
}

static void flexfecenc_set_property(GObject *object, guint id, const GValue *value,
                                    GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->adaptive->set_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MODE:
      self->mode = g_value_get_enum(value);
      break;
    case PROP_COLUMNS:
      self->columns = g_value_get_uint(value);
      break;
    case PROP_ROWS:
      self->rows = g_value_get_uint(value);
      break;
    case PROP_ENABLE_ROW:
      self->enable_row = g_value_get_boolean(value);
      break;
    case PROP_ENABLE_COLUMN:
      self->enable_column = g_value_get_boolean(value);
      break;
    case PROP_PT:
      self->pt = g_value_get_int(value);
      break;
    case PROP_SSRC:
      self->ssrc = g_value_get_uint(value);
      break;
    case PROP_FEC_ON_SRC:
      self->fec_on_src = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void flexfecenc_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->adaptive->get_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MODE:
      g_value_set_enum(value, self->mode);
      break;
    case PROP_COLUMNS:
      g_value_set_uint(value, self->columns);
      break;
    case PROP_ROWS:
      g_value_set_uint(value, self->rows);
      break;
    case PROP_ENABLE_ROW:
      g_value_set_boolean(value, self->enable_row);
      break;
    case PROP_ENABLE_COLUMN:
      g_value_set_boolean(value, self->enable_column);
      break;
    case PROP_PT:
      g_value_set_int(value, self->pt);
      break;
    case PROP_SSRC:
      // The one in use once started (a random one when set to 0).
      g_value_set_uint(value,
                       self->state->engine ? self->state->engine->config().ssrc : self->ssrc);
      break;
    case PROP_FEC_ON_SRC:
      g_value_set_boolean(value, self->fec_on_src);
      break;
    case PROP_REPAIR_PACKETS:
      g_value_set_uint64(value, self->repair_packets);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void flexfecenc_dispose(GObject *object) {
  SELF(object)->adaptive->release_session();
  G_OBJECT_CLASS(gst_srt_rtp_flexfec_enc_parent_class)->dispose(object);
}

static void flexfecenc_finalize(GObject *object) {
  delete SELF(object)->adaptive;
  delete SELF(object)->state;
  G_OBJECT_CLASS(gst_srt_rtp_flexfec_enc_parent_class)->finalize(object);
}

static void gst_srt_rtp_flexfec_enc_class_init(GstSrtRtpFlexFecEncClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = flexfecenc_set_property;
  gobject_class->get_property = flexfecenc_get_property;
  gobject_class->dispose = flexfecenc_dispose;
  gobject_class->finalize = flexfecenc_finalize;
  element_class->change_state = flexfecenc_change_state;

  const auto ready = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode",
                        "How repair packets name what they protect: fixed L/D (F=1) or flexible "
                        "bitmasks (F=0, spans of at most 110 packets)",
                        flexfec_mode_get_type(), static_cast<gint>(fec::FlexFecMode::fixed),
                        ready));
  g_object_class_install_property(
      gobject_class, PROP_COLUMNS,
      g_param_spec_uint("columns", "Columns (L)",
                        "Packets per row: row FEC protects L consecutive packets, column FEC "
                        "every L-th",
                        1, 255, kDefaultColumns, ready));
  g_object_class_install_property(
      gobject_class, PROP_ROWS,
      g_param_spec_uint("rows", "Rows (D)",
                        "Packets per column (2-255), 0 for no column FEC (1-D row FEC)", 0, 255, 0,
                        ready));
  g_object_class_install_property(
      gobject_class, PROP_ENABLE_ROW,
      g_param_spec_boolean("enable-row-fec", "Enable row FEC",
                           "Send row FEC (off with rows > 0: 1-D column FEC)", TRUE, ready));
  g_object_class_install_property(
      gobject_class, PROP_ENABLE_COLUMN,
      g_param_spec_boolean("enable-column-fec", "Enable column FEC",
                           "Send column FEC when rows > 0", TRUE, ready));
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_int("pt", "Payload type", "Payload type of the repair packets", 96, 127,
                       kDefaultPt, ready));
  g_object_class_install_property(
      gobject_class, PROP_SSRC,
      g_param_spec_uint("ssrc", "SSRC",
                        "SSRC of the repair stream, 0 for a random one (reads back the one in "
                        "use)",
                        0, G_MAXUINT32, 0, ready));
  g_object_class_install_property(
      gobject_class, PROP_FEC_ON_SRC,
      g_param_spec_boolean("fec-on-src", "Repair packets on src",
                           "Send the repair stream interleaved on 'src' instead of on 'fec' "
                           "(one RTP session for both, as rtpbin's request-fec-encoder wants)",
                           FALSE, ready));
  g_object_class_install_property(
      gobject_class, PROP_REPAIR_PACKETS,
      g_param_spec_uint64("repair-packets", "Repair packets", "Repair packets sent so far", 0,
                          G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  // Ours only, as rtpulpfecenc2's.
  srtrtp::AdaptiveFec::install_properties(
      gobject_class, PROP_ADAPTIVE_FIRST,
      "rows of the longest L up to columns with L * level <= 100, or the configured columns "
      "when they cost no more and are enough; none at level 0; changed only at a matrix's end");

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_add_static_pad_template(element_class, &fec_template);
  gst_element_class_set_static_metadata(
      element_class, "FlexFEC encoder", "Codec/Encoder/Network/RTP",
      "Sends RFC 8627 FlexFEC repair packets for an RTP stream (srt-core)", srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(flexfecenc_debug, "rtpflexfecenc", 0, "FlexFEC encoder");
}

static void gst_srt_rtp_flexfec_enc_init(GstSrtRtpFlexFecEnc *self) {
  self->state = new EncState();
  EncState *st = self->state;
  self->adaptive = new srtrtp::AdaptiveFec(GST_ELEMENT(self), [st](guint32 ssrc) {
    return st->media_ssrc.load(std::memory_order_relaxed) == static_cast<gint64>(ssrc);
  });
  self->mode = static_cast<gint>(fec::FlexFecMode::fixed);
  self->columns = kDefaultColumns;
  self->rows = 0;
  self->enable_row = TRUE;
  self->enable_column = TRUE;
  self->pt = kDefaultPt;
  self->ssrc = 0;
  self->fec_on_src = FALSE;
  self->repair_packets = 0;
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  gst_pad_set_chain_function(self->sinkpad, flexfecenc_chain);
  gst_pad_set_event_function(self->sinkpad, flexfecenc_sink_event);
  gst_pad_set_iterate_internal_links_function(self->sinkpad, flexfecenc_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_use_fixed_caps(self->srcpad);
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_pad_set_iterate_internal_links_function(self->srcpad, flexfecenc_internal_links);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->fecpad = gst_pad_new_from_static_template(&fec_template, "fec");
  gst_pad_use_fixed_caps(self->fecpad);
  gst_element_add_pad(GST_ELEMENT(self), self->fecpad);
}
