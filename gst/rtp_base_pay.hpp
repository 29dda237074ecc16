// Shared base of every payloader in the plugin: mtu, pt, ssrc, timestamp and
// seqnum offsets, source-info (CSRCs), stats, output caps, RTP header writing
// and GstBufferList output. Codec elements implement set_caps and handle_buffer only.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <span>

#include "rtp/packet_sink.hpp"

G_BEGIN_DECLS

#define GST_TYPE_SRT_RTP_BASE_PAY (gst_srt_rtp_base_pay_get_type())
G_DECLARE_DERIVABLE_TYPE(GstSrtRtpBasePay, gst_srt_rtp_base_pay, GST, SRT_RTP_BASE_PAY, GstElement)

struct _GstSrtRtpBasePayClass {
  GstElementClass parent_class;

  // Input caps arrived; call gst_srt_rtp_base_pay_set_outcaps() from here.
  gboolean (*set_caps)(GstSrtRtpBasePay *self, GstCaps *caps);
  // One input buffer (ownership passes to the subclass).
  GstFlowReturn (*handle_buffer)(GstSrtRtpBasePay *self, GstBuffer *buffer);
  // Optional: send what is held (EOS, segment change).
  GstFlowReturn (*drain)(GstSrtRtpBasePay *self);
  // Optional: forget what is held (flush, stop).
  void (*flush)(GstSrtRtpBasePay *self);
  // Optional: a force-key-unit event passed by (either direction).
  void (*force_key_unit)(GstSrtRtpBasePay *self, gboolean all_headers);
  // Optional: add codec fields to the "stats" structure.
  void (*add_stats)(GstSrtRtpBasePay *self, GstStructure *stats);
  // Optional: the answer to a caps query on the sink pad (downstream's
  // constraints for the encoder upstream), intersected with `filter`.
  GstCaps *(*get_sink_caps)(GstSrtRtpBasePay *self, GstCaps *filter);

  gpointer padding[7];
};

// Largest RTP payload that fits the mtu property (with the current input's
// CSRCs and header extensions).
gsize gst_srt_rtp_base_pay_max_payload(GstSrtRtpBasePay *self);
// The same for payloads cut in units of `unit` bytes (audio frames): at least
// one unit when the mtu holds one behind a plain 12-byte header, so that the
// CSRCs or extensions of an input make a packet too big, not an error.
gsize gst_srt_rtp_base_pay_max_payload_of_units(GstSrtRtpBasePay *self, gsize unit);
// RTP timestamp for a buffer PTS (running time scaled to the clock rate, plus offset).
guint32 gst_srt_rtp_base_pay_rtp_time(GstSrtRtpBasePay *self, GstClockTime pts);
// Sets application/x-rtp src caps; `extra` (may be NULL) fields are added.
gboolean gst_srt_rtp_base_pay_set_outcaps(GstSrtRtpBasePay *self, const gchar *media,
                                          guint clock_rate, const gchar *encoding_name,
                                          const GstStructure *extra);

// Packet-time settings for audio payloaders, in ns, as GstRTPBasePayload has
// them: max_ptime is the smaller of the max-ptime property and downstream
// caps' "maxptime" (-1: none); ptime comes from downstream caps (0: none).
typedef struct {
  gint64 min_ptime;
  gint64 max_ptime;
  gint64 ptime_multiple;
  gint64 ptime;
} GstSrtRtpPtime;
GstSrtRtpPtime gst_srt_rtp_base_pay_get_ptime(GstSrtRtpBasePay *self);
// Changes whenever get_ptime's answer may have: read it per buffer without
// the object lock, and call get_ptime only when it moved.
guint gst_srt_rtp_base_pay_ptime_serial(GstSrtRtpBasePay *self);
// perfect-rtptime: audio payloaders count RTP time in samples when TRUE
// (default), and take each packet's from its PTS when FALSE.
gboolean gst_srt_rtp_base_pay_perfect_rtptime(GstSrtRtpBasePay *self);
// For a subclass's instance init: its default payload type (static types such
// as 9 for G.722); the pt property and downstream caps still override it.
void gst_srt_rtp_base_pay_set_default_pt(GstSrtRtpBasePay *self, guint pt);

G_END_DECLS

namespace srtrtp {

// A time from srt-core (ns, negative for none) as a GstClockTime.
inline GstClockTime clock_time_or_none(std::int64_t ns) {
  return ns < 0 ? GST_CLOCK_TIME_NONE : static_cast<GstClockTime>(ns);
}

// Turns the packets of one input buffer into RTP GstBuffers in a list: the
// payloader core writes each payload straight into the buffer's memory.
class PayloadWriter final : public srtcore::rtp::PacketSink {
 public:
  PayloadWriter(GstSrtRtpBasePay *pay, GstBuffer *input);
  // Packets not tied to an input buffer (drain at EOS, end of a previous AU).
  PayloadWriter(GstSrtRtpBasePay *pay, GstClockTime pts);
  // Audio payloaders, which set the timing of each packet themselves.
  PayloadWriter(GstSrtRtpBasePay *pay, GstClockTime pts, guint32 rtp_time);
  ~PayloadWriter() override;
  PayloadWriter(const PayloadWriter &) = delete;
  PayloadWriter &operator=(const PayloadWriter &) = delete;

  // Timing of the packets that follow (audio payloaders set it per packet):
  // `rtp_time` counted in samples, used unless perfect-rtptime is FALSE,
  // which takes the RTP time of `input_pts` (or of `pts` when that is not
  // given) instead, as GstRTPBasePayload does.
  void set_timing(GstClockTime pts, guint32 rtp_time, GstClockTime input_pts = GST_CLOCK_TIME_NONE);
  std::span<std::uint8_t> begin_packet(std::size_t payload_size) override;
  void end_packet(bool marker) override;
  // A packet whose payload is all of `payload` (taken), instead of
  // begin_packet/end_packet: only the header is written. A buffer held by no
  // one else becomes the packet itself, with the header memory in front.
  void wrap_packet(GstBuffer *payload, bool marker);
  // The next packet is the first after a discontinuity (DISCONT flag).
  void set_discont() { discont_ = true; }
  // Push even a lone packet in a GstBufferList (the buffer-list property).
  void set_always_list(bool on) { always_list_ = on; }
  guint packets() const { return first_ ? 1 : list_ ? gst_buffer_list_length(list_) : 0; }
  // Pushes the collected packets downstream as one GstBufferList.
  GstFlowReturn push();

 private:
  GstMemory *header_memory(gsize size, gsize payload_size, bool marker);
  void write_extensions(GstBuffer *buffer);
  void queue(GstBuffer *buffer, bool marker);

  GstSrtRtpBasePay *pay_;
  GstBuffer *first_ = nullptr;  // a lone packet needs no list
  GstBufferList *list_ = nullptr;
  guint8 *packet_ = nullptr;  // the packet being written, inside the current block
  gsize packet_size_ = 0;
  gsize header_size_ = 0;   // of the packet being written: CSRCs, extension block reserved
  guint8 *head_ = nullptr;  // its header, inside the current block
  GstClockTime pts_;
  guint32 rtp_time_;
  bool discont_;
  bool always_list_ = false;
};

}  // namespace srtrtp
