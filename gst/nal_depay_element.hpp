// The shared layer of rtph264depay2 and rtph265depay2: state, properties
// (wait-for-keyframe, request-keyframe, max-fragmentation-unit-size), output
// negotiation, src caps with codec_data, packets in and buffers out around
// the srt-core NAL depayloader. What differs per codec comes from a small
// table type (see rtph264depay2.cpp, rtph265depay2.cpp):
//   Core, Config, OutputFormat          srt-core depayloader and its config
//   kElement, kDebugDescription, kLongName, kDescription, kSinkCaps, kSrcCaps
//   kWaitForKeyframeBlurb, kMaxFuSizeBlurb
//   kFormats                            stream-format names of length-prefixed outputs
//   read_caps(element, cat, caps, config)  packetization / DON fields; false: refused
//   set_sprops(element, core, caps)     parameter sets from the caps
//   add_stats(depacketizer stats, structure)  the counters only this codec has
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <vector>

#include "element_author.hpp"
#include "nal_depay_helpers.hpp"
#include "rtp/nal_depayloader.hpp"
#include "rtp_base_depay.hpp"

namespace srtrtp {

template <typename Codec>
class NalDepay {
 public:
  struct State;
  // The instance struct of each codec's element (G_DEFINE_TYPE names it).
  struct Instance {
    GstSrtRtpBaseDepay parent;
    State *state;
  };
  struct Class {
    GstSrtRtpBaseDepayClass parent_class;
  };

  static void class_init(gpointer klass);
  static void instance_init(Instance *self) { self->state = new State(); }

 private:
  using Core = typename Codec::Core;
  using Config = typename Codec::Config;
  using OutputFormat = typename Codec::OutputFormat;
  using Alignment = srtcore::rtp::nal::Alignment;
  using DepayOutput = srtcore::rtp::nal::DepayOutput;
  enum { PROP_0, PROP_WAIT_FOR_KEYFRAME, PROP_REQUEST_KEYFRAME, PROP_MAX_FU_SIZE };
  static constexpr guint kDefaultMaxFuSize = 4u << 20;

  struct Settings {
    bool wait_for_keyframe = false;
    bool request_keyframe = false;
    guint max_fu_size = kDefaultMaxFuSize;
  };

 public:
  struct State {
    std::mutex lock;  // guards settings
    Settings settings;

    Core core{Config{}};
    Config config;
    bool caps_sent = false;
    guint64 dropped_no_codec_data = 0;
    guint64 keyframe_requests = 0;
  };

 private:
  static inline GstDebugCategory *cat = nullptr;
  static inline gpointer parent_class = nullptr;

  static Instance *self_of(gpointer obj) { return static_cast<Instance *>(obj); }
  static const char *format_name(OutputFormat f);
  static void negotiate_output(Instance *self, Config &cfg);
  static gboolean set_caps(GstSrtRtpBaseDepay *base, GstCaps *caps);
  static bool ensure_src_caps(Instance *self);
  static void output(Instance *self, const DepayOutput &out);
  static void maybe_request_keyframe(Instance *self);
  static GstFlowReturn handle_packet(GstSrtRtpBaseDepay *base, const RtpPacketIn *packet);
  static GstFlowReturn drain(GstSrtRtpBaseDepay *base);
  static void flush(GstSrtRtpBaseDepay *base);
  static void add_stats(GstSrtRtpBaseDepay *base, GstStructure *st);
  static void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec);
  static void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec);
  static void finalize(GObject *object);
};

template <typename Codec>
const char *NalDepay<Codec>::format_name(OutputFormat f) {
  for (const auto &entry : Codec::kFormats)
    if (entry.format == f) return entry.name;
  return "byte-stream";
}

