// What the media clock tests (NTP and PTP) share: payloaders on a given
// clock, input buffers, an independent model of RFC 7273 direct RTP time,
// and the rtpjitterbuffer rfc7273-sync pipeline that lines audio and video
// up from their RTP time alone.
#pragma once

#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtphdrext.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "h264_fixtures.hpp"

namespace fixtures {

inline constexpr const char *kG722Caps = "audio/G722,rate=16000,channels=1";
inline constexpr const char *kH264Caps = "video/x-h264,stream-format=byte-stream,alignment=au";
inline constexpr const char *kNtp64Uri = "urn:ietf:params:rtp-hdrext:ntp-64";

// floor(t x rate / 1 s) mod 2^32, exactly, in parts that cannot overflow.
std::uint32_t expected_rtp(GstClockTime t, std::uint64_t rate);
// An RTP time as ns, unwrapped to the 2^32 cycle nearest the time `near`.
GstClockTime unwrapped_ns(std::uint32_t ts, std::uint64_t rate, GstClockTime near);

struct ClockUnref {
  void operator()(GstClock *c) const { gst_object_unref(c); }
};
using ClockPtr = std::unique_ptr<GstClock, ClockUnref>;

// A payloader with rtptime-from-clock=true on `clock` at `base_time`.
HarnessPtr make_clocked_pay(const char *factory, const char *caps, GstClock *clock,
                            GstClockTime base_time, const char *props = "");
GstBuffer *g722_20ms(GstClockTime pts);
GstBuffer *h264_au(GstClockTime pts, std::size_t slice = 100);
GstRTPHeaderExtension *ntp64_extension(guint id, bool every_packet);
// The depayloader's "latency" stat, when it has one.
std::optional<gint64> stats_latency(GstElement *depay);

// appsrc ! {rtpg722pay2|rtph264pay2} ! rtpjitterbuffer rfc7273-sync=true
// ! depayloader ! appsink for audio and video, on `clock`, the packets'
// timestamps cleared before the jitter buffers. Video frames from 100 ms
// every 40 ms, audio from 300 ms every 20 ms, all pushed at once.
struct Rfc7273Run {
  std::vector<GstClockTime> audio_in, audio_out, video_in, video_out;
  std::optional<gint64> audio_latency, video_latency;  // the depayloaders' stats
};
// Adds a test failure (and returns early) when the pipeline cannot run.
void run_rfc7273_sync(GstClock *clock, bool rtptime_from_clock, Rfc7273Run *out);
// The largest of |PTS out - PTS in| over both streams and |audio - video| of
// the same instants; G_MAXINT64 when an output is missing.
GstClockTimeDiff worst_misalignment(const Rfc7273Run &run);
// Every output's offset from its input, for failure messages.
std::string describe(const Rfc7273Run &run);

}  // namespace fixtures
