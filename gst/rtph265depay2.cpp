// rtph265depay2: RTP to H.265 (RFC 7798: single NAL unit, AP, FU and PACI
// packets, DONL/DOND with reordering by DON). A drop-in for rtph265depay;
// the bitstream work is srt-core's.
#include <gst/gst.h>

#include <mutex>
#include <optional>
#include <vector>

#include "elements.hpp"
#include "nal_depay_helpers.hpp"
#include "rtp/h265_depayloader.hpp"
#include "rtp_base_depay.hpp"

GST_DEBUG_CATEGORY_STATIC(h265depay2_debug);
#define GST_CAT_DEFAULT h265depay2_debug

namespace h265 = srtcore::rtp::h265;

namespace {

enum { PROP_0, PROP_WAIT_FOR_KEYFRAME, PROP_REQUEST_KEYFRAME, PROP_MAX_FU_SIZE };

constexpr guint kDefaultMaxFuSize = 4u << 20;

struct Settings {
  bool wait_for_keyframe = false;
  bool request_keyframe = false;
  guint max_fu_size = kDefaultMaxFuSize;
};

struct DepayState {
  std::mutex lock;  // guards settings
  Settings settings;

  h265::Depayloader core{h265::DepayloaderConfig{}};
  h265::DepayloaderConfig config;
  bool caps_sent = false;
  guint64 dropped_no_codec_data = 0;
  guint64 keyframe_requests = 0;
};

}  // namespace

struct GstSrtRtpH265Depay2 {
  GstSrtRtpBaseDepay parent;
  DepayState *state;
};
struct GstSrtRtpH265Depay2Class {
  GstSrtRtpBaseDepayClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpH265Depay2, gst_srt_rtp_h265_depay2, GST_TYPE_SRT_RTP_BASE_DEPAY)
GST_ELEMENT_REGISTER_DEFINE(rtph265depay2, "rtph265depay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_h265_depay2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpH265Depay2 *>(obj))

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) video, clock-rate = (int) 90000, "
                    "encoding-name = (string) H265"));

// hvc1 first, as rtph265depay: a decoder that takes anything gets codec_data.
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("video/x-h265, stream-format = (string) hvc1, "
                                            "alignment = (string) { au, nal }; "
                                            "video/x-h265, stream-format = (string) hev1, "
                                            "alignment = (string) { au, nal }; "
                                            "video/x-h265, stream-format = (string) byte-stream, "
                                            "alignment = (string) { nal, au }"));

static const char *format_name(h265::OutputFormat f) {
  switch (f) {
    case h265::OutputFormat::kHvc1:
      return "hvc1";
    case h265::OutputFormat::kHev1:
      return "hev1";
    case h265::OutputFormat::kByteStream:
      break;
  }
  return "byte-stream";
}

// First choice downstream accepts, as rtph265depay negotiates.
static void negotiate_output(GstSrtRtpH265Depay2 *self, h265::DepayloaderConfig &cfg) {
  cfg.format = h265::OutputFormat::kByteStream;
  cfg.alignment = h265::Alignment::kAu;
  GstCaps *allowed = gst_pad_get_allowed_caps(gst_srt_rtp_base_depay_src_pad(&self->parent));
  if (!allowed) return;
  if (!gst_caps_is_empty(allowed) && !gst_caps_is_any(allowed)) {
    GstCaps *fixed = gst_caps_fixate(gst_caps_ref(allowed));
    const GstStructure *st = gst_caps_get_structure(fixed, 0);
    const gchar *format = gst_structure_get_string(st, "stream-format");
    if (g_strcmp0(format, "hvc1") == 0) cfg.format = h265::OutputFormat::kHvc1;
    if (g_strcmp0(format, "hev1") == 0) cfg.format = h265::OutputFormat::kHev1;
    if (g_strcmp0(gst_structure_get_string(st, "alignment"), "nal") == 0)
      cfg.alignment = h265::Alignment::kNal;
    gst_caps_unref(fixed);
  }
  gst_caps_unref(allowed);
}

// RFC 7798 7.1: DONL/DOND are present iff sprop-max-don-diff > 0; the
// de-packetization buffer is bounded by sprop-depack-buf-nalus/-bytes.
static void configure_reorder(GstSrtRtpH265Depay2 *self, const GstStructure *st,
                              h265::DepayloaderConfig &cfg) {
  const guint max_don_diff = srtrtp::caps_uint(st, "sprop-max-don-diff").value_or(0);
  cfg.donl = max_don_diff > 0;
  if (!cfg.donl) return;
  cfg.reorder.max_don_diff = max_don_diff;
  if (auto v = srtrtp::caps_uint(st, "sprop-depack-buf-nalus"))
    cfg.reorder.interleaving_depth = *v;
  else
    GST_WARNING_OBJECT(self, "sprop-max-don-diff without sprop-depack-buf-nalus, using %u",
                       cfg.reorder.interleaving_depth);
  if (auto v = srtrtp::caps_uint(st, "sprop-depack-buf-bytes")) cfg.reorder.deint_buf_req = *v;
}

