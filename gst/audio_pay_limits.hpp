// The packet limits an audio payloader's frame core should run with: the
// payloader base's ptime settings and the payload room the mtu leaves, read
// per input buffer without the object lock while nothing moved (the base's
// ptime serial), as both audio payloaders need them.
#pragma once

#include <gst/gst.h>

#include <optional>

#include "rtp/audio_payloader.hpp"
#include "rtp_base_pay.hpp"

namespace srtrtp {

class AudioPayLimits {
 public:
  // Per input buffer: nullopt while the core's limits stand, else the
  // settings to configure it with, then applied() once it took them.
  std::optional<srtcore::rtp::audio::PtimeSettings> pending(
      GstSrtRtpBasePay *base, srtcore::rtp::audio::FramePayloader &core, gsize frame_bytes) {
    // Each packet's input time is needed only for RTP time from PTS.
    core.set_input_times(!gst_srt_rtp_base_pay_perfect_rtptime(base));
    const gsize max_payload = gst_srt_rtp_base_pay_max_payload_of_units(base, frame_bytes);
    serial_read_ = gst_srt_rtp_base_pay_ptime_serial(base);
    if (configured_ && serial_read_ == serial_ && max_payload == applied_.max_payload)
      return std::nullopt;
    const GstSrtRtpPtime p = gst_srt_rtp_base_pay_get_ptime(base);
    const srtcore::rtp::audio::PtimeSettings settings{p.min_ptime, p.max_ptime, p.ptime_multiple,
                                                      p.ptime, max_payload};
    if (configured_ && settings == applied_) {
      serial_ = serial_read_;
      return std::nullopt;
    }
    return settings;
  }
  void applied(const srtcore::rtp::audio::PtimeSettings &settings) {
    applied_ = settings;
    serial_ = serial_read_;
    configured_ = true;
  }

 private:
  srtcore::rtp::audio::PtimeSettings applied_{};
  guint serial_ = 0;       // the base's ptime serial when applied_ was read
  guint serial_read_ = 0;  // the one pending() read last
  bool configured_ = false;
};

}  // namespace srtrtp
