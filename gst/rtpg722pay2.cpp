// rtpg722pay2: G.722 into RTP (RFC 3551). A drop-in for rtpg722pay: same caps
// (PT 9, clock-rate 8000 for 16 kHz audio) and packet-time properties; packets
// are cut in 10 ms steps and stamped with perfect RTP timestamps by srt-core.
// An input buffer of exactly one packet is sent without copying its bytes.
#include <gst/gst.h>

#include <atomic>
#include <cstring>

#include "buffer_bytes.hpp"
#include "audio_pay_limits.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "rtp/audio_payloader.hpp"
#include "rtp/g722_payload.hpp"
#include "rtp/rtp_header.hpp"
#include "rtp_base_pay.hpp"

GST_DEBUG_CATEGORY_STATIC(g722pay2_debug);
#define GST_CAT_DEFAULT g722pay2_debug

namespace audio = srtcore::rtp::audio;
namespace g722 = srtcore::rtp::g722;

namespace {

struct PayState {
  audio::FramePayloader core{g722::kFormat};
  srtrtp::AudioPayLimits limits;
  std::atomic<bool> buffer_list{false};  // rtpg722pay's buffer-list, set from any thread
};

enum { PROP_0, PROP_BUFFER_LIST };

}  // namespace

struct GstSrtRtpG722Pay2 {
  GstSrtRtpBasePay parent;
  PayState *state;
};
struct GstSrtRtpG722Pay2Class {
  GstSrtRtpBasePayClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpG722Pay2, gst_srt_rtp_g722_pay2, GST_TYPE_SRT_RTP_BASE_PAY)
GST_ELEMENT_REGISTER_DEFINE(rtpg722pay2, "rtpg722pay2", GST_RANK_SECONDARY,
                            gst_srt_rtp_g722_pay2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpG722Pay2 *>(obj))

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("audio/G722, rate = (int) 16000, channels = (int) 1"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) audio, encoding-name = (string) G722, "
                    "payload = (int) 9, encoding-params = (string) 1, clock-rate = (int) 8000; "
                    "application/x-rtp, media = (string) audio, encoding-name = (string) G722, "
                    "payload = (int) [ 96, 127 ], encoding-params = (string) 1, "
                    "clock-rate = (int) 8000"));

static gboolean pay_set_caps(GstSrtRtpBasePay *base, GstCaps *) {
  GstStructure *extra = gst_structure_new("x", "encoding-params", G_TYPE_STRING, "1", "channels",
                                          G_TYPE_INT, 1, nullptr);
  const gboolean ok =
      gst_srt_rtp_base_pay_set_outcaps(base, "audio", g722::kClockRate, "G722", extra);
  gst_structure_free(extra);
  return ok;
}

// Packet limits follow the properties, downstream caps and mtu, which may all
// change while streaming.
static bool apply_limits(GstSrtRtpG722Pay2 *self) {
  PayState &s = *self->state;
  const auto pending = s.limits.pending(&self->parent, s.core, g722::kFormat.frame_bytes);
  if (!pending) return true;
  const audio::PtimeSettings &settings = *pending;
  if (!s.core.configure(settings)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("The mtu is too small for G.722."),
                      ("mtu leaves %" G_GSIZE_FORMAT
                       " payload bytes, less than one 10 ms G.722 step (%" G_GSIZE_FORMAT
                       " bytes); set mtu to at least %" G_GSIZE_FORMAT,
                       settings.max_payload, g722::kFormat.frame_bytes,
                       g722::kFormat.frame_bytes + srtcore::rtp::kRtpHeaderSize));
    return false;
  }
  const audio::PacketLimits &l = s.core.limits();
  GST_DEBUG_OBJECT(self,
                   "packets of %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT
                   " x 10 ms, in steps of %" G_GSIZE_FORMAT,
                   l.min_frames, l.max_frames, l.align_frames);
  s.limits.applied(settings);
  return true;
}

static void set_packet_timing(srtrtp::PayloadWriter &writer, const audio::AudioPacket &p) {
  writer.set_timing(srtrtp::clock_time_or_none(p.pts), p.rtp_time,
                    srtrtp::clock_time_or_none(p.input_pts));
  if (p.discont) writer.set_discont();
}

static void write_packet(srtrtp::PayloadWriter &writer, const audio::AudioPacket &p) {
  set_packet_timing(writer, p);
  std::span<std::uint8_t> out = writer.begin_packet(p.size());
  std::memcpy(out.data(), p.frames.data(), p.frames.size());
  writer.end_packet(p.marker);
}