static gboolean depay_set_caps(GstSrtRtpBaseDepay *base, GstCaps *caps) {
  auto *self = SELF(base);
  DepayState &s = *self->state;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  h265::DepayloaderConfig cfg;
  {
    std::lock_guard guard(s.lock);
    cfg.wait_for_keyframe = s.settings.wait_for_keyframe;
    cfg.max_fu_size = s.settings.max_fu_size;
  }
  if (srtrtp::caps_uint(st, "sprop-max-don-diff").value_or(0) > 32767) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Invalid sprop-max-don-diff."),
                      ("RFC 7798 allows 0 to 32767; check the SDP"));
    return FALSE;
  }
  configure_reorder(self, st, cfg);
  negotiate_output(self, cfg);
  s.config = cfg;
  s.core.configure(cfg);
  for (const char *field : {"sprop-vps", "sprop-sps", "sprop-pps"}) {
    const gchar *sprop = gst_structure_get_string(st, field);
    if (sprop && !s.core.add_sprop(sprop))
      GST_ELEMENT_WARNING(
          self, STREAM, FORMAT, ("Invalid %s in the caps.", field),
          ("Could not use all of \"%s\"; waiting for in-band parameter sets", sprop));
  }
  s.caps_sent = false;
  return TRUE;
}

static bool ensure_src_caps(GstSrtRtpH265Depay2 *self) {
  DepayState &s = *self->state;
  const bool lengths = s.config.format != h265::OutputFormat::kByteStream;
  const bool changed = s.core.take_codec_data_changed();
  if (s.caps_sent && !(lengths && changed)) return true;
  if (lengths && !s.core.has_codec_data()) return false;
  GstCaps *caps = gst_caps_new_simple(
      "video/x-h265", "stream-format", G_TYPE_STRING, format_name(s.config.format), "alignment",
      G_TYPE_STRING, s.config.alignment == h265::Alignment::kNal ? "nal" : "au", nullptr);
  if (lengths) {
    const std::vector<std::uint8_t> cd = s.core.codec_data();
    GstBuffer *buf = gst_buffer_new_memdup(cd.data(), cd.size());
    gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, buf, nullptr);
    gst_buffer_unref(buf);
  }
  s.caps_sent = gst_srt_rtp_base_depay_set_src_caps(&self->parent, caps);
  gst_caps_unref(caps);
  return s.caps_sent;
}

static void output(GstSrtRtpH265Depay2 *self, const h265::DepayOutput &out) {
  DepayState &s = *self->state;
  if (!ensure_src_caps(self)) {
    // hvc1/hev1 need codec_data: nothing decodable goes out before VPS, SPS and PPS.
    ++s.dropped_no_codec_data;
    gst_srt_rtp_base_depay_mark_discont(&self->parent);
    return;
  }
  GstBuffer *buf = srtrtp::wrap_output(s.core, out);
  if (!out.keyframe) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (out.au_end) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_MARKER);
  if (out.discont) gst_srt_rtp_base_depay_mark_discont(&self->parent);
  gst_srt_rtp_base_depay_push(&self->parent, buf, out.rtp_timestamp);
}

static void maybe_request_keyframe(GstSrtRtpH265Depay2 *self) {
  DepayState &s = *self->state;
  if (!s.core.take_keyframe_request()) return;
  bool enabled;
  {
    std::lock_guard guard(s.lock);
    enabled = s.settings.request_keyframe;
  }
  if (!enabled) return;
  ++s.keyframe_requests;
  gst_srt_rtp_base_depay_request_keyframe(&self->parent);
}

static GstFlowReturn depay_handle_packet(GstSrtRtpBaseDepay *base,
                                         const srtrtp::RtpPacketIn *packet) {
  auto *self = SELF(base);
  DepayState &s = *self->state;
  const h265::DepayResult r =
      s.core.push(packet->payload, packet->timestamp, packet->marker, packet->lost_before,
                  [self](const h265::DepayOutput &out) { output(self, out); });
  if (r == h265::DepayResult::kDropped)
    GST_WARNING_OBJECT(self, "dropped a malformed packet (seq %u, %" G_GSIZE_FORMAT " bytes)",
                       packet->sequence, packet->payload.size());
  maybe_request_keyframe(self);
  return GST_FLOW_OK;
}

static GstFlowReturn depay_drain(GstSrtRtpBaseDepay *base) {
  auto *self = SELF(base);
  self->state->core.drain([self](const h265::DepayOutput &out) { output(self, out); });
  return GST_FLOW_OK;
}

static void depay_flush(GstSrtRtpBaseDepay *base) {
  SELF(base)->state->core.reset();
}

