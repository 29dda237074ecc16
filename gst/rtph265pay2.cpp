// rtph265pay2: H.265 into RTP (RFC 7798, single NAL unit, AP and FU packets).
// A drop-in for rtph265pay: same caps and properties, plus hev1 input and
// profile-id/tier-flag/level-id in the caps; the bitstream work is srt-core's.
#include <gst/gst.h>

#include <mutex>
#include <string>
#include <vector>

#include "buffer_bytes.hpp"
#include "elements.hpp"
#include "nal_au_timing.hpp"
#include "rtp/h265_payloader.hpp"
#include "rtp_base_pay.hpp"

GST_DEBUG_CATEGORY_STATIC(h265pay2_debug);
#define GST_CAT_DEFAULT h265pay2_debug

namespace h265 = srtcore::rtp::h265;

namespace {

enum { PROP_0, PROP_CONFIG_INTERVAL, PROP_AGGREGATE_MODE };

constexpr int kDefaultConfigInterval = 0;
constexpr auto kDefaultAggregate = h265::AggregateMode::kNone;

struct Settings {
  int config_interval = kDefaultConfigInterval;
  h265::AggregateMode aggregate = kDefaultAggregate;
};

struct PayState {
  std::mutex lock;  // guards settings and dirty
  Settings settings;
  bool dirty = true;

  // Streaming-thread state
  h265::Payloader core{h265::PayloaderConfig{}};
  bool au_aligned = true;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  // nal-aligned input: the access unit being sent and how its end is known
  srtrtp::NalAuTiming timing;
  gsize max_payload = 0;
  std::vector<guint8> scratch;  // input buffers of several memories
};

}  // namespace

struct GstSrtRtpH265Pay2 {
  GstSrtRtpBasePay parent;
  PayState *state;
};
struct GstSrtRtpH265Pay2Class {
  GstSrtRtpBasePayClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpH265Pay2, gst_srt_rtp_h265_pay2, GST_TYPE_SRT_RTP_BASE_PAY)
