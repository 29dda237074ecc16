// Shared payloader base: properties and behaviour of GstRTPBasePayload that
// users rely on, with a faster output path (one allocation per packet,
// headers written in place, buffer lists).
#include "rtp_base_pay.hpp"

#include <gst/video/video.h>

#include <cstring>
#include <new>

#include "rtp/rtp_header.hpp"

GST_DEBUG_CATEGORY_STATIC(base_pay_debug);
#define GST_CAT_DEFAULT base_pay_debug

namespace {

constexpr guint kDefaultMtu = 1400;
constexpr guint kDefaultPt = 96;
constexpr guint kRandom = G_MAXUINT32;  // -1 on the command line: pick at random

enum {
  PROP_0,
  PROP_MTU,
  PROP_PT,
  PROP_SSRC,
  PROP_TIMESTAMP_OFFSET,
  PROP_SEQNUM_OFFSET,
  PROP_TIMESTAMP,
  PROP_SEQNUM,
  PROP_STATS,
};

// C++ state behind the plain GObject struct.
struct BasePayState {
  // Properties as set
  guint mtu = kDefaultMtu;
  guint pt = kDefaultPt;
  guint ssrc_prop = kRandom;
  guint ts_offset_prop = kRandom;
  gint seqnum_offset_prop = -1;

  // Values in use
  guint32 ssrc = 0;
  guint32 ts_offset = 0;
  guint16 seqnum_offset = 0;
  guint16 seqnum = 0;
  guint32 last_rtp_time = 0;
  guint clock_rate = 0;
  GstSegment segment{};
  bool discont = true;
  bool need_init = true;  // pick ssrc/offsets at the first caps, after properties are final
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  guint64 packets = 0;
  guint64 bytes = 0;
};

}  // namespace

struct GstSrtRtpBasePayPrivate {
  BasePayState *state;
  GstPad *sinkpad;
  GstPad *srcpad;
};

// Written out instead of G_DEFINE_ABSTRACT_TYPE: instance_init needs the
// subclass's class (g_class) to find its pad templates.
static gpointer gst_srt_rtp_base_pay_parent_class = nullptr;
static gint gst_srt_rtp_base_pay_private_offset = 0;
static void gst_srt_rtp_base_pay_class_init(GstSrtRtpBasePayClass *klass);
static void gst_srt_rtp_base_pay_init(GTypeInstance *instance, gpointer g_class);

static void gst_srt_rtp_base_pay_class_intern_init(gpointer klass, gpointer) {
  gst_srt_rtp_base_pay_parent_class = g_type_class_peek_parent(klass);
  g_type_class_adjust_private_offset(klass, &gst_srt_rtp_base_pay_private_offset);
  gst_srt_rtp_base_pay_class_init(static_cast<GstSrtRtpBasePayClass *>(klass));
}

GType gst_srt_rtp_base_pay_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    const GTypeInfo info = {
        sizeof(GstSrtRtpBasePayClass), nullptr, nullptr, gst_srt_rtp_base_pay_class_intern_init, nullptr, nullptr,
        sizeof(GstSrtRtpBasePay), 0, gst_srt_rtp_base_pay_init, nullptr,
    };
    GType t = g_type_register_static(GST_TYPE_ELEMENT, "GstSrtRtpBasePay", &info, G_TYPE_FLAG_ABSTRACT);
    gst_srt_rtp_base_pay_private_offset = g_type_add_instance_private(t, sizeof(GstSrtRtpBasePayPrivate));
    g_once_init_leave(&type, t);
  }
  return type;
}

static GstSrtRtpBasePayPrivate *gst_srt_rtp_base_pay_get_instance_private(GstSrtRtpBasePay *self) {
  return static_cast<GstSrtRtpBasePayPrivate *>(G_STRUCT_MEMBER_P(self, gst_srt_rtp_base_pay_private_offset));
}

static GstSrtRtpBasePayPrivate *priv_of(GstSrtRtpBasePay *self) {
  return static_cast<GstSrtRtpBasePayPrivate *>(gst_srt_rtp_base_pay_get_instance_private(self));
}
static BasePayState &state_of(GstSrtRtpBasePay *self) { return *priv_of(self)->state; }

