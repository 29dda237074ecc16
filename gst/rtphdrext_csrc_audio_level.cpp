// rtphdrextcsrcaudiolevel: mixer-to-client audio levels (RFC 6465,
// urn:ietf:params:rtp-hdrext:csrc-audio-level), which GStreamer 1.22 lacks.
// GStreamer has no meta for per-CSRC levels: they travel as a custom meta
// named "SrtRtpCsrcAudioLevelMeta" whose structure has "levels", an array
// of uint (-dBov, 0 loudest, 127 silence) in the packet's CSRC order. The
// payloader's input buffer carries it for writing; the depayloader's output
// buffers get it when read.
#include <gst/gst.h>
#include <gst/rtp/gstrtphdrext.h>

#include <array>

#include "element_author.hpp"
#include "elements.hpp"
#include "rtp/hdrext_values.hpp"

namespace hdrext = srtcore::rtp::hdrext;

#define SRTRTP_CSRC_AUDIO_LEVEL_META "SrtRtpCsrcAudioLevelMeta"

GST_DEBUG_CATEGORY_STATIC(csrc_level_debug);
#define GST_CAT_DEFAULT csrc_level_debug

struct GstSrtRtpHdrextCsrcAudioLevel {
  GstRTPHeaderExtension parent;
};
struct GstSrtRtpHdrextCsrcAudioLevelClass {
  GstRTPHeaderExtensionClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpHdrextCsrcAudioLevel, gst_srt_rtp_hdrext_csrc_audio_level,
              GST_TYPE_RTP_HEADER_EXTENSION)
GST_ELEMENT_REGISTER_DEFINE(rtphdrextcsrcaudiolevel, "rtphdrextcsrcaudiolevel", GST_RANK_MARGINAL,
                            gst_srt_rtp_hdrext_csrc_audio_level_get_type())

static const GstMetaInfo *level_meta_info() {
  static const GstMetaInfo *info = [] {
    const gchar *tags[] = {"audio", nullptr};
    return gst_meta_register_custom(SRTRTP_CSRC_AUDIO_LEVEL_META, tags, nullptr, nullptr, nullptr);
  }();
  return info;
}

static GstRTPHeaderExtensionFlags level_flags(GstRTPHeaderExtension *) {
  return static_cast<GstRTPHeaderExtensionFlags>(GST_RTP_HEADER_EXTENSION_ONE_BYTE |
                                                 GST_RTP_HEADER_EXTENSION_TWO_BYTE);
}

static gsize level_max_size(GstRTPHeaderExtension *, const GstBuffer *) {
  return hdrext::kMaxCsrcLevels;
}

static gssize level_write(GstRTPHeaderExtension *ext, const GstBuffer *input_meta,
                          GstRTPHeaderExtensionFlags, GstBuffer *, guint8 *data, gsize size) {
  GstCustomMeta *meta =
      gst_buffer_get_custom_meta(const_cast<GstBuffer *>(input_meta), SRTRTP_CSRC_AUDIO_LEVEL_META);
  if (!meta) return 0;
  const GValue *levels = gst_structure_get_value(gst_custom_meta_get_structure(meta), "levels");
  if (!levels || !GST_VALUE_HOLDS_ARRAY(levels)) {
    GST_WARNING_OBJECT(ext, "%s without a \"levels\" array: nothing written",
                       SRTRTP_CSRC_AUDIO_LEVEL_META);
    return 0;
  }
  std::array<std::uint8_t, hdrext::kMaxCsrcLevels> values{};
  const guint n = MIN(gst_value_array_get_size(levels), guint{hdrext::kMaxCsrcLevels});
  for (guint i = 0; i < n; ++i) {
    const GValue *v = gst_value_array_get_value(levels, i);
    const guint level = G_VALUE_HOLDS_UINT(v)  ? g_value_get_uint(v)
                        : G_VALUE_HOLDS_INT(v) ? static_cast<guint>(MAX(g_value_get_int(v), 0))
                                               : hdrext::kSilence;
    values[i] = static_cast<std::uint8_t>(MIN(level, guint{hdrext::kSilence}));
  }
  return static_cast<gssize>(hdrext::write_csrc_levels(
      std::span<const std::uint8_t>(values.data(), n), srtcore::MutableByteSpan(data, size)));
}

static gboolean level_read(GstRTPHeaderExtension *ext, GstRTPHeaderExtensionFlags,
                           const guint8 *data, gsize size, GstBuffer *buffer) {
  std::array<std::uint8_t, hdrext::kMaxCsrcLevels> values{};
  const auto n = hdrext::read_csrc_levels(srtcore::ByteSpan(data, size), values);
  if (!n) {
    GST_INFO_OBJECT(ext, "element of %" G_GSIZE_FORMAT " bytes is not 1 to 15 levels", size);
    return FALSE;
  }
  level_meta_info();
  GstCustomMeta *meta = gst_buffer_add_custom_meta(buffer, SRTRTP_CSRC_AUDIO_LEVEL_META);
  if (!meta) return FALSE;
  GValue array = G_VALUE_INIT;
  gst_value_array_init(&array, static_cast<guint>(*n));
  for (std::size_t i = 0; i < *n; ++i) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_UINT);
    g_value_set_uint(&v, values[i]);
    gst_value_array_append_and_take_value(&array, &v);
  }
  gst_structure_take_value(gst_custom_meta_get_structure(meta), "levels", &array);
  return TRUE;
}

static void gst_srt_rtp_hdrext_csrc_audio_level_class_init(
    GstSrtRtpHdrextCsrcAudioLevelClass *klass) {
  GST_DEBUG_CATEGORY_INIT(csrc_level_debug, "rtphdrextcsrcaudiolevel", 0,
                          "RFC 6465 mixer-to-client audio level");
  level_meta_info();
  auto *ext_class = reinterpret_cast<GstRTPHeaderExtensionClass *>(klass);
  ext_class->get_supported_flags = level_flags;
  ext_class->get_max_size = level_max_size;
  ext_class->write = level_write;
  ext_class->read = level_read;
  gst_element_class_set_static_metadata(
      GST_ELEMENT_CLASS(klass), "Mixer-to-client audio level (srtrtp)",
      GST_RTP_HDREXT_ELEMENT_CLASS,
      "Extends RTP packets with the audio level of each contributing source (RFC 6465)",
      srtrtp::kElementAuthor);
  gst_rtp_header_extension_class_set_uri(ext_class, hdrext::kCsrcAudioLevelUri);
}

static void gst_srt_rtp_hdrext_csrc_audio_level_init(GstSrtRtpHdrextCsrcAudioLevel *) {}