GST_ELEMENT_REGISTER_DEFINE(rtph265pay2, "rtph265pay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_h265_pay2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpH265Pay2 *>(obj))

static GType aggregate_mode_get_type() {
  static GType type = 0;
  // "max" is rtph265pay's nick; "max-stap" is accepted too, as rtph264pay
  // users know it. Equal values: g_enum_get_value() returns the first.
  static const GEnumValue values[] = {
      {static_cast<gint>(h265::AggregateMode::kNone), "Do not aggregate NAL units", "none"},
      {static_cast<gint>(h265::AggregateMode::kZeroLatency),
       "Aggregate NAL units until a VCL or suffix unit is included", "zero-latency"},
      {static_cast<gint>(h265::AggregateMode::kMax),
       "Aggregate all NAL units with the same timestamp (adds one frame of latency)", "max"},
      {static_cast<gint>(h265::AggregateMode::kMax),
       "Aggregate all NAL units with the same timestamp (alias of max)", "max-stap"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstSrtRtpH265AggregateMode", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-h265, stream-format = (string) { hvc1, hev1 }, "
                    "alignment = (string) au; "
                    "video/x-h265, stream-format = (string) byte-stream, "
                    "alignment = (string) { nal, au }"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) video, payload = (int) [ 96, 127 ], "
                    "clock-rate = (int) 90000, encoding-name = (string) H265"));

// Applies property changes in the streaming thread, between buffers.
static void apply_settings(GstSrtRtpH265Pay2 *self) {
  PayState &s = *self->state;
  const gsize max_payload = gst_srt_rtp_base_pay_max_payload(&self->parent);
  std::lock_guard guard(s.lock);
  if (!s.dirty && max_payload == s.max_payload) return;
  s.core.configure(
      h265::PayloaderConfig{max_payload, s.settings.aggregate, s.settings.config_interval});
  s.max_payload = max_payload;
  s.dirty = false;
}

// RFC 7798 7.1 fmtp fields, as strings the way SDP carries them.
static gboolean update_outcaps(GstSrtRtpH265Pay2 *self) {
  const h265::ParameterSets &ps = self->state->core.parameter_sets();
  GstStructure *extra = gst_structure_new_empty("x");
  const struct {
    const char *field;
    h265::NalType kind;
  } sprops[] = {{"sprop-vps", h265::kVps}, {"sprop-sps", h265::kSps}, {"sprop-pps", h265::kPps}};
  for (const auto &sp : sprops) {
    const std::string v = ps.sprop(sp.kind);
    if (!v.empty()) gst_structure_set(extra, sp.field, G_TYPE_STRING, v.c_str(), nullptr);
  }
  if (auto ptl = ps.profile_tier_level()) {
    const std::string profile = std::to_string(ptl->profile_id);
    const std::string tier = std::to_string(ptl->tier_flag);
    const std::string level = std::to_string(ptl->level_id);
    gst_structure_set(extra, "profile-id", G_TYPE_STRING, profile.c_str(), "tier-flag",
                      G_TYPE_STRING, tier.c_str(), "level-id", G_TYPE_STRING, level.c_str(),
                      nullptr);
    if (ptl->profile_space != 0) {
      const std::string space = std::to_string(ptl->profile_space);
      gst_structure_set(extra, "profile-space", G_TYPE_STRING, space.c_str(), nullptr);
    }
  }
  const gboolean ok =
      gst_srt_rtp_base_pay_set_outcaps(&self->parent, "video", 90000, "H265", extra);
  gst_structure_free(extra);
  return ok;
}

static gboolean pay_set_caps(GstSrtRtpBasePay *base, GstCaps *caps) {
  auto *self = SELF(base);
  PayState &s = *self->state;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  const gchar *format = gst_structure_get_string(st, "stream-format");
  const gchar *alignment = gst_structure_get_string(st, "alignment");
  const bool hvc = g_strcmp0(format, "hvc1") == 0 || g_strcmp0(format, "hev1") == 0;
  s.au_aligned = hvc || g_strcmp0(alignment, "nal") != 0;
  s.timing.new_stream();  // whether it marks AUs is learnt again from its buffers
  s.core.set_input_marks_au(false);
  s.core.set_input_format(hvc ? h265::InputFormat::kHvc : h265::InputFormat::kByteStream);
  if (hvc) {
    const GValue *v = gst_structure_get_value(st, "codec_data");
    if (!v || !GST_VALUE_HOLDS_BUFFER(v)) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s input without codec_data.", format),
                        ("stream-format=%s needs hvcC codec_data in the caps; put h265parse "
                         "before %s or use stream-format=byte-stream",
                         format, GST_ELEMENT_NAME(self)));
      return FALSE;
    }
    GstMapInfo map;
    GstBuffer *cd = gst_value_get_buffer(v);
    if (!gst_buffer_map(cd, &map, GST_MAP_READ)) return FALSE;
    const bool ok = s.core.set_hvcc_codec_data(srtcore::ByteSpan(map.data, map.size));
    gst_buffer_unmap(cd, &map);
    if (!ok) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Malformed hvcC codec_data."),
                        ("The hvcC record in the caps could not be parsed; check the muxer or "
                         "parser upstream of %s",
                         GST_ELEMENT_NAME(self)));
      return FALSE;
    }
  }
  s.core.take_caps_changed();
  return update_outcaps(self);
}

// Sends what the packetizer holds of the previous access unit, with its time.
static GstFlowReturn end_previous_au(GstSrtRtpH265Pay2 *self) {
  PayState &s = *self->state;
  srtrtp::PayloadWriter writer(&self->parent, s.timing.au_pts());
  s.core.flush(writer);
  return writer.push();
}

