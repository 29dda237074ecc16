// The shared layer of rtph264pay2 and rtph265pay2: state, properties
// (config-interval, aggregate-mode), caps handling, buffers in and packets
// out around the srt-core NAL payloader. What differs per codec comes from a
// small table type (see rtph264pay2.cpp, rtph265pay2.cpp):
//   Core                 the srt-core payloader (h264::Payloader, ...)
//   kElement, kEncodingName, kLongName, kDescription, kSinkCaps, kSrcCaps
//   kAggregateEnum, aggregate_values()   the aggregate-mode GEnum
//   kConfigIntervalNick, kConfigIntervalBlurb, kAggregateBlurb
//   kCodecDataName       "avcC", "hvcC"
//   length_prefixed(stream_format), set_codec_data(core, bytes)
//   add_caps_fields(core, extra)         SDP fields of the src caps
//   kSpropOverride       the deprecated sprop-parameter-sets property
//   kSinkConstraints     downstream RTP caps -> input profile/level (nal_sink_caps.hpp)
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>
#include <vector>

#include "buffer_bytes.hpp"
#include "element_author.hpp"
#include "nal_au_timing.hpp"
#include "nal_sink_caps.hpp"
#include "rtp/nal_payloader.hpp"
#include "rtp_base_pay.hpp"

namespace srtrtp {

template <typename Codec>
class NalPay {
 public:
  struct State;
  // The instance struct of each codec's element (G_DEFINE_TYPE names it).
  struct Instance {
    GstSrtRtpBasePay parent;
    State *state;
  };
  struct Class {
    GstSrtRtpBasePayClass parent_class;
  };

  static void class_init(gpointer klass);
  static void instance_init(Instance *self) { self->state = new State(); }

 private:
  using Core = typename Codec::Core;
  enum { PROP_0, PROP_CONFIG_INTERVAL, PROP_AGGREGATE_MODE, PROP_SPROP_PARAMETER_SETS };
  static constexpr int kDefaultConfigInterval = 0;
  static constexpr auto kDefaultAggregate = srtcore::rtp::nal::AggregateMode::kNone;

  struct Settings {
    int config_interval = kDefaultConfigInterval;
    srtcore::rtp::nal::AggregateMode aggregate = kDefaultAggregate;
    std::string sprop_override;  // deprecated sprop-parameter-sets property
  };

 public:
  struct State {
    std::mutex lock;  // guards settings and dirty
    Settings settings;
    bool dirty = true;

    // Streaming-thread state
    Core core{srtcore::rtp::nal::PayloaderConfig{}};
    bool au_aligned = true;
    GstClockTime last_pts = GST_CLOCK_TIME_NONE;
    // nal-aligned input: the access unit being sent and how its end is known
    NalAuTiming timing;
    gsize max_payload = 0;
    std::vector<guint8> scratch;  // input buffers of several memories
  };

 private:
  static inline GstDebugCategory *cat = nullptr;
  static inline gpointer parent_class = nullptr;

  static Instance *self_of(gpointer obj) { return static_cast<Instance *>(obj); }
  static GType aggregate_mode_get_type();
  static void apply_settings(Instance *self);
  static gboolean update_outcaps(Instance *self);
  static gboolean set_caps(GstSrtRtpBasePay *base, GstCaps *caps);
  static GstFlowReturn end_previous_au(Instance *self);
  static GstFlowReturn handle_buffer(GstSrtRtpBasePay *base, GstBuffer *buffer);
  static GstFlowReturn drain(GstSrtRtpBasePay *base);
  static void flush(GstSrtRtpBasePay *base);
  static void force_key_unit(GstSrtRtpBasePay *base, gboolean all_headers);
  static void add_stats(GstSrtRtpBasePay *base, GstStructure *st);
  static GstCaps *get_sink_caps(GstSrtRtpBasePay *base, GstCaps *filter);
  static void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec);
  static void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec);
  static void finalize(GObject *object);
};

template <typename Codec>
GType NalPay<Codec>::aggregate_mode_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static(Codec::kAggregateEnum, Codec::aggregate_values());
    g_once_init_leave(&type, t);
  }
  return type;
}

// Applies property changes in the streaming thread, between buffers.
template <typename Codec>
void NalPay<Codec>::apply_settings(Instance *self) {
  State &s = *self->state;
  const gsize max_payload = gst_srt_rtp_base_pay_max_payload(&self->parent);
  std::lock_guard guard(s.lock);
  if (!s.dirty && max_payload == s.max_payload) return;
  s.core.configure(srtcore::rtp::nal::PayloaderConfig{max_payload, s.settings.aggregate,
                                                      s.settings.config_interval});
  s.max_payload = max_payload;
  s.dirty = false;
}

template <typename Codec>
gboolean NalPay<Codec>::update_outcaps(Instance *self) {
  GstStructure *extra = gst_structure_new_empty("x");
  std::string sprop_override;
  {
    std::lock_guard guard(self->state->lock);
    sprop_override = self->state->settings.sprop_override;
  }
  Codec::add_caps_fields(self->state->core, sprop_override, extra);
  const gboolean ok =
      gst_srt_rtp_base_pay_set_outcaps(&self->parent, "video", 90000, Codec::kEncodingName, extra);
  gst_structure_free(extra);
  return ok;
}