static void depay_add_stats(GstSrtRtpBaseDepay *base, GstStructure *st) {
  const DepayState &s = *SELF(base)->state;
  const h265::DepayloaderStats &c = s.core.stats();
  const h265::DepacketizerStats &d = c.depacketizer;
  gst_structure_set(
      st, "nal-units", G_TYPE_UINT64, d.nal_units, "access-units", G_TYPE_UINT64, c.access_units,
      "malformed-packets", G_TYPE_UINT64, d.malformed(), "paci-packets", G_TYPE_UINT64,
      d.paci_unwrapped, "dropped-truncated", G_TYPE_UINT64, d.dropped_truncated,
      "dropped-bad-aggregate", G_TYPE_UINT64, d.dropped_bad_aggregate, "dropped-fu-without-start",
      G_TYPE_UINT64, d.dropped_fu_without_start, "dropped-fu-start-and-end", G_TYPE_UINT64,
      d.dropped_fu_start_and_end, "dropped-fu-incomplete", G_TYPE_UINT64, d.dropped_fu_incomplete,
      "dropped-fu-too-large", G_TYPE_UINT64, d.dropped_fu_too_large, "dropped-reserved-type",
      G_TYPE_UINT64, d.dropped_reserved_type, "dropped-forbidden-bit", G_TYPE_UINT64,
      d.dropped_forbidden_bit, "dropped-tid-zero", G_TYPE_UINT64, d.dropped_tid_zero,
      "dropped-bad-paci", G_TYPE_UINT64, d.dropped_bad_paci, "dropped-empty", G_TYPE_UINT64,
      d.dropped_empty, "dropped-late-don", G_TYPE_UINT64, c.reorder.late,
      "dropped-waiting-keyframe", G_TYPE_UINT64, c.dropped_waiting_keyframe,
      "dropped-no-codec-data", G_TYPE_UINT64, s.dropped_no_codec_data, "parameter-set-insertions",
      G_TYPE_UINT64, c.param_set_insertions, "keyframe-requests", G_TYPE_UINT64,
      s.keyframe_requests, nullptr);
}

static void depay_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  DepayState &s = *SELF(object)->state;
  std::lock_guard guard(s.lock);
  switch (id) {
    case PROP_WAIT_FOR_KEYFRAME:
      s.settings.wait_for_keyframe = g_value_get_boolean(value);
      break;
    case PROP_REQUEST_KEYFRAME:
      s.settings.request_keyframe = g_value_get_boolean(value);
      break;
    case PROP_MAX_FU_SIZE:
      s.settings.max_fu_size = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void depay_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  DepayState &s = *SELF(object)->state;
  std::lock_guard guard(s.lock);
  switch (id) {
    case PROP_WAIT_FOR_KEYFRAME:
      g_value_set_boolean(value, s.settings.wait_for_keyframe);
      break;
    case PROP_REQUEST_KEYFRAME:
      g_value_set_boolean(value, s.settings.request_keyframe);
      break;
    case PROP_MAX_FU_SIZE:
      g_value_set_uint(value, s.settings.max_fu_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void depay_finalize(GObject *object) {
  delete SELF(object)->state;
  SELF(object)->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_h265_depay2_parent_class)->finalize(object);
}

static void gst_srt_rtp_h265_depay2_class_init(GstSrtRtpH265Depay2Class *klass) {
  GST_DEBUG_CATEGORY_INIT(h265depay2_debug, "rtph265depay2", 0, "H.265 RTP depayloader");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *depay_class = reinterpret_cast<GstSrtRtpBaseDepayClass *>(klass);
  gobject_class->set_property = depay_set_property;
  gobject_class->get_property = depay_get_property;
  gobject_class->finalize = depay_finalize;
  depay_class->set_caps = depay_set_caps;
  depay_class->handle_packet = depay_handle_packet;
  depay_class->drain = depay_drain;
  depay_class->flush = depay_flush;
  depay_class->add_stats = depay_add_stats;

  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_WAIT_FOR_KEYFRAME,
      g_param_spec_boolean("wait-for-keyframe", "Wait for Keyframe",
                           "Wait for the next keyframe (IRAP picture) after packet loss, and at "
                           "start",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_REQUEST_KEYFRAME,
      g_param_spec_boolean("request-keyframe", "Request Keyframe",
                           "Request a new keyframe upstream when data was lost", FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_FU_SIZE,
      g_param_spec_uint("max-fragmentation-unit-size", "Maximum fragmentation unit size",
                        "Largest NAL unit, in bytes, rebuilt from FU fragments; larger ones are "
                        "dropped (bounds memory on hostile input)",
                        1024, G_MAXINT32, kDefaultMaxFuSize, rw));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP H265 depayloader (srtrtp)", "Codec/Depayloader/Network/RTP",
      "Extracts H265 video from RTP packets (RFC 7798), including DONL and PACI packets",
      "srtrtp project");
}

static void gst_srt_rtp_h265_depay2_init(GstSrtRtpH265Depay2 *self) {
  self->state = new DepayState();
}
