// rtph264depay2: RTP to H.264 (RFC 6184, all packetization modes, including
// interleaved mode with DON ordering). A drop-in for rtph264depay; the
// bitstream work is srt-core's.
#include <gst/gst.h>

#include <mutex>
#include <optional>
#include <vector>

#include "elements.hpp"
#include "nal_depay_helpers.hpp"
#include "rtp/h264_depayloader.hpp"
#include "rtp_base_depay.hpp"

GST_DEBUG_CATEGORY_STATIC(h264depay2_debug);
#define GST_CAT_DEFAULT h264depay2_debug

namespace h264 = srtcore::rtp::h264;

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

  h264::Depayloader core{h264::DepayloaderConfig{}};
  h264::DepayloaderConfig config;
  bool caps_sent = false;
  guint64 dropped_no_codec_data = 0;
  guint64 keyframe_requests = 0;
};

}  // namespace

struct GstSrtRtpH264Depay2 {
  GstSrtRtpBaseDepay parent;
  DepayState *state;
};
struct GstSrtRtpH264Depay2Class {
  GstSrtRtpBaseDepayClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpH264Depay2, gst_srt_rtp_h264_depay2, GST_TYPE_SRT_RTP_BASE_DEPAY)
GST_ELEMENT_REGISTER_DEFINE(rtph264depay2, "rtph264depay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_h264_depay2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpH264Depay2 *>(obj))

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) video, clock-rate = (int) 90000, "
                    "encoding-name = (string) H264"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-h264, stream-format = (string) avc, alignment = (string) { au, nal }; "
                    "video/x-h264, stream-format = (string) byte-stream, "
                    "alignment = (string) { nal, au }"));

// First choice downstream accepts, as rtph264depay negotiates.
static void negotiate_output(GstSrtRtpH264Depay2 *self, h264::DepayloaderConfig &cfg) {
  cfg.format = h264::OutputFormat::kByteStream;
  cfg.alignment = h264::Alignment::kAu;
  GstCaps *allowed = gst_pad_get_allowed_caps(gst_srt_rtp_base_depay_src_pad(&self->parent));
  if (!allowed) return;
  if (!gst_caps_is_empty(allowed) && !gst_caps_is_any(allowed)) {
    GstCaps *fixed = gst_caps_fixate(gst_caps_ref(allowed));
    const GstStructure *st = gst_caps_get_structure(fixed, 0);
    if (g_strcmp0(gst_structure_get_string(st, "stream-format"), "avc") == 0)
      cfg.format = h264::OutputFormat::kAvc;
    if (g_strcmp0(gst_structure_get_string(st, "alignment"), "nal") == 0)
      cfg.alignment = h264::Alignment::kNal;
    gst_caps_unref(fixed);
  }
  gst_caps_unref(allowed);
}

static gboolean depay_set_caps(GstSrtRtpBaseDepay *base, GstCaps *caps) {
  auto *self = SELF(base);
  DepayState &s = *self->state;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  h264::DepayloaderConfig cfg;
  {
    std::lock_guard guard(s.lock);
    cfg.wait_for_keyframe = s.settings.wait_for_keyframe;
    cfg.max_fu_size = s.settings.max_fu_size;
  }
  const guint mode = srtrtp::caps_uint(st, "packetization-mode").value_or(0);
  if (mode > 2) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Unknown H.264 packetization-mode %u.", mode),
                      ("RFC 6184 defines packetization-mode 0, 1 and 2; check the SDP"));
    return FALSE;
  }
  cfg.mode = static_cast<h264::PacketizationMode>(mode);
  if (cfg.mode == h264::PacketizationMode::kInterleaved) {
    if (auto v = srtrtp::caps_uint(st, "sprop-interleaving-depth"))
      cfg.deinterleave.interleaving_depth = *v;
    else
      GST_WARNING_OBJECT(self, "interleaved mode without sprop-interleaving-depth, using %u",
                         cfg.deinterleave.interleaving_depth);
    if (auto v = srtrtp::caps_uint(st, "sprop-max-don-diff")) cfg.deinterleave.max_don_diff = *v;
    if (auto v = srtrtp::caps_uint(st, "sprop-deint-buf-req")) cfg.deinterleave.deint_buf_req = *v;
  }
  negotiate_output(self, cfg);
  s.config = cfg;
  s.core.configure(cfg);
  if (const gchar *sprop = gst_structure_get_string(st, "sprop-parameter-sets")) {
    if (!s.core.set_sprop_parameter_sets(sprop))
      GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("Invalid sprop-parameter-sets in the caps."),
                          ("Could not use all of \"%s\"; waiting for in-band SPS/PPS", sprop));
  }
  s.caps_sent = false;
  return TRUE;
}

