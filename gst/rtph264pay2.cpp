// rtph264pay2: H.264 into RTP (RFC 6184, packetization-mode 1). A drop-in for
// rtph264pay: same caps and properties; the shared NAL element layer does the
// GStreamer work and srt-core the bitstream work. This file is H.264's table.
#include <gst/gst.h>

#include <string>

#include "elements.hpp"
#include "nal_pay_element.hpp"
#include "rtp/h264_payloader.hpp"

namespace h264 = srtcore::rtp::h264;

namespace {

struct H264Pay {
  using Core = h264::Payloader;
  static constexpr const char *kElement = "rtph264pay2";
  static constexpr const char *kDebugDescription = "H.264 RTP payloader";
  static constexpr const char *kLongName = "RTP H264 payloader (srtrtp)";
  static constexpr const char *kDescription =
      "Payload-encode H264 video into RTP packets (RFC 6184)";
  static constexpr const char *kEncodingName = "H264";
  static constexpr const char *kSinkCaps =
      "video/x-h264, stream-format = (string) avc, alignment = (string) au; "
      "video/x-h264, stream-format = (string) byte-stream, alignment = (string) { nal, au }";
  static constexpr const char *kSrcCaps =
      "application/x-rtp, media = (string) video, payload = (int) [ 96, 127 ], "
      "clock-rate = (int) 90000, encoding-name = (string) H264";
  static constexpr const char *kConfigIntervalNick = "SPS PPS Send Interval";
  static constexpr const char *kConfigIntervalBlurb =
      "Send SPS and PPS Insertion Interval in seconds (sprop parameter sets will be multiplexed "
      "in the data stream when detected.) (0 = disabled, -1 = send with every keyframe, IDR or "
      "recovery point)";
  static constexpr const char *kAggregateBlurb =
      "Bundle suitable SPS/PPS NAL units into STAP-A aggregate packets";
  static constexpr const char *kAggregateEnum = "GstSrtRtpH264AggregateMode";
  static constexpr srtrtp::NalSinkConstraints kSinkConstraints = srtrtp::h264_sink_constraints;
  static constexpr const char *kCodecDataName = "avcC";
  static constexpr bool kSpropOverride = true;

  static const GEnumValue *aggregate_values() {
    static const GEnumValue values[] = {
        {static_cast<gint>(h264::AggregateMode::kNone), "Do not aggregate NAL units", "none"},
        {static_cast<gint>(h264::AggregateMode::kZeroLatency),
         "Aggregate NAL units until a VCL unit is included", "zero-latency"},
        {static_cast<gint>(h264::AggregateMode::kMaxStap),
         "Aggregate all NAL units with the same timestamp (adds one frame of latency)", "max-stap"},
        {0, nullptr, nullptr},
    };
    return values;
  }
  static bool length_prefixed(const gchar *format) { return g_strcmp0(format, "avc") == 0; }
  static bool set_codec_data(Core &core, srtcore::ByteSpan bytes) {
    return core.set_avc_codec_data(bytes);
  }
  static void add_caps_fields(const Core &core, const std::string &sprop_override,
                              GstStructure *extra) {
    gst_structure_set(extra, "packetization-mode", G_TYPE_STRING, "1", nullptr);
    if (auto plid = core.profile_level_id())
      gst_structure_set(extra, "profile-level-id", G_TYPE_STRING, plid->c_str(), nullptr);
    const std::string sprop = sprop_override.empty() ? core.sprop_parameter_sets() : sprop_override;
    if (!sprop.empty())
      gst_structure_set(extra, "sprop-parameter-sets", G_TYPE_STRING, sprop.c_str(), nullptr);
  }
};

using Pay = srtrtp::NalPay<H264Pay>;

}  // namespace

using GstSrtRtpH264Pay2 = Pay::Instance;
using GstSrtRtpH264Pay2Class = Pay::Class;

G_DEFINE_TYPE(GstSrtRtpH264Pay2, gst_srt_rtp_h264_pay2, GST_TYPE_SRT_RTP_BASE_PAY)
GST_ELEMENT_REGISTER_DEFINE(rtph264pay2, "rtph264pay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_h264_pay2_get_type())

static void gst_srt_rtp_h264_pay2_class_init(GstSrtRtpH264Pay2Class *klass) {
  Pay::class_init(klass);
}

static void gst_srt_rtp_h264_pay2_init(GstSrtRtpH264Pay2 *self) {
  Pay::instance_init(self);
}
