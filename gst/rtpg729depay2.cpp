// rtpg729depay2: RTP to G.729 (RFC 3551, Annex B SID frames). A drop-in for
// rtpg729depay: one buffer per packet, without copying when the packet is
// ours alone (see take_payload); RESYNC on the marker bit. Unlike it,
// payloads that are not 10n or 10n+2 bytes are dropped and counted instead
// of reaching the decoder.
#include <gst/gst.h>

#include <cstdlib>

#include "element_author.hpp"
#include "elements.hpp"
#include "rtp/g729_payload.hpp"
#include "rtp_base_depay.hpp"

GST_DEBUG_CATEGORY_STATIC(g729depay2_debug);
#define GST_CAT_DEFAULT g729depay2_debug

namespace g729 = srtcore::rtp::g729;

namespace {

struct DepayState {
  guint64 speech_frames = 0;
  guint64 sid_frames = 0;
  guint64 dropped_empty = 0;
  guint64 dropped_bad_length = 0;
};

}  // namespace

struct GstSrtRtpG729Depay2 {
  GstSrtRtpBaseDepay parent;
  DepayState *state;
};
struct GstSrtRtpG729Depay2Class {
  GstSrtRtpBaseDepayClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpG729Depay2, gst_srt_rtp_g729_depay2, GST_TYPE_SRT_RTP_BASE_DEPAY)
GST_ELEMENT_REGISTER_DEFINE(rtpg729depay2, "rtpg729depay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_g729_depay2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpG729Depay2 *>(obj))

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) audio, clock-rate = (int) 8000, "
                    "encoding-name = (string) G729; "
                    "application/x-rtp, media = (string) audio, payload = (int) 18, "
                    "clock-rate = (int) 8000"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("audio/G729, channels = (int) 1, rate = (int) 8000"));

static gboolean depay_set_caps(GstSrtRtpBaseDepay *base, GstCaps *caps) {
  auto *self = SELF(base);
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  const gchar *params = gst_structure_get_string(st, "encoding-params");
  if (params && std::atoi(params) != 1) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("G.729 with %s channels is not supported.", params),
                      ("RFC 3551 G.729 is mono; fix encoding-params in the caps or SDP"));
    return FALSE;
  }
  if (gst_srt_rtp_base_depay_clock_rate(base) != g729::kClockRate) {
    GST_ELEMENT_ERROR(
        self, STREAM, FORMAT, ("G.729 needs clock-rate 8000."),
        ("Got clock-rate %u; fix the caps or SDP", gst_srt_rtp_base_depay_clock_rate(base)));
    return FALSE;
  }
  GstCaps *src = gst_caps_new_simple("audio/G729", "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT,
                                     static_cast<gint>(g729::kClockRate), nullptr);
  const gboolean ok = gst_srt_rtp_base_depay_set_src_caps(base, src);
  gst_caps_unref(src);
  return ok;
}

static GstFlowReturn drop(GstSrtRtpBaseDepay *base, const srtrtp::RtpPacketIn *packet,
                          guint64 &counter) {
  ++counter;
  GST_WARNING_OBJECT(base,
                     "dropping packet %u of %" G_GSIZE_FORMAT
                     " bytes: G.729 payloads hold 10-byte frames and at most one 2-byte SID "
                     "frame at the end",
                     packet->sequence, packet->payload.size());
  // The decoder must know that audio is missing here.
  gst_srt_rtp_base_depay_mark_discont(base);
  return GST_FLOW_OK;
}

static GstFlowReturn depay_handle_packet(GstSrtRtpBaseDepay *base,
                                         const srtrtp::RtpPacketIn *packet) {
  DepayState &s = *SELF(base)->state;
  switch (g729::check_payload(packet->payload.size())) {
    case g729::PayloadCheck::kOk:
      break;
    case g729::PayloadCheck::kEmpty:
      return drop(base, packet, s.dropped_empty);
    case g729::PayloadCheck::kBadLength:
      return drop(base, packet, s.dropped_bad_length);
  }
  const g729::Frames frames = *g729::split(packet->payload);
  s.speech_frames += frames.speech_frames();
  if (!frames.sid.empty()) ++s.sid_frames;
  const std::uint32_t ticks = frames.ticks();
  GstBuffer *out = gst_srt_rtp_base_depay_take_payload(base, packet);
  GST_BUFFER_DURATION(out) =
      gst_util_uint64_scale_int(ticks, GST_SECOND, static_cast<gint>(g729::kClockRate));
  // The marker bit starts a talkspurt (RFC 3551 4.1), as rtpg729depay marks it.
  if (packet->marker) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_RESYNC);
  gst_srt_rtp_base_depay_push(base, out, packet->timestamp);
  return GST_FLOW_OK;
}

static void depay_add_stats(GstSrtRtpBaseDepay *base, GstStructure *st) {
  const DepayState &s = *SELF(base)->state;
  gst_structure_set(st, "speech-frames", G_TYPE_UINT64, s.speech_frames, "sid-frames",
                    G_TYPE_UINT64, s.sid_frames, "dropped-empty", G_TYPE_UINT64, s.dropped_empty,
                    "dropped-bad-length", G_TYPE_UINT64, s.dropped_bad_length, nullptr);
}

static void depay_finalize(GObject *object) {
  delete SELF(object)->state;
  SELF(object)->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_g729_depay2_parent_class)->finalize(object);
}

static void gst_srt_rtp_g729_depay2_class_init(GstSrtRtpG729Depay2Class *klass) {
  GST_DEBUG_CATEGORY_INIT(g729depay2_debug, "rtpg729depay2", 0, "G.729 RTP depayloader");
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *depay_class = reinterpret_cast<GstSrtRtpBaseDepayClass *>(klass);
  G_OBJECT_CLASS(klass)->finalize = depay_finalize;
  depay_class->set_caps = depay_set_caps;
  depay_class->handle_packet = depay_handle_packet;
  depay_class->add_stats = depay_add_stats;

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP G.729 depayloader (srtrtp)", "Codec/Depayloader/Network/RTP",
      "Extracts G.729 audio (with Annex B SID frames) from RTP packets (RFC 3551)",
      srtrtp::kElementAuthor);
}

static void gst_srt_rtp_g729_depay2_init(GstSrtRtpG729Depay2 *self) {
  self->state = new DepayState();
}