static GstFlowReturn pay_handle_buffer(GstSrtRtpBasePay *base, GstBuffer *buffer) {
  auto *self = SELF(base);
  PayState &s = *self->state;
  apply_settings(self);
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  GstFlowReturn ret = GST_FLOW_OK;
  if (!s.au_aligned) {
    const srtrtp::NalAuTiming::Step step = s.timing.next(buffer);
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
  srtrtp::BufferBytes input(buffer, s.scratch);
  if (!input.ok()) {
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  const srtcore::ByteSpan data = input.span();
  const bool au_end = s.au_aligned || GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_MARKER);
  const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  const std::int64_t time_ns =
      GST_CLOCK_TIME_IS_VALID(pts) ? static_cast<std::int64_t>(pts) : h265::kNoTime;
  {
    srtrtp::PayloadWriter writer(base, buffer);
    writer.set_timing(pts, gst_srt_rtp_base_pay_rtp_time(base, pts));
    if (!s.core.push(data, au_end, time_ns, keyframe, writer))
      GST_WARNING_OBJECT(self,
                         "malformed input buffer of %" G_GSIZE_FORMAT
                         " bytes: empty, or a NAL length overruns it (the rest is dropped)",
                         data.size());
    // New in-band parameter sets go into the caps before the packets carrying them.
    if (s.core.take_caps_changed()) update_outcaps(self);
    ret = writer.push();
  }
  s.last_pts = pts;
  if (au_end) s.timing.end_au();
  gst_buffer_unref(buffer);
  return ret;
}

static GstFlowReturn pay_drain(GstSrtRtpBasePay *base) {
  auto *self = SELF(base);
  PayState &s = *self->state;
  srtrtp::PayloadWriter writer(base, s.last_pts);
  s.core.flush(writer);
  s.timing.end_au();
  return writer.push();
}

static void pay_flush(GstSrtRtpBasePay *base) {
  PayState &s = *SELF(base)->state;
  s.core.reset();
  s.last_pts = GST_CLOCK_TIME_NONE;
  s.timing.reset();
}

static void pay_force_key_unit(GstSrtRtpBasePay *base, gboolean all_headers) {
  if (all_headers) SELF(base)->state->core.request_headers();
}

static void pay_add_stats(GstSrtRtpBasePay *base, GstStructure *st) {
  const h265::PayloaderStats &c = SELF(base)->state->core.stats();
  gst_structure_set(st, "nal-units", G_TYPE_UINT64, c.nal_units, "parameter-set-insertions",
                    G_TYPE_UINT64, c.param_set_insertions, "malformed-buffers", G_TYPE_UINT64,
                    c.malformed_buffers, "dropped-nal-units", G_TYPE_UINT64, c.dropped_units,
                    nullptr);
}

static void pay_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  PayState &s = *SELF(object)->state;
  std::lock_guard guard(s.lock);
  switch (id) {
    case PROP_CONFIG_INTERVAL:
      s.settings.config_interval = g_value_get_int(value);
      s.dirty = true;
      break;
    case PROP_AGGREGATE_MODE:
      s.settings.aggregate = static_cast<h265::AggregateMode>(g_value_get_enum(value));
      s.dirty = true;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void pay_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  PayState &s = *SELF(object)->state;
  std::lock_guard guard(s.lock);
  switch (id) {
    case PROP_CONFIG_INTERVAL:
      g_value_set_int(value, s.settings.config_interval);
      break;
    case PROP_AGGREGATE_MODE:
      g_value_set_enum(value, static_cast<gint>(s.settings.aggregate));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void pay_finalize(GObject *object) {
  delete SELF(object)->state;
  SELF(object)->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_h265_pay2_parent_class)->finalize(object);
}

static void gst_srt_rtp_h265_pay2_class_init(GstSrtRtpH265Pay2Class *klass) {
  GST_DEBUG_CATEGORY_INIT(h265pay2_debug, "rtph265pay2", 0, "H.265 RTP payloader");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *pay_class = reinterpret_cast<GstSrtRtpBasePayClass *>(klass);
  gobject_class->set_property = pay_set_property;
  gobject_class->get_property = pay_get_property;
  gobject_class->finalize = pay_finalize;
  pay_class->set_caps = pay_set_caps;
  pay_class->handle_buffer = pay_handle_buffer;
  pay_class->drain = pay_drain;
  pay_class->flush = pay_flush;
  pay_class->force_key_unit = pay_force_key_unit;
  pay_class->add_stats = pay_add_stats;

  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_CONFIG_INTERVAL,
      g_param_spec_int("config-interval", "VPS SPS PPS Send Interval",
                       "Send VPS, SPS and PPS Insertion Interval in seconds (sprop parameter sets "
                       "will be multiplexed in the data stream when detected.) (0 = disabled, "
                       "-1 = send with every keyframe: IDR, CRA or BLA)",
                       -1, 3600, kDefaultConfigInterval, rw));
  g_object_class_install_property(
      gobject_class, PROP_AGGREGATE_MODE,
      g_param_spec_enum("aggregate-mode", "Attempt to use aggregate packets",
                        "Bundle suitable SPS/PPS NAL units into aggregate packets",
                        aggregate_mode_get_type(), static_cast<gint>(kDefaultAggregate), rw));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP H265 payloader (srtrtp)", "Codec/Payloader/Network/RTP",
      "Payload-encode H265 video into RTP packets (RFC 7798)", "srtrtp project");
  gst_type_mark_as_plugin_api(aggregate_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
}

static void gst_srt_rtp_h265_pay2_init(GstSrtRtpH265Pay2 *self) {
  self->state = new PayState();
}