template <typename Codec>
gboolean NalPay<Codec>::set_caps(GstSrtRtpBasePay *base, GstCaps *caps) {
  auto *self = self_of(base);
  State &s = *self->state;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  const gchar *format = gst_structure_get_string(st, "stream-format");
  const gchar *alignment = gst_structure_get_string(st, "alignment");
  const bool prefixed = Codec::length_prefixed(format);
  s.au_aligned = prefixed || g_strcmp0(alignment, "nal") != 0;
  s.timing.new_stream();  // whether it marks AUs is learnt again from its buffers
  s.core.set_input_marks_au(false);
  s.core.set_length_prefixed(prefixed);
  if (prefixed) {
    const GValue *v = gst_structure_get_value(st, "codec_data");
    if (!v || !GST_VALUE_HOLDS_BUFFER(v)) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s input without codec_data.", format),
                        ("stream-format=%s needs %s codec_data in the caps; put a parser before "
                         "%s or use stream-format=byte-stream",
                         format, Codec::kCodecDataName, GST_ELEMENT_NAME(self)));
      return FALSE;
    }
    GstMapInfo map;
    GstBuffer *cd = gst_value_get_buffer(v);
    if (!gst_buffer_map(cd, &map, GST_MAP_READ)) return FALSE;
    const bool ok = Codec::set_codec_data(s.core, srtcore::ByteSpan(map.data, map.size));
    gst_buffer_unmap(cd, &map);
    if (!ok) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Malformed %s codec_data.", Codec::kCodecDataName),
                        ("The %s record in the caps could not be parsed; check the muxer or "
                         "parser upstream of %s",
                         Codec::kCodecDataName, GST_ELEMENT_NAME(self)));
      return FALSE;
    }
  }
  s.core.take_caps_changed();
  return update_outcaps(self);
}

template <typename Codec>
GstCaps *NalPay<Codec>::get_sink_caps(GstSrtRtpBasePay *base, GstCaps *filter) {
  GstElement *element = GST_ELEMENT(base);
  GstPad *srcpad = gst_element_get_static_pad(element, "src");
  GstCaps *templ = gst_pad_template_get_caps(
      gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(element), "sink"));
  const char *media = gst_structure_get_name(gst_caps_get_structure(templ, 0));
  GstCaps *caps = nal_sink_caps(srcpad, templ, filter, media, Codec::kSinkConstraints);
  gst_caps_unref(templ);
  gst_object_unref(srcpad);
  return caps;
}

// Sends what the packetizer holds of the previous access unit, with its time.
template <typename Codec>
GstFlowReturn NalPay<Codec>::end_previous_au(Instance *self) {
  State &s = *self->state;
  PayloadWriter writer(&self->parent, s.timing.au_pts());
  s.core.flush(writer);
  return writer.push();
}

template <typename Codec>
GstFlowReturn NalPay<Codec>::handle_buffer(GstSrtRtpBasePay *base, GstBuffer *buffer) {
  auto *self = self_of(base);
  State &s = *self->state;
  apply_settings(self);
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  GstFlowReturn ret = GST_FLOW_OK;
  if (!s.au_aligned) {
    const NalAuTiming::Step step = s.timing.next(buffer);
    if (step.marks_learnt) s.core.set_input_marks_au(true);
    if (step.ends_previous) {
      ret = end_previous_au(self);
      s.timing.restart(pts);
    }
    pts = s.timing.au_pts();
  }
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref(buffer);
    return ret;
  }
  BufferBytes input(buffer, s.scratch);
  if (!input.ok()) {
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  const srtcore::ByteSpan data = input.span();
  const bool au_end = s.au_aligned || GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_MARKER);
  GST_CAT_LOG_OBJECT(cat, self,
                     "buffer of %" G_GSIZE_FORMAT " bytes, pts %" GST_TIME_FORMAT
                     ", access unit time %" GST_TIME_FORMAT "%s",
                     data.size(), GST_TIME_ARGS(GST_BUFFER_PTS(buffer)), GST_TIME_ARGS(pts),
                     au_end ? ", ends access unit" : "");
  const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  const std::int64_t time_ns =
      GST_CLOCK_TIME_IS_VALID(pts) ? static_cast<std::int64_t>(pts) : srtcore::rtp::nal::kNoTime;
  {
    PayloadWriter writer(base, buffer);
    writer.set_timing(pts, gst_srt_rtp_base_pay_rtp_time(base, pts));
    if (!s.core.push(data, au_end, time_ns, keyframe, writer))
      GST_CAT_WARNING_OBJECT(cat, self,
                             "malformed input buffer of %" G_GSIZE_FORMAT
                             " bytes: empty, or a NAL length overruns it (the rest is dropped)",
                             data.size());
    // New in-band parameter sets go into the caps before the packets carrying them.
    if (s.core.take_caps_changed() && !update_outcaps(self))
      ret = GST_FLOW_NOT_NEGOTIATED;  // the base posted the error
    else
      ret = writer.push();
  }
  s.last_pts = pts;
  if (au_end) s.timing.end_au();
  gst_buffer_unref(buffer);
  return ret;
}

