// RTP time from the pipeline clock's absolute time (RFC 7273 direct media
// clock, offset 0), the a-ts-refclk / a-mediaclk caps fields that describe
// it, and the NTP-64 (RFC 6051) values derived from the same clock.
// Clock kinds are told apart by GType name and read through GObject
// properties, so the plugin needs no gstreamer-net link.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <string>

namespace srtrtp {

// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
inline constexpr guint64 kNtpToUnixSeconds = 2208988800ULL;

// RFC 7273 ts-refclk value for `clock`: "ntp=host:port" for a GstNtpClock,
// "ptp=IEEE1588-2008:XX-..-XX:domain" for a GstPtpClock, "local" otherwise
// (and for no clock).
std::string ts_refclk_for(GstClock *clock);

// What to add to a time of `clock` to count it from the NTP epoch: zero for
// a GstNtpClock (its time is NTP time), 1900..1970 for the rest, whose
// absolute time counts from 1970 (system REALTIME, PTP; the TAI-UTC offset
// of PTP is not corrected).
GstClockTime ntp_epoch_offset(GstClock *clock);

// RTP time of absolute clock time `t` at `rate` Hz with offset 0:
// t x rate / 1 s, truncated, modulo 2^32.
inline guint32 rtp_time_of_clock_time(GstClockTime t, guint rate) {
  return static_cast<guint32>(gst_util_uint64_scale(t, rate, GST_SECOND));
}

// NTP-64 fixed point (32.32 seconds) of a time counted from the NTP epoch,
// and back.
inline guint64 ntp64_of(GstClockTime ntp_ns) {
  return gst_util_uint64_scale(ntp_ns, G_GUINT64_CONSTANT(1) << 32, GST_SECOND);
}
inline GstClockTime ns_of_ntp64(guint64 ntp64) {
  return gst_util_uint64_scale(ntp64, GST_SECOND, G_GUINT64_CONSTANT(1) << 32);
}

// The payloader's view of its element's clock: the clock and base time of
// the current input, and the caps text that names the clock. Streaming
// thread only.
class MediaClock {
 public:
  MediaClock() = default;
  MediaClock(const MediaClock &) = delete;
  MediaClock &operator=(const MediaClock &) = delete;
  ~MediaClock() { reset(); }

  // Reads the element's clock and base time; true when either changed since
  // the last call (the caps fields must be made again).
  bool update(GstElement *element);
  void reset();
  bool has_clock() const { return clock_ != nullptr; }
  // Absolute clock time of a running time.
  GstClockTime clock_time(GstClockTime running) const { return base_time_ + running; }
  // a-ts-refclk, a-mediaclk ("direct=0") and the timestamp-offset (RTP time
  // at running time 0) on `st`.
  void add_caps_fields(GstStructure *st, guint clock_rate) const;
  // Time from the NTP epoch of a running time, for the NTP-64 extension.
  GstClockTime ntp_time(GstClockTime running) const { return clock_time(running) + ntp_offset_; }

 private:
  GstClock *clock_ = nullptr;  // a reference, or null
  GstClockTime base_time_ = 0;
  GstClockTime ntp_offset_ = 0;
  std::string refclk_ = "local";
};

// Adds a timestamp/x-ntp GstReferenceTimestampMeta (what rtphdrextntp64
// writes) to `buffer` unless it has one.
void add_ntp_reference_meta(GstBuffer *buffer, GstClockTime ntp_ns);

}  // namespace srtrtp