// First choice downstream accepts, as rtph264depay/rtph265depay negotiate.
template <typename Codec>
void NalDepay<Codec>::negotiate_output(Instance *self, Config &cfg) {
  cfg.format = OutputFormat::kByteStream;
  cfg.alignment = Alignment::kAu;
  GstCaps *allowed = gst_pad_get_allowed_caps(gst_srt_rtp_base_depay_src_pad(&self->parent));
  if (!allowed) return;
  if (!gst_caps_is_empty(allowed) && !gst_caps_is_any(allowed)) {
    GstCaps *fixed = gst_caps_fixate(gst_caps_ref(allowed));
    const GstStructure *st = gst_caps_get_structure(fixed, 0);
    const gchar *format = gst_structure_get_string(st, "stream-format");
    for (const auto &entry : Codec::kFormats)
      if (g_strcmp0(format, entry.name) == 0) cfg.format = entry.format;
    if (g_strcmp0(gst_structure_get_string(st, "alignment"), "nal") == 0)
      cfg.alignment = Alignment::kNal;
    gst_caps_unref(fixed);
  }
  gst_caps_unref(allowed);
}

template <typename Codec>
gboolean NalDepay<Codec>::set_caps(GstSrtRtpBaseDepay *base, GstCaps *caps) {
  auto *self = self_of(base);
  State &s = *self->state;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  Config cfg;
  {
    std::lock_guard guard(s.lock);
    cfg.wait_for_keyframe = s.settings.wait_for_keyframe;
    cfg.max_fu_size = s.settings.max_fu_size;
  }
  if (!Codec::read_caps(GST_ELEMENT(self), cat, st, cfg)) return FALSE;
  negotiate_output(self, cfg);
  s.config = cfg;
  s.core.configure(cfg);
  Codec::set_sprops(GST_ELEMENT(self), s.core, st);
  s.caps_sent = false;
  return TRUE;
}

template <typename Codec>
bool NalDepay<Codec>::ensure_src_caps(Instance *self) {
  State &s = *self->state;
  const bool lengths = s.config.format != OutputFormat::kByteStream;
  const bool changed = s.core.take_codec_data_changed();
  if (s.caps_sent && !(lengths && changed)) return true;
  if (lengths && !s.core.has_codec_data()) return false;
  GstCaps *caps = gst_caps_new_simple(
      Codec::kMediaType, "stream-format", G_TYPE_STRING, format_name(s.config.format), "alignment",
      G_TYPE_STRING, s.config.alignment == Alignment::kNal ? "nal" : "au", nullptr);
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

template <typename Codec>
void NalDepay<Codec>::output(Instance *self, const DepayOutput &out) {
  State &s = *self->state;
  if (!ensure_src_caps(self)) {
    // Length-prefixed output needs codec_data: nothing decodable goes out
    // before the parameter sets.
    ++s.dropped_no_codec_data;
    gst_srt_rtp_base_depay_mark_discont(&self->parent);
    return;
  }
  GstBuffer *buf = wrap_output(s.core, out);
  if (!out.keyframe) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (out.au_end) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_MARKER);
  if (out.discont) gst_srt_rtp_base_depay_mark_discont(&self->parent);
  gst_srt_rtp_base_depay_push(&self->parent, buf, out.rtp_timestamp);
}