template <typename Codec>
GstFlowReturn NalPay<Codec>::drain(GstSrtRtpBasePay *base) {
  State &s = *self_of(base)->state;
  PayloadWriter writer(base, s.last_pts);
  s.core.flush(writer);
  s.timing.end_au();
  return writer.push();
}

template <typename Codec>
void NalPay<Codec>::flush(GstSrtRtpBasePay *base) {
  State &s = *self_of(base)->state;
  s.core.reset();
  s.last_pts = GST_CLOCK_TIME_NONE;
  s.timing.reset();
}

template <typename Codec>
void NalPay<Codec>::force_key_unit(GstSrtRtpBasePay *base, gboolean all_headers) {
  if (all_headers) self_of(base)->state->core.request_headers();
}

template <typename Codec>
void NalPay<Codec>::add_stats(GstSrtRtpBasePay *base, GstStructure *st) {
  const srtcore::rtp::nal::PayloaderStats &c = self_of(base)->state->core.stats();
  gst_structure_set(st, "nal-units", G_TYPE_UINT64, c.nal_units, "parameter-set-insertions",
                    G_TYPE_UINT64, c.param_set_insertions, "malformed-buffers", G_TYPE_UINT64,
                    c.malformed_buffers, "dropped-nal-units", G_TYPE_UINT64, c.dropped_units,
                    nullptr);
}

template <typename Codec>
void NalPay<Codec>::set_property(GObject *object, guint id, const GValue *value,
                                 GParamSpec *pspec) {
  State &s = *self_of(object)->state;
  std::lock_guard guard(s.lock);
  switch (id) {
    case PROP_CONFIG_INTERVAL:
      s.settings.config_interval = g_value_get_int(value);
      s.dirty = true;
      break;
    case PROP_AGGREGATE_MODE:
      s.settings.aggregate = static_cast<srtcore::rtp::nal::AggregateMode>(g_value_get_enum(value));
      s.dirty = true;
      break;
    case PROP_SPROP_PARAMETER_SETS: {
      const gchar *v = g_value_get_string(value);
      s.settings.sprop_override = v ? v : "";
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

template <typename Codec>
void NalPay<Codec>::get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  State &s = *self_of(object)->state;
  std::lock_guard guard(s.lock);
  switch (id) {
    case PROP_CONFIG_INTERVAL:
      g_value_set_int(value, s.settings.config_interval);
      break;
    case PROP_AGGREGATE_MODE:
      g_value_set_enum(value, static_cast<gint>(s.settings.aggregate));
      break;
    case PROP_SPROP_PARAMETER_SETS:
      g_value_set_string(
          value, s.settings.sprop_override.empty() ? nullptr : s.settings.sprop_override.c_str());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

template <typename Codec>
void NalPay<Codec>::finalize(GObject *object) {
  delete self_of(object)->state;
  self_of(object)->state = nullptr;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

template <typename Codec>
void NalPay<Codec>::class_init(gpointer klass) {
  parent_class = g_type_class_peek_parent(klass);
  GST_DEBUG_CATEGORY_INIT(cat, Codec::kElement, 0, Codec::kDebugDescription);
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *pay_class = static_cast<GstSrtRtpBasePayClass *>(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  pay_class->set_caps = set_caps;
  pay_class->handle_buffer = handle_buffer;
  pay_class->drain = drain;
  pay_class->flush = flush;
  pay_class->force_key_unit = force_key_unit;
  pay_class->add_stats = add_stats;
  pay_class->get_sink_caps = get_sink_caps;

  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_CONFIG_INTERVAL,
      g_param_spec_int("config-interval", Codec::kConfigIntervalNick, Codec::kConfigIntervalBlurb,
                       -1, 3600, kDefaultConfigInterval, rw));
  g_object_class_install_property(
      gobject_class, PROP_AGGREGATE_MODE,
      g_param_spec_enum("aggregate-mode", "Attempt to use aggregate packets",
                        Codec::kAggregateBlurb, aggregate_mode_get_type(),
                        static_cast<gint>(kDefaultAggregate), rw));
  if (Codec::kSpropOverride)
    g_object_class_install_property(
        gobject_class, PROP_SPROP_PARAMETER_SETS,
        g_param_spec_string("sprop-parameter-sets", "sprop-parameter-sets",
                            "The base64 sprop-parameter-sets to set in out caps (set to NULL to "
                            "extract from stream)",
                            nullptr,
                            static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                     G_PARAM_DEPRECATED)));

  static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
      "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(Codec::kSinkCaps));
  static GstStaticPadTemplate src_template =
      GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(Codec::kSrcCaps));
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, Codec::kLongName,
                                        "Codec/Payloader/Network/RTP", Codec::kDescription,
                                        srtrtp::kElementAuthor);
  gst_type_mark_as_plugin_api(aggregate_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
}

}  // namespace srtrtp
