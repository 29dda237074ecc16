// rtpg722depay2: RTP to G.722 (RFC 3551). A drop-in for rtpg722depay: one
// buffer per packet without copying when the packet is ours alone (see
// take_payload); audio/G722 at 16 kHz for the standard 8000 Hz RTP clock;
// RESYNC on the marker bit (talkspurt start).
#include <gst/gst.h>

#include <cstdlib>

#include "element_author.hpp"
#include "elements.hpp"
#include "rtp/g722_payload.hpp"
#include "rtp_base_depay.hpp"

GST_DEBUG_CATEGORY_STATIC(g722depay2_debug);
#define GST_CAT_DEFAULT g722depay2_debug

namespace g722 = srtcore::rtp::g722;

namespace {

struct DepayState {
  guint channels = 1;
  guint64 dropped_empty = 0;
  guint64 dropped_bad_length = 0;
};

}  // namespace

struct GstSrtRtpG722Depay2 {
  GstSrtRtpBaseDepay parent;
  DepayState *state;
};
struct GstSrtRtpG722Depay2Class {
  GstSrtRtpBaseDepayClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpG722Depay2, gst_srt_rtp_g722_depay2, GST_TYPE_SRT_RTP_BASE_DEPAY)
GST_ELEMENT_REGISTER_DEFINE(rtpg722depay2, "rtpg722depay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_g722_depay2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpG722Depay2 *>(obj))

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) audio, clock-rate = (int) 8000, "
                    "encoding-name = (string) G722; "
                    "application/x-rtp, media = (string) audio, payload = (int) 9, "
                    "clock-rate = (int) [ 1, MAX ]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/G722, rate = (int) [ 1, MAX ], channels = (int) [ 1, MAX ]"));

// encoding-params (SDP, a string) or channels (int): what rtpg722depay reads.
static guint caps_channels(const GstStructure *st) {
  for (const char *name : {"encoding-params", "channels"}) {
    gint v = 0;
    if (const gchar *str = gst_structure_get_string(st, name))
      v = std::atoi(str);
    else
      gst_structure_get_int(st, name, &v);
    if (v > 0) return static_cast<guint>(v);
  }
  return 1;
}

static gboolean depay_set_caps(GstSrtRtpBaseDepay *base, GstCaps *caps) {
  auto *self = SELF(base);
  const guint channels = caps_channels(gst_caps_get_structure(caps, 0));
  const guint rate = g722::sample_rate_for_clock(gst_srt_rtp_base_depay_clock_rate(base));
  self->state->channels = channels;
  GstCaps *src = gst_caps_new_simple("audio/G722", "rate", G_TYPE_INT, static_cast<gint>(rate),
                                     "channels", G_TYPE_INT, static_cast<gint>(channels), nullptr);
  const gboolean ok = gst_srt_rtp_base_depay_set_src_caps(base, src);
  gst_caps_unref(src);
  return ok;
}

static GstFlowReturn depay_handle_packet(GstSrtRtpBaseDepay *base,
                                         const srtrtp::RtpPacketIn *packet) {
  auto *self = SELF(base);
  DepayState &s = *self->state;
  const gsize size = packet->payload.size();
  switch (g722::check_payload(size, s.channels)) {
    case g722::PayloadCheck::kOk:
      break;
    case g722::PayloadCheck::kEmpty:
      ++s.dropped_empty;
      GST_DEBUG_OBJECT(self, "dropping empty packet %u", packet->sequence);
      gst_srt_rtp_base_depay_mark_discont(base);
      return GST_FLOW_OK;
    case g722::PayloadCheck::kBadLength:
      ++s.dropped_bad_length;
      GST_WARNING_OBJECT(self, "dropping packet %u: %" G_GSIZE_FORMAT " bytes for %u channels",
                         packet->sequence, size, s.channels);
      gst_srt_rtp_base_depay_mark_discont(base);
      return GST_FLOW_OK;
  }
  GstBuffer *out = gst_srt_rtp_base_depay_take_payload(base, packet);
  const guint32 ticks = g722::payload_ticks(size, s.channels);
  GST_BUFFER_DURATION(out) = gst_util_uint64_scale_int(
      ticks, GST_SECOND, static_cast<gint>(gst_srt_rtp_base_depay_clock_rate(base)));
  // The marker bit starts a talkspurt (RFC 3551 4.1), as rtpg722depay marks it.
  if (packet->marker) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_RESYNC);
  gst_srt_rtp_base_depay_push(base, out, packet->timestamp);
  return GST_FLOW_OK;
}

static void depay_add_stats(GstSrtRtpBaseDepay *base, GstStructure *st) {
  const DepayState &s = *SELF(base)->state;
  gst_structure_set(st, "dropped-empty", G_TYPE_UINT64, s.dropped_empty, "dropped-bad-length",
                    G_TYPE_UINT64, s.dropped_bad_length, nullptr);
}

static void depay_finalize(GObject *object) {
  delete SELF(object)->state;
  SELF(object)->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_g722_depay2_parent_class)->finalize(object);
}

static void gst_srt_rtp_g722_depay2_class_init(GstSrtRtpG722Depay2Class *klass) {
  GST_DEBUG_CATEGORY_INIT(g722depay2_debug, "rtpg722depay2", 0, "G.722 RTP depayloader");
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *depay_class = reinterpret_cast<GstSrtRtpBaseDepayClass *>(klass);
  G_OBJECT_CLASS(klass)->finalize = depay_finalize;
  depay_class->set_caps = depay_set_caps;
  depay_class->handle_packet = depay_handle_packet;
  depay_class->add_stats = depay_add_stats;

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP G.722 depayloader (srtrtp)", "Codec/Depayloader/Network/RTP",
      "Extracts G.722 audio from RTP packets (RFC 3551)", srtrtp::kElementAuthor);
}

static void gst_srt_rtp_g722_depay2_init(GstSrtRtpG722Depay2 *self) {
  self->state = new DepayState();
}