static void pick_random_values(BasePayState &s) {
  s.ssrc = s.ssrc_prop == kRandom ? g_random_int() : s.ssrc_prop;
  s.ts_offset = s.ts_offset_prop == kRandom ? g_random_int() : s.ts_offset_prop;
  s.seqnum_offset = s.seqnum_offset_prop < 0 ? static_cast<guint16>(g_random_int_range(0, 0x10000))
                                             : static_cast<guint16>(s.seqnum_offset_prop);
  s.seqnum = s.seqnum_offset;
  s.last_rtp_time = s.ts_offset;
  s.discont = true;
  s.packets = 0;
  s.bytes = 0;
  s.need_init = false;
}

gsize gst_srt_rtp_base_pay_max_payload(GstSrtRtpBasePay *self) {
  const guint mtu = state_of(self).mtu;
  return mtu > srtcore::rtp::kRtpHeaderSize ? mtu - srtcore::rtp::kRtpHeaderSize : 1;
}

guint32 gst_srt_rtp_base_pay_rtp_time(GstSrtRtpBasePay *self, GstClockTime pts) {
  BasePayState &s = state_of(self);
  if (!GST_CLOCK_TIME_IS_VALID(pts) || s.clock_rate == 0) return s.last_rtp_time;
  guint64 running = gst_segment_to_running_time(&s.segment, GST_FORMAT_TIME, pts);
  if (!GST_CLOCK_TIME_IS_VALID(running)) running = 0;
  const guint64 ticks = gst_util_uint64_scale_int(running, static_cast<gint>(s.clock_rate),
                                                  GST_SECOND);
  return s.ts_offset + static_cast<guint32>(ticks);
}

// Downstream may fix pt or ssrc in its caps (as with GstRTPBasePayload).
static void apply_peer_caps(GstSrtRtpBasePay *self) {
  BasePayState &s = state_of(self);
  GstCaps *peer = gst_pad_peer_query_caps(priv_of(self)->srcpad, nullptr);
  if (!peer) return;
  if (!gst_caps_is_empty(peer) && !gst_caps_is_any(peer)) {
    const GstStructure *st = gst_caps_get_structure(peer, 0);
    gint pt;
    guint ssrc;
    if (gst_structure_get_int(st, "payload", &pt) && pt >= 0 && pt <= 127)
      s.pt = static_cast<guint>(pt);
    if (gst_structure_get_uint(st, "ssrc", &ssrc)) s.ssrc = ssrc;
  }
  gst_caps_unref(peer);
}

gboolean gst_srt_rtp_base_pay_set_outcaps(GstSrtRtpBasePay *self, const gchar *media,
                                          guint clock_rate, const gchar *encoding_name,
                                          const GstStructure *extra) {
  BasePayState &s = state_of(self);
  if (s.need_init) pick_random_values(s);
  s.clock_rate = clock_rate;
  apply_peer_caps(self);
  GstCaps *caps = gst_caps_new_simple(
      "application/x-rtp", "media", G_TYPE_STRING, media, "clock-rate", G_TYPE_INT,
      static_cast<gint>(clock_rate), "encoding-name", G_TYPE_STRING, encoding_name, "payload",
      G_TYPE_INT, static_cast<gint>(s.pt), "ssrc", G_TYPE_UINT, s.ssrc, "timestamp-offset",
      G_TYPE_UINT, s.ts_offset, "seqnum-offset", G_TYPE_UINT, guint{s.seqnum_offset}, nullptr);
  if (extra) {
    GstStructure *st = gst_caps_get_structure(caps, 0);
    const gint n = gst_structure_n_fields(extra);
    for (gint i = 0; i < n; ++i) {
      const gchar *name = gst_structure_nth_field_name(extra, static_cast<guint>(i));
      gst_structure_set_value(st, name, gst_structure_get_value(extra, name));
    }
  }
  GstCaps *current = gst_pad_get_current_caps(priv_of(self)->srcpad);
  gboolean ok = TRUE;
  if (!current || !gst_caps_is_equal(current, caps)) {
    GST_DEBUG_OBJECT(self, "output caps %" GST_PTR_FORMAT, caps);
    ok = gst_pad_set_caps(priv_of(self)->srcpad, caps);
  }
  if (current) gst_caps_unref(current);
  gst_caps_unref(caps);
  return ok;
}

