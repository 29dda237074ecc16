// End-to-end latency from the NTP-64 header extension (RFC 6051,
// urn:ietf:params:rtp-hdrext:ntp-64): when the sender stamps each packet
// with its clock's time of capture and this pipeline runs on the same clock,
// latency = clock now (at output) - that time. Read straight from the
// packet's extension block: no GstRTPHeaderExtension object or meta needed,
// no allocation per packet.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "rtp/bytes.hpp"

namespace srtrtp {

inline constexpr const char *kNtp64Uri = "urn:ietf:params:rtp-hdrext:ntp-64";

class Ntp64Latency {
 public:
  Ntp64Latency() = default;
  Ntp64Latency(const Ntp64Latency &) = delete;
  Ntp64Latency &operator=(const Ntp64Latency &) = delete;
  ~Ntp64Latency() { release_clock(); }

  // RTP caps: the extmap id of the NTP-64 extension and the sender's
  // a-ts-refclk.
  void configure(const GstCaps *caps);
  // A received packet's extension block (after the block header).
  void note_packet(std::uint16_t profile, srtcore::ByteSpan block, std::uint32_t rtp_time);
  // An output with RTP time `rtp_time` leaves `element` now. Measured when
  // its packet carried NTP-64 and the sender's clock is ours: the same
  // a-ts-refclk (not "local"), or `shared` (the shared-clock property).
  void on_output(GstElement *element, std::uint32_t rtp_time, bool shared);
  // Streaming stopped: forget the stream (the last latency stays in stats).
  void reset();
  // "latency" (gint64 ns, signed: clocks may disagree) once measured.
  void add_stats(GstStructure *st) const;

 private:
  void release_clock();

  unsigned id_ = 0;  // 0: the caps announce no NTP-64
  std::string sender_refclk_;
  bool have_ntp_ = false;
  std::uint32_t ntp_rtp_time_ = 0;  // RTP time of the packet that carried it
  guint64 ntp64_ = 0;
  GstClock *clock_ = nullptr;  // a reference: the clock last checked
  bool clock_matches_ = false;
  GstClockTime ntp_offset_ = 0;  // the clock's time + this = NTP time
  std::atomic<gint64> latency_{0};
  std::atomic<bool> measured_{false};
};

}  // namespace srtrtp
