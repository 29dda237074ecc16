// rtph265depay2: RTP to H.265 (RFC 7798: single NAL unit, AP, FU and PACI
// packets, DONL/DOND with reordering by DON). A drop-in for rtph265depay; the
// shared NAL element layer does the GStreamer work and srt-core the bitstream
// work. This file is H.265's table.
#include <gst/gst.h>

#include "elements.hpp"
#include "nal_depay_element.hpp"
#include "rtp/h265_depayloader.hpp"

namespace h265 = srtcore::rtp::h265;

namespace {

struct H265Depay {
  using Core = h265::Depayloader;
  using Config = h265::DepayloaderConfig;
  using OutputFormat = h265::OutputFormat;
  static constexpr const char *kElement = "rtph265depay2";
  static constexpr const char *kDebugDescription = "H.265 RTP depayloader";
  static constexpr const char *kLongName = "RTP H265 depayloader (srtrtp)";
  static constexpr const char *kDescription =
      "Extracts H265 video from RTP packets (RFC 7798), including DONL and PACI packets";
  static constexpr const char *kMediaType = "video/x-h265";
  static constexpr const char *kSinkCaps =
      "application/x-rtp, media = (string) video, clock-rate = (int) 90000, "
      "encoding-name = (string) H265";
  // hvc1 first, as rtph265depay: a decoder that takes anything gets codec_data.
  static constexpr const char *kSrcCaps =
      "video/x-h265, stream-format = (string) hvc1, alignment = (string) { au, nal }; "
      "video/x-h265, stream-format = (string) hev1, alignment = (string) { au, nal }; "
      "video/x-h265, stream-format = (string) byte-stream, alignment = (string) { nal, au }";
  static constexpr const char *kWaitForKeyframeBlurb =
      "Wait for the next keyframe (IRAP picture) after packet loss, and at start";
  static constexpr const char *kMaxFuSizeBlurb =
      "Largest NAL unit, in bytes, rebuilt from FU fragments; larger ones are dropped (bounds "
      "memory on hostile input)";
  static constexpr struct {
    const char *name;
    OutputFormat format;
  } kFormats[] = {{"hvc1", OutputFormat::kHvc1}, {"hev1", OutputFormat::kHev1}};

  // RFC 7798 7.1: DONL/DOND are present iff sprop-max-don-diff > 0; the
  // de-packetization buffer is bounded by sprop-depack-buf-nalus/-bytes.
  static bool read_caps(GstElement *self, GstDebugCategory *cat, const GstStructure *st,
                        Config &cfg) {
    const guint max_don_diff = srtrtp::caps_uint(st, "sprop-max-don-diff").value_or(0);
    if (max_don_diff > 32767) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Invalid sprop-max-don-diff."),
                        ("RFC 7798 allows 0 to 32767; check the SDP"));
      return false;
    }
    cfg.donl = max_don_diff > 0;
    if (!cfg.donl) return true;
    cfg.reorder.max_don_diff = max_don_diff;
    if (auto v = srtrtp::caps_uint(st, "sprop-depack-buf-nalus"))
      cfg.reorder.interleaving_depth = *v;
    else
      GST_CAT_WARNING_OBJECT(cat, self,
                             "sprop-max-don-diff without sprop-depack-buf-nalus, using %u",
                             cfg.reorder.interleaving_depth);
    if (auto v = srtrtp::caps_uint(st, "sprop-depack-buf-bytes")) cfg.reorder.deint_buf_req = *v;
    return true;
  }
  static void set_sprops(GstElement *self, Core &core, const GstStructure *st) {
    for (const char *field : {"sprop-vps", "sprop-sps", "sprop-pps"}) {
      const gchar *sprop = gst_structure_get_string(st, field);
      if (sprop && !core.add_sprop(sprop))
        GST_ELEMENT_WARNING(
            self, STREAM, FORMAT, ("Invalid %s in the caps.", field),
            ("Could not use all of \"%s\"; waiting for in-band parameter sets", sprop));
    }
  }
  static void add_stats(const h265::DepacketizerStats &d, GstStructure *st) {
    gst_structure_set(st, "paci-packets", G_TYPE_UINT64, d.paci_unwrapped, "dropped-forbidden-bit",
                      G_TYPE_UINT64, d.dropped_forbidden_bit, "dropped-tid-zero", G_TYPE_UINT64,
                      d.dropped_tid_zero, "dropped-bad-paci", G_TYPE_UINT64, d.dropped_bad_paci,
                      nullptr);
  }
};

using Depay = srtrtp::NalDepay<H265Depay>;

}  // namespace

using GstSrtRtpH265Depay2 = Depay::Instance;
using GstSrtRtpH265Depay2Class = Depay::Class;

G_DEFINE_TYPE(GstSrtRtpH265Depay2, gst_srt_rtp_h265_depay2, GST_TYPE_SRT_RTP_BASE_DEPAY)
GST_ELEMENT_REGISTER_DEFINE(rtph265depay2, "rtph265depay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_h265_depay2_get_type())

static void gst_srt_rtp_h265_depay2_class_init(GstSrtRtpH265Depay2Class *klass) {
  Depay::class_init(klass);
}

static void gst_srt_rtp_h265_depay2_init(GstSrtRtpH265Depay2 *self) {
  Depay::instance_init(self);
}
