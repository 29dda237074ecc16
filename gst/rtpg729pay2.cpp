// rtpg729pay2: G.729 (with Annex B SID frames) into RTP (RFC 3551). A drop-in
// for rtpg729pay: same caps (PT 18) and packet-time properties. Packets hold
// whole 10 ms frames; a SID frame ends its packet; the marker bit starts each
// talkspurt; RTP time counts frames and jumps over DTX gaps.
#include <gst/gst.h>

#include <cstring>

#include "audio_pay_limits.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "rtp/audio_payloader.hpp"
#include "rtp/g729_payload.hpp"
#include "rtp_base_pay.hpp"

GST_DEBUG_CATEGORY_STATIC(g729pay2_debug);
#define GST_CAT_DEFAULT g729pay2_debug

namespace audio = srtcore::rtp::audio;
namespace g729 = srtcore::rtp::g729;

namespace {

struct PayState {
  audio::FramePayloader core{g729::kFormat};
  srtrtp::AudioPayLimits limits;
  guint64 speech_frames = 0;
};

}  // namespace

struct GstSrtRtpG729Pay2 {
  GstSrtRtpBasePay parent;
  PayState *state;
};
struct GstSrtRtpG729Pay2Class {
  GstSrtRtpBasePayClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpG729Pay2, gst_srt_rtp_g729_pay2, GST_TYPE_SRT_RTP_BASE_PAY)
GST_ELEMENT_REGISTER_DEFINE(rtpg729pay2, "rtpg729pay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_g729_pay2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpG729Pay2 *>(obj))

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("audio/G729, channels = (int) 1, rate = (int) 8000"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) audio, payload = (int) 18, "
                    "clock-rate = (int) 8000, encoding-name = (string) G729; "
                    "application/x-rtp, media = (string) audio, payload = (int) [ 96, 127 ], "
                    "clock-rate = (int) 8000, encoding-name = (string) G729"));

static gboolean pay_set_caps(GstSrtRtpBasePay *base, GstCaps *) {
  return gst_srt_rtp_base_pay_set_outcaps(base, "audio", g729::kClockRate, "G729", nullptr);
}

// Packet limits follow the properties, downstream caps and mtu, which may all
// change while streaming.
static void apply_limits(GstSrtRtpG729Pay2 *self) {
  PayState &s = *self->state;
  const auto pending = s.limits.pending(&self->parent, s.core, g729::kFormat.frame_bytes);
  if (!pending) return;
  const audio::PtimeSettings &settings = *pending;
  // The smallest mtu (28) still holds a frame and a SID, so this cannot fail.
  s.core.configure(settings);
  const audio::PacketLimits &l = s.core.limits();
  GST_DEBUG_OBJECT(self,
                   "packets of %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT
                   " frames, in steps of %" G_GSIZE_FORMAT,
                   l.min_frames, l.max_frames, l.align_frames);
  s.limits.applied(settings);
}

static void write_packet(srtrtp::PayloadWriter &writer, const audio::AudioPacket &p) {
  writer.set_timing(srtrtp::clock_time_or_none(p.pts), p.rtp_time,
                    srtrtp::clock_time_or_none(p.input_pts));
  if (p.discont) writer.set_discont();
  std::span<std::uint8_t> out = writer.begin_packet(p.size());
  std::memcpy(out.data(), p.frames.data(), p.frames.size());
  if (!p.tail.empty()) std::memcpy(out.data() + p.frames.size(), p.tail.data(), p.tail.size());
  writer.end_packet(p.marker);
}

static GstFlowReturn pay_handle_buffer(GstSrtRtpBasePay *base, GstBuffer *buffer) {
  auto *self = SELF(base);
  PayState &s = *self->state;
  apply_limits(self);
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  const auto frames = g729::split(srtcore::ByteSpan(map.data, map.size));
  if (!frames) {
    GST_ELEMENT_ERROR(self, STREAM, WRONG_TYPE, ("Invalid G.729 input buffer size."),
                      ("%s got %" G_GSIZE_FORMAT
                       " bytes; input buffers must hold whole 10-byte G.729 frames, optionally "
                       "followed by one 2-byte Annex B SID frame. Feed it a G.729 encoder's "
                       "output (audio/G729) directly.",
                       GST_ELEMENT_NAME(self), map.size));
    gst_buffer_unmap(buffer, &map);
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  s.speech_frames += frames->speech_frames();
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  const audio::InputTime t{
      GST_CLOCK_TIME_IS_VALID(pts) ? static_cast<std::int64_t>(pts) : audio::kNoTime,
      gst_srt_rtp_base_pay_rtp_time(base, pts), GST_BUFFER_IS_DISCONT(buffer)};
  srtrtp::PayloadWriter writer(base, pts, t.rtp_time);
  s.core.push(frames->speech, frames->sid, t,
              [&writer](const audio::AudioPacket &p) { write_packet(writer, p); });
  gst_buffer_unmap(buffer, &map);
  gst_buffer_unref(buffer);
  return writer.push();
}

static GstFlowReturn pay_drain(GstSrtRtpBasePay *base) {
  PayState &s = *SELF(base)->state;
  srtrtp::PayloadWriter writer(base, GST_CLOCK_TIME_NONE);
  s.core.drain([&writer](const audio::AudioPacket &p) { write_packet(writer, p); });
  return writer.push();
}

static void pay_flush(GstSrtRtpBasePay *base) {
  SELF(base)->state->core.reset();
}

static void pay_add_stats(GstSrtRtpBasePay *base, GstStructure *st) {
  const PayState &s = *SELF(base)->state;
  const audio::PayloaderStats &c = s.core.stats();
  gst_structure_set(st, "speech-frames", G_TYPE_UINT64, s.speech_frames, "sid-frames",
                    G_TYPE_UINT64, c.tail_frames, "input-gaps", G_TYPE_UINT64, c.gaps,
                    "input-disconts", G_TYPE_UINT64, c.disconts, nullptr);
}

static void pay_finalize(GObject *object) {
  delete SELF(object)->state;
  SELF(object)->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_g729_pay2_parent_class)->finalize(object);
}

static void gst_srt_rtp_g729_pay2_class_init(GstSrtRtpG729Pay2Class *klass) {
  GST_DEBUG_CATEGORY_INIT(g729pay2_debug, "rtpg729pay2", 0, "G.729 RTP payloader");
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *pay_class = reinterpret_cast<GstSrtRtpBasePayClass *>(klass);
  G_OBJECT_CLASS(klass)->finalize = pay_finalize;
  pay_class->set_caps = pay_set_caps;
  pay_class->handle_buffer = pay_handle_buffer;
  pay_class->drain = pay_drain;
  pay_class->flush = pay_flush;
  pay_class->add_stats = pay_add_stats;

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP G.729 payloader (srtrtp)", "Codec/Payloader/Network/RTP",
      "Packetize G.729 audio (with Annex B SID frames) into RTP packets (RFC 3551)",
      srtrtp::kElementAuthor);
}

static void gst_srt_rtp_g729_pay2_init(GstSrtRtpG729Pay2 *self) {
  self->state = new PayState();
  gst_srt_rtp_base_pay_set_default_pt(&self->parent, g729::kPayloadType);
}