namespace srtrtp {

PayloadWriter::PayloadWriter(GstSrtRtpBasePay *pay, GstBuffer *input)
    : pay_(pay),
      pts_(GST_BUFFER_PTS(input)),
      rtp_time_(gst_srt_rtp_base_pay_rtp_time(pay, GST_BUFFER_PTS(input))) {
  BasePayState &s = state_of(pay);
  discont_ = s.discont || GST_BUFFER_IS_DISCONT(input);
}

PayloadWriter::PayloadWriter(GstSrtRtpBasePay *pay, GstClockTime pts)
    : pay_(pay), pts_(pts), rtp_time_(gst_srt_rtp_base_pay_rtp_time(pay, pts)) {
  discont_ = state_of(pay).discont;
}

PayloadWriter::~PayloadWriter() {
  if (current_) {
    gst_buffer_unmap(current_, &map_);
    gst_buffer_unref(current_);
  }
  if (list_) gst_buffer_list_unref(list_);
}

std::span<std::uint8_t> PayloadWriter::begin_packet(std::size_t payload_size) {
  const gsize total = srtcore::rtp::kRtpHeaderSize + payload_size;
  current_ = gst_buffer_new_allocate(nullptr, total, nullptr);
  if (!current_ || !gst_buffer_map(current_, &map_, GST_MAP_WRITE)) {
    // Out of memory is fatal in GLib anyway; keep the contract of a valid span.
    g_error("srtrtp: cannot allocate an RTP packet of %" G_GSIZE_FORMAT " bytes", total);
  }
  return {map_.data + srtcore::rtp::kRtpHeaderSize, payload_size};
}

void PayloadWriter::end_packet(bool marker) {
  BasePayState &s = state_of(pay_);
  srtcore::rtp::RtpHeader h;
  h.marker = marker;
  h.payload_type = static_cast<std::uint8_t>(s.pt);
  h.sequence = s.seqnum++;
  h.timestamp = rtp_time_;
  h.ssrc = s.ssrc;
  srtcore::rtp::write_rtp_header(map_.data, h);
  s.bytes += map_.size - srtcore::rtp::kRtpHeaderSize;
  ++s.packets;
  s.last_rtp_time = rtp_time_;
  gst_buffer_unmap(current_, &map_);
  GST_BUFFER_PTS(current_) = pts_;
  if (discont_) {
    GST_BUFFER_FLAG_SET(current_, GST_BUFFER_FLAG_DISCONT);
    discont_ = false;
  }
  if (marker) GST_BUFFER_FLAG_SET(current_, GST_BUFFER_FLAG_MARKER);
  if (!list_) list_ = gst_buffer_list_new_sized(16);
  gst_buffer_list_add(list_, current_);
  current_ = nullptr;
}

GstFlowReturn PayloadWriter::push() {
  if (!list_ || gst_buffer_list_length(list_) == 0) return GST_FLOW_OK;
  BasePayState &s = state_of(pay_);
  s.discont = false;
  s.last_pts = pts_;
  GstBufferList *list = list_;
  list_ = nullptr;
  return gst_pad_push_list(priv_of(pay_)->srcpad, list);
}

}  // namespace srtrtp

static GstFlowReturn base_pay_drain(GstSrtRtpBasePay *self) {
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  return klass->drain ? klass->drain(self) : GST_FLOW_OK;
}

static void base_pay_flush(GstSrtRtpBasePay *self) {
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  if (klass->flush) klass->flush(self);
  state_of(self).discont = true;
}

static void handle_force_key_unit(GstSrtRtpBasePay *self, GstEvent *event) {
  gboolean all_headers = FALSE;
  if (gst_video_event_is_force_key_unit(event)) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM)
      gst_video_event_parse_downstream_force_key_unit(event, nullptr, nullptr, nullptr,
                                                      &all_headers, nullptr);
    else
      gst_video_event_parse_upstream_force_key_unit(event, nullptr, &all_headers, nullptr);
    auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
    if (klass->force_key_unit) klass->force_key_unit(self, all_headers);
  }
}

