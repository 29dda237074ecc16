// rtph264depay2: RTP to H.264 (RFC 6184, all packetization modes, including
// interleaved mode with DON ordering). A drop-in for rtph264depay; the shared
// NAL element layer does the GStreamer work and srt-core the bitstream work.
// This file is H.264's table.
#include <gst/gst.h>

#include "elements.hpp"
#include "nal_depay_element.hpp"
#include "rtp/h264_depayloader.hpp"

namespace h264 = srtcore::rtp::h264;

namespace {

struct H264Depay {
  using Core = h264::Depayloader;
  using Config = h264::DepayloaderConfig;
  using OutputFormat = h264::OutputFormat;
  static constexpr const char *kElement = "rtph264depay2";
  static constexpr const char *kDebugDescription = "H.264 RTP depayloader";
  static constexpr const char *kLongName = "RTP H264 depayloader (srtrtp)";
  static constexpr const char *kDescription =
      "Extracts H264 video from RTP packets (RFC 6184), including interleaved mode";
  static constexpr const char *kMediaType = "video/x-h264";
  static constexpr const char *kSinkCaps =
      "application/x-rtp, media = (string) video, clock-rate = (int) 90000, "
      "encoding-name = (string) H264";
  static constexpr const char *kSrcCaps =
      "video/x-h264, stream-format = (string) avc, alignment = (string) { au, nal }; "
      "video/x-h264, stream-format = (string) byte-stream, alignment = (string) { nal, au }";
  static constexpr const char *kWaitForKeyframeBlurb =
      "Wait for the next keyframe after packet loss, and at start";
  static constexpr const char *kMaxFuSizeBlurb =
      "Largest NAL unit, in bytes, rebuilt from FU-A/FU-B fragments; larger ones are dropped "
      "(bounds memory on hostile input)";
  static constexpr struct {
    const char *name;
    OutputFormat format;
  } kFormats[] = {{"avc", OutputFormat::kAvc}};

  static bool read_caps(GstElement *self, GstDebugCategory *cat, const GstStructure *st,
                        Config &cfg) {
    const guint mode = srtrtp::caps_uint(st, "packetization-mode").value_or(0);
    if (mode > 2) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Unknown H.264 packetization-mode %u.", mode),
                        ("RFC 6184 defines packetization-mode 0, 1 and 2; check the SDP"));
      return false;
    }
    cfg.mode = static_cast<h264::PacketizationMode>(mode);
    if (cfg.mode != h264::PacketizationMode::kInterleaved) return true;
    if (auto v = srtrtp::caps_uint(st, "sprop-interleaving-depth"))
      cfg.deinterleave.interleaving_depth = *v;
    else
      GST_CAT_WARNING_OBJECT(cat, self,
                             "interleaved mode without sprop-interleaving-depth, using %u",
                             cfg.deinterleave.interleaving_depth);
    if (auto v = srtrtp::caps_uint(st, "sprop-max-don-diff")) cfg.deinterleave.max_don_diff = *v;
    if (auto v = srtrtp::caps_uint(st, "sprop-deint-buf-req")) cfg.deinterleave.deint_buf_req = *v;
    return true;
  }
  static void set_sprops(GstElement *self, Core &core, const GstStructure *st) {
    const gchar *sprop = gst_structure_get_string(st, "sprop-parameter-sets");
    if (sprop && !core.set_sprop_parameter_sets(sprop))
      GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("Invalid sprop-parameter-sets in the caps."),
                          ("Could not use all of \"%s\"; waiting for in-band SPS/PPS", sprop));
  }
  static void add_stats(const h264::DepacketizerStats &d, GstStructure *st) {
    gst_structure_set(st, "dropped-wrong-mode", G_TYPE_UINT64, d.dropped_wrong_mode, nullptr);
  }
};

using Depay = srtrtp::NalDepay<H264Depay>;

}  // namespace

using GstSrtRtpH264Depay2 = Depay::Instance;
using GstSrtRtpH264Depay2Class = Depay::Class;

G_DEFINE_TYPE(GstSrtRtpH264Depay2, gst_srt_rtp_h264_depay2, GST_TYPE_SRT_RTP_BASE_DEPAY)
GST_ELEMENT_REGISTER_DEFINE(rtph264depay2, "rtph264depay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_h264_depay2_get_type())

static void gst_srt_rtp_h264_depay2_class_init(GstSrtRtpH264Depay2Class *klass) {
  Depay::class_init(klass);
}

static void gst_srt_rtp_h264_depay2_init(GstSrtRtpH264Depay2 *self) {
  Depay::instance_init(self);
}