// Cuts `buffer` (taken) into packets. When it is exactly one packet (the
// usual case: 20 ms encoder buffers, 20 ms packets) the core hands out its own
// bytes, and the buffer itself becomes the packet, header memory in front; the
// writer holds it until the push, after the mapping ends here.
static bool cut(PayState &s, GstBuffer *buffer, const audio::InputTime &t,
                srtrtp::PayloadWriter &writer) {
  // Declared before the map so that it is destroyed after it: a memory freed
  // while mapped is not freed at all (GStreamer leaks it with a CRITICAL).
  srtrtp::BufferPtr own(buffer);
  const srtrtp::ReadMap map(buffer);
  if (!map.ok()) return false;
  const srtcore::ByteSpan input = map.span();
  s.core.push(input, {}, t, [&](const audio::AudioPacket &p) {
    if (own && p.frames.data() == input.data() && p.frames.size() == input.size()) {
      set_packet_timing(writer, p);
      // The writer's packet keeps the mapped memory alive past the map.
      writer.wrap_packet(own.release(), p.marker);
    } else {
      write_packet(writer, p);
    }
  });
  return true;
}

static GstFlowReturn pay_handle_buffer(GstSrtRtpBasePay *base, GstBuffer *buffer) {
  auto *self = SELF(base);
  PayState &s = *self->state;
  if (!apply_limits(self)) {
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  // Only the first buffer's RTP time anchors the timeline; later ones follow it.
  const audio::InputTime t{
      GST_CLOCK_TIME_IS_VALID(pts) ? static_cast<std::int64_t>(pts) : audio::kNoTime,
      s.core.needs_rtp_time() ? gst_srt_rtp_base_pay_rtp_time(base, pts) : 0,
      GST_BUFFER_IS_DISCONT(buffer)};
  srtrtp::PayloadWriter writer(base, pts, t.rtp_time);
  writer.set_always_list(s.buffer_list.load(std::memory_order_relaxed));
  if (!cut(s, buffer, t, writer)) return GST_FLOW_ERROR;
  return writer.push();
}

static GstFlowReturn pay_drain(GstSrtRtpBasePay *base) {
  PayState &s = *SELF(base)->state;
  srtrtp::PayloadWriter writer(base, GST_CLOCK_TIME_NONE);
  writer.set_always_list(s.buffer_list.load(std::memory_order_relaxed));
  s.core.drain([&writer](const audio::AudioPacket &p) { write_packet(writer, p); });
  return writer.push();
}

static void pay_flush(GstSrtRtpBasePay *base) {
  SELF(base)->state->core.reset();
}

static void pay_add_stats(GstSrtRtpBasePay *base, GstStructure *st) {
  const audio::PayloaderStats &c = SELF(base)->state->core.stats();
  gst_structure_set(st, "input-gaps", G_TYPE_UINT64, c.gaps, "input-disconts", G_TYPE_UINT64,
                    c.disconts, nullptr);
}

static void pay_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  if (id == PROP_BUFFER_LIST)
    SELF(object)->state->buffer_list = g_value_get_boolean(value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pay_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  if (id == PROP_BUFFER_LIST)
    g_value_set_boolean(value, SELF(object)->state->buffer_list);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pay_finalize(GObject *object) {
  delete SELF(object)->state;
  SELF(object)->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_g722_pay2_parent_class)->finalize(object);
}

static void gst_srt_rtp_g722_pay2_class_init(GstSrtRtpG722Pay2Class *klass) {
  GST_DEBUG_CATEGORY_INIT(g722pay2_debug, "rtpg722pay2", 0, "G.722 RTP payloader");
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *pay_class = reinterpret_cast<GstSrtRtpBasePayClass *>(klass);
  G_OBJECT_CLASS(klass)->finalize = pay_finalize;
  G_OBJECT_CLASS(klass)->set_property = pay_set_property;
  G_OBJECT_CLASS(klass)->get_property = pay_get_property;
  // As rtpg722pay (GstRTPBaseAudioPayload): every output in a buffer list.
  g_object_class_install_property(
      G_OBJECT_CLASS(klass), PROP_BUFFER_LIST,
      g_param_spec_boolean("buffer-list", "Buffer List", "Use Buffer Lists", FALSE,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  pay_class->set_caps = pay_set_caps;
  pay_class->handle_buffer = pay_handle_buffer;
  pay_class->drain = pay_drain;
  pay_class->flush = pay_flush;
  pay_class->add_stats = pay_add_stats;

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP G.722 payloader (srtrtp)", "Codec/Payloader/Network/RTP",
      "Payload-encode G.722 audio into RTP packets (RFC 3551)", srtrtp::kElementAuthor);
}

static void gst_srt_rtp_g722_pay2_init(GstSrtRtpG722Pay2 *self) {
  self->state = new PayState();
  gst_srt_rtp_base_pay_set_default_pt(&self->parent, g722::kPayloadType);
}
