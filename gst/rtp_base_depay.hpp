// Shared base of every depayloader in the plugin: RTP header parsing, sequence
// gap and DISCONT tracking, RTP-time to PTS mapping, stats, buffer-list output
// and keyframe requests. Codec elements implement set_caps and handle_packet.
#pragma once

#include <gst/gst.h>

#include <cstdint>

#include "rtp/bytes.hpp"

namespace srtrtp {

// One incoming RTP packet, as the base parsed it.
struct RtpPacketIn {
  srtcore::ByteSpan payload;
  std::uint32_t timestamp;
  std::uint16_t sequence;
  bool marker;
  bool lost_before;      // sequence gap or DISCONT just before this packet
  GstBuffer *buffer;     // the whole packet (for zero-copy sub-buffers)
  gsize payload_offset;  // where the payload starts in `buffer`
};

}  // namespace srtrtp

G_BEGIN_DECLS

#define GST_TYPE_SRT_RTP_BASE_DEPAY (gst_srt_rtp_base_depay_get_type())
G_DECLARE_DERIVABLE_TYPE(GstSrtRtpBaseDepay, gst_srt_rtp_base_depay, GST, SRT_RTP_BASE_DEPAY,
                         GstElement)

struct _GstSrtRtpBaseDepayClass {
  GstElementClass parent_class;

  // application/x-rtp caps arrived (clock-rate already read by the base).
  gboolean (*set_caps)(GstSrtRtpBaseDepay *self, GstCaps *caps);
  // One packet; output goes through gst_srt_rtp_base_depay_push().
  GstFlowReturn (*handle_packet)(GstSrtRtpBaseDepay *self, const srtrtp::RtpPacketIn *packet);
  // Optional: output what is held (EOS).
  GstFlowReturn (*drain)(GstSrtRtpBaseDepay *self);
  // Optional: forget what is held (flush, stop).
  void (*flush)(GstSrtRtpBaseDepay *self);
  // Optional: add codec fields to the "stats" structure.
  void (*add_stats)(GstSrtRtpBaseDepay *self, GstStructure *stats);

  gpointer padding[8];
};

// Queues one output buffer; PTS comes from `rtp_time`. Buffers queued during
// one packet are pushed together as a GstBufferList.
void gst_srt_rtp_base_depay_push(GstSrtRtpBaseDepay *self, GstBuffer *buffer, guint32 rtp_time);
// A buffer of exactly the packet's payload, without the packet's timestamps,
// flags or metas. When upstream handed over the only reference to the packet
// (as udpsrc and payloaders do), that buffer itself is trimmed to the
// payload, header memories dropped, and returned: no allocation. Otherwise
// the packet is left as it is and a payload of up to 512 bytes is copied into
// a recycled buffer; a larger one is shared. packet->payload is invalid
// afterwards. Call it at most once per packet.
GstBuffer *gst_srt_rtp_base_depay_take_payload(GstSrtRtpBaseDepay *self,
                                               const srtrtp::RtpPacketIn *packet);
// Marks the next output DISCONT (data was lost or dropped).
void gst_srt_rtp_base_depay_mark_discont(GstSrtRtpBaseDepay *self);
// Sets src caps if they differ from the current ones.
gboolean gst_srt_rtp_base_depay_set_src_caps(GstSrtRtpBaseDepay *self, GstCaps *caps);
// Sends an upstream force-key-unit event (all-headers) towards the sender.
void gst_srt_rtp_base_depay_request_keyframe(GstSrtRtpBaseDepay *self);
guint gst_srt_rtp_base_depay_clock_rate(GstSrtRtpBaseDepay *self);
GstPad *gst_srt_rtp_base_depay_src_pad(GstSrtRtpBaseDepay *self);

G_END_DECLS