template <typename Codec>
void NalDepay<Codec>::maybe_request_keyframe(Instance *self) {
  State &s = *self->state;
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

template <typename Codec>
GstFlowReturn NalDepay<Codec>::handle_packet(GstSrtRtpBaseDepay *base, const RtpPacketIn *packet) {
  auto *self = self_of(base);
  State &s = *self->state;
  const auto r =
      s.core.push(packet->payload, packet->timestamp, packet->marker, packet->lost_before,
                  [self](const DepayOutput &out) { output(self, out); });
  if (r == srtcore::rtp::nal::DepayResult::kDropped)
    GST_CAT_WARNING_OBJECT(cat, self,
                           "dropped a malformed packet (seq %u, %" G_GSIZE_FORMAT " bytes)",
                           packet->sequence, packet->payload.size());
  maybe_request_keyframe(self);
  return GST_FLOW_OK;
}

template <typename Codec>
GstFlowReturn NalDepay<Codec>::drain(GstSrtRtpBaseDepay *base) {
  auto *self = self_of(base);
  self->state->core.drain([self](const DepayOutput &out) { output(self, out); });
  return GST_FLOW_OK;
}

template <typename Codec>
void NalDepay<Codec>::flush(GstSrtRtpBaseDepay *base) {
  self_of(base)->state->core.reset();
}

template <typename Codec>
void NalDepay<Codec>::add_stats(GstSrtRtpBaseDepay *base, GstStructure *st) {
  const State &s = *self_of(base)->state;
  const srtcore::rtp::nal::DepayloaderStats &c = s.core.stats();
  const srtcore::rtp::nal::DepacketizerStats &d = c.depacketizer;
  gst_structure_set(
      st, "nal-units", G_TYPE_UINT64, d.nal_units, "access-units", G_TYPE_UINT64, c.access_units,
      "malformed-packets", G_TYPE_UINT64, d.malformed(), "dropped-truncated", G_TYPE_UINT64,
      d.dropped_truncated, "dropped-bad-aggregate", G_TYPE_UINT64, d.dropped_bad_aggregate,
      "dropped-fu-without-start", G_TYPE_UINT64, d.dropped_fu_without_start,
      "dropped-fu-start-and-end", G_TYPE_UINT64, d.dropped_fu_start_and_end,
      "dropped-fu-incomplete", G_TYPE_UINT64, d.dropped_fu_incomplete, "dropped-fu-too-large",
      G_TYPE_UINT64, d.dropped_fu_too_large, "dropped-reserved-type", G_TYPE_UINT64,
      d.dropped_reserved_type, "dropped-empty", G_TYPE_UINT64, d.dropped_empty, "dropped-late-don",
      G_TYPE_UINT64, c.reorder.late, "dropped-waiting-keyframe", G_TYPE_UINT64,
      c.dropped_waiting_keyframe, "dropped-no-codec-data", G_TYPE_UINT64, s.dropped_no_codec_data,
      "parameter-set-insertions", G_TYPE_UINT64, c.param_set_insertions, "keyframe-requests",
      G_TYPE_UINT64, s.keyframe_requests, nullptr);
  Codec::add_stats(d, st);
}

template <typename Codec>
void NalDepay<Codec>::set_property(GObject *object, guint id, const GValue *value,
                                   GParamSpec *pspec) {
  State &s = *self_of(object)->state;
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

template <typename Codec>
void NalDepay<Codec>::get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  State &s = *self_of(object)->state;
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

template <typename Codec>
void NalDepay<Codec>::finalize(GObject *object) {
  delete self_of(object)->state;
  self_of(object)->state = nullptr;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

template <typename Codec>
void NalDepay<Codec>::class_init(gpointer klass) {
  parent_class = g_type_class_peek_parent(klass);
  GST_DEBUG_CATEGORY_INIT(cat, Codec::kElement, 0, Codec::kDebugDescription);
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *depay_class = static_cast<GstSrtRtpBaseDepayClass *>(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  depay_class->set_caps = set_caps;
  depay_class->handle_packet = handle_packet;
  depay_class->drain = drain;
  depay_class->flush = flush;
  depay_class->add_stats = add_stats;

  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(gobject_class, PROP_WAIT_FOR_KEYFRAME,
                                  g_param_spec_boolean("wait-for-keyframe", "Wait for Keyframe",
                                                       Codec::kWaitForKeyframeBlurb, FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_REQUEST_KEYFRAME,
      g_param_spec_boolean("request-keyframe", "Request Keyframe",
                           "Request a new keyframe upstream when data was lost", FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_FU_SIZE,
      g_param_spec_uint("max-fragmentation-unit-size", "Maximum fragmentation unit size",
                        Codec::kMaxFuSizeBlurb, 1024, G_MAXINT32, kDefaultMaxFuSize, rw));

  static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
      "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(Codec::kSinkCaps));
  static GstStaticPadTemplate src_template =
      GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(Codec::kSrcCaps));
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, Codec::kLongName,
                                        "Codec/Depayloader/Network/RTP", Codec::kDescription,
                                        srtrtp::kElementAuthor);
}

}  // namespace srtrtp