static gboolean base_pay_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = GST_SRT_RTP_BASE_PAY(parent);
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  BasePayState &s = state_of(self);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps(event, &caps);
      base_pay_drain(self);
      const gboolean ok = klass->set_caps(self, caps);
      if (!ok)
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Cannot use the input caps."),
                          ("%s rejected caps %" GST_PTR_FORMAT
                           "; check the upstream element's output format",
                           GST_ELEMENT_NAME(self), caps));
      gst_event_unref(event);
      return ok;
    }
    case GST_EVENT_SEGMENT: {
      const GstSegment *seg;
      gst_event_parse_segment(event, &seg);
      if (seg->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Input segment is not in time format."),
                          ("Put a parser (e.g. h264parse) before %s", GST_ELEMENT_NAME(self)));
        gst_event_unref(event);
        return FALSE;
      }
      base_pay_drain(self);
      gst_segment_copy_into(seg, &s.segment);
      break;
    }
    case GST_EVENT_EOS:
      base_pay_drain(self);
      break;
    case GST_EVENT_FLUSH_STOP:
      base_pay_flush(self);
      gst_segment_init(&s.segment, GST_FORMAT_TIME);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      handle_force_key_unit(self, event);
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static gboolean base_pay_src_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = GST_SRT_RTP_BASE_PAY(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM) handle_force_key_unit(self, event);
  return gst_pad_event_default(pad, parent, event);
}

static GstFlowReturn base_pay_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = GST_SRT_RTP_BASE_PAY(parent);
  if (!gst_pad_has_current_caps(priv_of(self)->srcpad)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No input caps before the first buffer."),
                      ("Upstream must send caps before data to %s", GST_ELEMENT_NAME(self)));
    gst_buffer_unref(buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  return GST_SRT_RTP_BASE_PAY_GET_CLASS(self)->handle_buffer(self, buffer);
}

static GstStructure *make_stats(GstSrtRtpBasePay *self) {
  BasePayState &s = state_of(self);
  GstClockTime running = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID(s.last_pts))
    running = gst_segment_to_running_time(&s.segment, GST_FORMAT_TIME, s.last_pts);
  GstStructure *st = gst_structure_new(
      "application/x-rtp-payload-stats", "clock-rate", G_TYPE_UINT, s.clock_rate, "running-time",
      G_TYPE_UINT64, running, "seqnum", G_TYPE_UINT, guint{s.seqnum}, "timestamp", G_TYPE_UINT,
      s.last_rtp_time, "ssrc", G_TYPE_UINT, s.ssrc, "pt", G_TYPE_UINT, s.pt, "seqnum-offset",
      G_TYPE_UINT, guint{s.seqnum_offset}, "timestamp-offset", G_TYPE_UINT, s.ts_offset,
      "packets-sent", G_TYPE_UINT64, s.packets, "payload-bytes-sent", G_TYPE_UINT64, s.bytes,
      nullptr);
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  if (klass->add_stats) klass->add_stats(self, st);
  return st;
}

