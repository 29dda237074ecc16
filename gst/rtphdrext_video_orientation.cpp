// rtphdrextvideoorientation: 3GPP coordination of video orientation (TS
// 26.114 7.4.5, urn:3gpp:video-orientation), which GStreamer 1.22 lacks.
// The value is an image-orientation tag string ("rotate-90", "flip-rotate-0",
// ...) in the "image-orientation" property: our payloaders set it from the
// stream's image-orientation tag, our depayloaders send a tag when a read
// changes it. Written on the last packet of each frame (marker bit), as the
// specification asks; "back-camera" is the C bit.
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/rtp/gstrtphdrext.h>

#include <cstring>
#include <optional>
#include <string>

#include "element_author.hpp"
#include "elements.hpp"
#include "rtp/hdrext_values.hpp"

namespace hdrext = srtcore::rtp::hdrext;

GST_DEBUG_CATEGORY_STATIC(cvo_debug);
#define GST_CAT_DEFAULT cvo_debug

struct GstSrtRtpHdrextVideoOrientation {
  GstRTPHeaderExtension parent;
  hdrext::VideoOrientation value;  // under the object lock
};
struct GstSrtRtpHdrextVideoOrientationClass {
  GstRTPHeaderExtensionClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpHdrextVideoOrientation, gst_srt_rtp_hdrext_video_orientation,
              GST_TYPE_RTP_HEADER_EXTENSION)
GST_ELEMENT_REGISTER_DEFINE(rtphdrextvideoorientation, "rtphdrextvideoorientation",
                            GST_RANK_MARGINAL, gst_srt_rtp_hdrext_video_orientation_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpHdrextVideoOrientation *>(obj))

enum { PROP_0, PROP_IMAGE_ORIENTATION, PROP_BACK_CAMERA };

// image-orientation tag values: rotate-N (clockwise) and flip-rotate-N
// (horizontal flip first), as CVO's F and R bits mean them.
static std::optional<hdrext::VideoOrientation> from_tag(const gchar *tag, bool back_camera) {
  if (!tag) return std::nullopt;
  const bool flip = g_str_has_prefix(tag, "flip-rotate-");
  const gchar *deg = flip                               ? tag + std::strlen("flip-rotate-")
                     : g_str_has_prefix(tag, "rotate-") ? tag + std::strlen("rotate-")
                                                        : nullptr;
  if (!deg) return std::nullopt;
  for (std::uint8_t q = 0; q < 4; ++q) {
    if (g_strcmp0(deg, std::to_string(q * 90).c_str()) == 0)
      return hdrext::VideoOrientation{back_camera, flip, q};
  }
  return std::nullopt;
}

static gchar *to_tag(const hdrext::VideoOrientation &o) {
  return g_strdup_printf("%srotate-%u", o.flip ? "flip-" : "", o.quarter_turns * 90u);
}

static GstRTPHeaderExtensionFlags cvo_flags(GstRTPHeaderExtension *) {
  return static_cast<GstRTPHeaderExtensionFlags>(GST_RTP_HEADER_EXTENSION_ONE_BYTE |
                                                 GST_RTP_HEADER_EXTENSION_TWO_BYTE);
}

static gsize cvo_max_size(GstRTPHeaderExtension *, const GstBuffer *) {
  return 1;
}

static gssize cvo_write(GstRTPHeaderExtension *ext, const GstBuffer *, GstRTPHeaderExtensionFlags,
                        GstBuffer *output, guint8 *data, gsize size) {
  if (size < 1) return -1;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(output, GST_MAP_READ, &rtp)) {
    GST_WARNING_OBJECT(ext, "the output is not an RTP packet: nothing written");
    return 0;
  }
  const bool last_of_frame = gst_rtp_buffer_get_marker(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  if (!last_of_frame) return 0;
  GST_OBJECT_LOCK(ext);
  data[0] = hdrext::encode_orientation(SELF(ext)->value);
  GST_OBJECT_UNLOCK(ext);
  return 1;
}

static gboolean cvo_read(GstRTPHeaderExtension *ext, GstRTPHeaderExtensionFlags, const guint8 *data,
                         gsize size, GstBuffer *) {
  const auto o = hdrext::decode_orientation(srtcore::ByteSpan(data, size));
  if (!o) {
    GST_INFO_OBJECT(ext, "element of %" G_GSIZE_FORMAT " bytes, CVO has 1", size);
    return FALSE;
  }
  GST_OBJECT_LOCK(ext);
  const bool changed = !(SELF(ext)->value == *o);
  SELF(ext)->value = *o;
  GST_OBJECT_UNLOCK(ext);
  if (changed) g_object_notify(G_OBJECT(ext), "image-orientation");
  return TRUE;
}

static void cvo_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  switch (id) {
    case PROP_IMAGE_ORIENTATION: {
      GST_OBJECT_LOCK(self);
      const auto o = from_tag(g_value_get_string(value), self->value.back_camera);
      if (o) self->value = *o;
      GST_OBJECT_UNLOCK(self);
      if (!o)
        GST_WARNING_OBJECT(self, "\"%s\" is not an image-orientation of rotate-N or flip-rotate-N",
                           GST_STR_NULL(g_value_get_string(value)));
      break;
    }
    case PROP_BACK_CAMERA:
      GST_OBJECT_LOCK(self);
      self->value.back_camera = g_value_get_boolean(value);
      GST_OBJECT_UNLOCK(self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void cvo_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  GST_OBJECT_LOCK(self);
  const hdrext::VideoOrientation o = self->value;
  GST_OBJECT_UNLOCK(self);
  switch (id) {
    case PROP_IMAGE_ORIENTATION:
      g_value_take_string(value, to_tag(o));
      break;
    case PROP_BACK_CAMERA:
      g_value_set_boolean(value, o.back_camera);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void gst_srt_rtp_hdrext_video_orientation_class_init(
    GstSrtRtpHdrextVideoOrientationClass *klass) {
  GST_DEBUG_CATEGORY_INIT(cvo_debug, "rtphdrextvideoorientation", 0,
                          "3GPP coordination of video orientation");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->set_property = cvo_set_property;
  gobject_class->get_property = cvo_get_property;
  g_object_class_install_property(
      gobject_class, PROP_IMAGE_ORIENTATION,
      g_param_spec_string("image-orientation", "Image orientation",
                          "The orientation to write, or the last one read, as an image-orientation "
                          "tag (rotate-0/90/180/270, flip-rotate-0/90/180/270)",
                          "rotate-0",
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_BACK_CAMERA,
      g_param_spec_boolean("back-camera", "Back camera",
                           "The video comes from a back-facing camera (the CVO C bit)", FALSE,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  auto *ext_class = reinterpret_cast<GstRTPHeaderExtensionClass *>(klass);
  ext_class->get_supported_flags = cvo_flags;
  ext_class->get_max_size = cvo_max_size;
  ext_class->write = cvo_write;
  ext_class->read = cvo_read;
  gst_element_class_set_static_metadata(
      GST_ELEMENT_CLASS(klass), "Video orientation (srtrtp)", GST_RTP_HDREXT_ELEMENT_CLASS,
      "Extends RTP packets with the orientation of the video (3GPP TS 26.114 CVO)",
      srtrtp::kElementAuthor);
  gst_rtp_header_extension_class_set_uri(ext_class, hdrext::kVideoOrientationUri);
}

static void gst_srt_rtp_hdrext_video_orientation_init(GstSrtRtpHdrextVideoOrientation *self) {
  self->value = hdrext::VideoOrientation{};
}
