// rtph265pay2: H.265 into RTP (RFC 7798, single NAL unit, AP and FU packets).
// A drop-in for rtph265pay: same caps and properties, plus hev1 input and
// profile-id/tier-flag/level-id in the caps. The shared NAL element layer
// does the GStreamer work and srt-core the bitstream work; this file is
// H.265's table.
#include <gst/gst.h>

#include <string>

#include "elements.hpp"
#include "nal_pay_element.hpp"
#include "rtp/h265_payloader.hpp"

namespace h265 = srtcore::rtp::h265;

namespace {

struct H265Pay {
  using Core = h265::Payloader;
  static constexpr const char *kElement = "rtph265pay2";
  static constexpr const char *kDebugDescription = "H.265 RTP payloader";
  static constexpr const char *kLongName = "RTP H265 payloader (srtrtp)";
  static constexpr const char *kDescription =
      "Payload-encode H265 video into RTP packets (RFC 7798)";
  static constexpr const char *kEncodingName = "H265";
  static constexpr const char *kSinkCaps =
      "video/x-h265, stream-format = (string) { hvc1, hev1 }, alignment = (string) au; "
      "video/x-h265, stream-format = (string) byte-stream, alignment = (string) { nal, au }";
  static constexpr const char *kSrcCaps =
      "application/x-rtp, media = (string) video, payload = (int) [ 96, 127 ], "
      "clock-rate = (int) 90000, encoding-name = (string) H265";
  static constexpr const char *kConfigIntervalNick = "VPS SPS PPS Send Interval";
  static constexpr const char *kConfigIntervalBlurb =
      "Send VPS, SPS and PPS Insertion Interval in seconds (sprop parameter sets will be "
      "multiplexed in the data stream when detected.) (0 = disabled, -1 = send with every "
      "keyframe: IDR, CRA or BLA)";
  static constexpr const char *kAggregateBlurb =
      "Bundle suitable SPS/PPS NAL units into aggregate packets";
  static constexpr const char *kAggregateEnum = "GstSrtRtpH265AggregateMode";
  static constexpr srtrtp::NalSinkConstraints kSinkConstraints = srtrtp::h265_sink_constraints;
  static constexpr const char *kCodecDataName = "hvcC";
  static constexpr bool kSpropOverride = false;

  static const GEnumValue *aggregate_values() {
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
    return values;
  }
  static bool length_prefixed(const gchar *format) {
    return g_strcmp0(format, "hvc1") == 0 || g_strcmp0(format, "hev1") == 0;
  }
  static bool set_codec_data(Core &core, srtcore::ByteSpan bytes) {
    return core.set_hvcc_codec_data(bytes);
  }
  // RFC 7798 7.1 fmtp fields, as strings the way SDP carries them.
  static void add_caps_fields(const Core &core, const std::string &, GstStructure *extra) {
    const h265::ParameterSets &ps = core.parameter_sets();
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
  }
};

using Pay = srtrtp::NalPay<H265Pay>;

}  // namespace

using GstSrtRtpH265Pay2 = Pay::Instance;
using GstSrtRtpH265Pay2Class = Pay::Class;

G_DEFINE_TYPE(GstSrtRtpH265Pay2, gst_srt_rtp_h265_pay2, GST_TYPE_SRT_RTP_BASE_PAY)
GST_ELEMENT_REGISTER_DEFINE(rtph265pay2, "rtph265pay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_h265_pay2_get_type())

static void gst_srt_rtp_h265_pay2_class_init(GstSrtRtpH265Pay2Class *klass) {
  Pay::class_init(klass);
}

static void gst_srt_rtp_h265_pay2_init(GstSrtRtpH265Pay2 *self) {
  Pay::instance_init(self);
}