static bool ensure_src_caps(GstSrtRtpH264Depay2 *self) {
  DepayState &s = *self->state;
  const bool avc = s.config.format == h264::OutputFormat::kAvc;
  const bool changed = s.core.take_codec_data_changed();
  if (s.caps_sent && !(avc && changed)) return true;
  if (avc && !s.core.has_codec_data()) return false;
  GstCaps *caps = gst_caps_new_simple(
      "video/x-h264", "stream-format", G_TYPE_STRING, avc ? "avc" : "byte-stream", "alignment",
      G_TYPE_STRING, s.config.alignment == h264::Alignment::kNal ? "nal" : "au", nullptr);
  if (avc) {
    const std::vector<std::uint8_t> cd = s.core.codec_data();
    GstBuffer *buf = gst_buffer_new_memdup(cd.data(), cd.size());
    gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, buf, nullptr);
    gst_buffer_unref(buf);
  }
  s.caps_sent = gst_srt_rtp_base_depay_set_src_caps(&self->parent, caps);
  gst_caps_unref(caps);
  return s.caps_sent;
}

static void output(GstSrtRtpH264Depay2 *self, const h264::DepayOutput &out) {
  DepayState &s = *self->state;
  if (!ensure_src_caps(self)) {
    // avc needs codec_data: nothing decodable can go out before SPS and PPS.
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

static void maybe_request_keyframe(GstSrtRtpH264Depay2 *self) {
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
  const h264::DepayResult r =
      s.core.push(packet->payload, packet->timestamp, packet->marker, packet->lost_before,
                  [self](const h264::DepayOutput &out) { output(self, out); });
  if (r == h264::DepayResult::kDropped)
    GST_WARNING_OBJECT(self, "dropped a malformed packet (seq %u, %" G_GSIZE_FORMAT " bytes)",
                       packet->sequence, packet->payload.size());
  maybe_request_keyframe(self);
  return GST_FLOW_OK;
}

static GstFlowReturn depay_drain(GstSrtRtpBaseDepay *base) {
  auto *self = SELF(base);
  self->state->core.drain([self](const h264::DepayOutput &out) { output(self, out); });
  return GST_FLOW_OK;
}

static void depay_flush(GstSrtRtpBaseDepay *base) {
  SELF(base)->state->core.reset();
}

static void depay_add_stats(GstSrtRtpBaseDepay *base, GstStructure *st) {
  const DepayState &s = *SELF(base)->state;
  const h264::DepayloaderStats &c = s.core.stats();
  const h264::DepacketizerStats &d = c.depacketizer;
  gst_structure_set(
      st, "nal-units", G_TYPE_UINT64, d.nal_units, "access-units", G_TYPE_UINT64, c.access_units,
      "malformed-packets", G_TYPE_UINT64, d.malformed(), "dropped-truncated", G_TYPE_UINT64,
      d.dropped_truncated, "dropped-bad-aggregate", G_TYPE_UINT64, d.dropped_bad_aggregate,
      "dropped-fu-without-start", G_TYPE_UINT64, d.dropped_fu_without_start,
      "dropped-fu-start-and-end", G_TYPE_UINT64, d.dropped_fu_start_and_end,
      "dropped-fu-incomplete", G_TYPE_UINT64, d.dropped_fu_incomplete, "dropped-fu-too-large",
      G_TYPE_UINT64, d.dropped_fu_too_large, "dropped-reserved-type", G_TYPE_UINT64,
      d.dropped_reserved_type, "dropped-empty", G_TYPE_UINT64, d.dropped_empty,
      "dropped-wrong-mode", G_TYPE_UINT64, d.dropped_wrong_mode, "dropped-late-don", G_TYPE_UINT64,
      c.reorder.late, "dropped-waiting-keyframe", G_TYPE_UINT64, c.dropped_waiting_keyframe,
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
  G_OBJECT_CLASS(gst_srt_rtp_h264_depay2_parent_class)->finalize(object);
}

static void gst_srt_rtp_h264_depay2_class_init(GstSrtRtpH264Depay2Class *klass) {
  GST_DEBUG_CATEGORY_INIT(h264depay2_debug, "rtph264depay2", 0, "H.264 RTP depayloader");
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
                           "Wait for the next keyframe after packet loss, and at start", FALSE,
                           rw));
  g_object_class_install_property(
      gobject_class, PROP_REQUEST_KEYFRAME,
      g_param_spec_boolean("request-keyframe", "Request Keyframe",
                           "Request a new keyframe upstream when data was lost", FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_FU_SIZE,
      g_param_spec_uint("max-fragmentation-unit-size", "Maximum fragmentation unit size",
                        "Largest NAL unit, in bytes, rebuilt from FU-A/FU-B fragments; larger "
                        "ones are dropped (bounds memory on hostile input)",
                        1024, G_MAXINT32, kDefaultMaxFuSize, rw));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP H264 depayloader (srtrtp)", "Codec/Depayloader/Network/RTP",
      "Extracts H264 video from RTP packets (RFC 6184), including interleaved mode",
      "srtrtp project");
}

static void gst_srt_rtp_h264_depay2_init(GstSrtRtpH264Depay2 *self) {
  self->state = new DepayState();
}