static void base_pay_set_property(GObject *object, guint id, const GValue *value,
                                  GParamSpec *pspec) {
  BasePayState &s = state_of(GST_SRT_RTP_BASE_PAY(object));
  GST_OBJECT_LOCK(object);
  switch (id) {
    case PROP_MTU:
      s.mtu = g_value_get_uint(value);
      break;
    case PROP_PT:
      s.pt = g_value_get_uint(value);
      break;
    case PROP_SSRC:
      s.ssrc_prop = g_value_get_uint(value);
      s.ssrc = s.ssrc_prop == kRandom ? g_random_int() : s.ssrc_prop;
      break;
    case PROP_TIMESTAMP_OFFSET:
      s.ts_offset_prop = g_value_get_uint(value);
      break;
    case PROP_SEQNUM_OFFSET:
      s.seqnum_offset_prop = g_value_get_int(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(object);
}

static void base_pay_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_SRT_RTP_BASE_PAY(object);
  BasePayState &s = state_of(self);
  switch (id) {
    case PROP_MTU:
      g_value_set_uint(value, s.mtu);
      break;
    case PROP_PT:
      g_value_set_uint(value, s.pt);
      break;
    case PROP_SSRC:
      g_value_set_uint(value, s.ssrc_prop);
      break;
    case PROP_TIMESTAMP_OFFSET:
      g_value_set_uint(value, s.ts_offset_prop);
      break;
    case PROP_SEQNUM_OFFSET:
      g_value_set_int(value, s.seqnum_offset_prop);
      break;
    case PROP_TIMESTAMP:
      g_value_set_uint(value, s.last_rtp_time);
      break;
    case PROP_SEQNUM:
      g_value_set_uint(value, s.seqnum);
      break;
    case PROP_STATS:
      g_value_take_boxed(value, make_stats(self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static GstStateChangeReturn base_pay_change_state(GstElement *element,
                                                  GstStateChange transition) {
  auto *self = GST_SRT_RTP_BASE_PAY(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    BasePayState &s = state_of(self);
    s.need_init = true;
    gst_segment_init(&s.segment, GST_FORMAT_TIME);
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_base_pay_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) base_pay_flush(self);
  return ret;
}

static void base_pay_finalize(GObject *object) {
  auto *priv = priv_of(GST_SRT_RTP_BASE_PAY(object));
  delete priv->state;
  priv->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_base_pay_parent_class)->finalize(object);
}

static void gst_srt_rtp_base_pay_class_init(GstSrtRtpBasePayClass *klass) {
  GST_DEBUG_CATEGORY_INIT(base_pay_debug, "srtrtpbasepay", 0, "srtrtp payloader base");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->set_property = base_pay_set_property;
  gobject_class->get_property = base_pay_get_property;
  gobject_class->finalize = base_pay_finalize;
  GST_ELEMENT_CLASS(klass)->change_state = base_pay_change_state;

  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  constexpr auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_MTU,
      g_param_spec_uint("mtu", "MTU", "Maximum size of one RTP packet, header included", 28,
                        G_MAXUINT, kDefaultMtu, rw));
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_uint("pt", "payload type", "The payload type of the packets", 0, 0x7f,
                        kDefaultPt, rw));
  g_object_class_install_property(
      gobject_class, PROP_SSRC,
      g_param_spec_uint("ssrc", "SSRC", "The SSRC of the packets (default == random)", 0,
                        G_MAXUINT32, kRandom, rw));
  g_object_class_install_property(
      gobject_class, PROP_TIMESTAMP_OFFSET,
      g_param_spec_uint("timestamp-offset", "Timestamp Offset",
                        "Offset to add to all outgoing timestamps (default = random)", 0,
                        G_MAXUINT32, kRandom, rw));
  g_object_class_install_property(
      gobject_class, PROP_SEQNUM_OFFSET,
      g_param_spec_int("seqnum-offset", "Sequence number Offset",
                       "Offset to add to all outgoing seqnum (-1 = random)", -1, G_MAXUINT16, -1,
                       rw));
  g_object_class_install_property(
      gobject_class, PROP_TIMESTAMP,
      g_param_spec_uint("timestamp", "Timestamp", "The RTP timestamp of the last processed packet",
                        0, G_MAXUINT32, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_SEQNUM,
      g_param_spec_uint("seqnum", "Sequence number",
                        "The RTP sequence number of the last processed packet", 0, G_MAXUINT16,
                        0, ro));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics", "Various statistics", GST_TYPE_STRUCTURE, ro));
  gst_type_mark_as_plugin_api(GST_TYPE_SRT_RTP_BASE_PAY, static_cast<GstPluginAPIFlags>(0));
}

static void gst_srt_rtp_base_pay_init(GTypeInstance *instance, gpointer g_class) {
  auto *self = reinterpret_cast<GstSrtRtpBasePay *>(instance);
  auto *priv = priv_of(self);
  priv->state = new BasePayState();
  pick_random_values(*priv->state);
  gst_segment_init(&priv->state->segment, GST_FORMAT_TIME);

  auto *klass = GST_ELEMENT_CLASS(g_class);
  GstPadTemplate *sink_tmpl = gst_element_class_get_pad_template(klass, "sink");
  GstPadTemplate *src_tmpl = gst_element_class_get_pad_template(klass, "src");
  g_return_if_fail(sink_tmpl && src_tmpl);
  priv->sinkpad = gst_pad_new_from_template(sink_tmpl, "sink");
  gst_pad_set_chain_function(priv->sinkpad, base_pay_chain);
  gst_pad_set_event_function(priv->sinkpad, base_pay_sink_event);
  GST_PAD_SET_PROXY_ALLOCATION(priv->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), priv->sinkpad);

  priv->srcpad = gst_pad_new_from_template(src_tmpl, "src");
  gst_pad_set_event_function(priv->srcpad, base_pay_src_event);
  gst_pad_use_fixed_caps(priv->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), priv->srcpad);
}
