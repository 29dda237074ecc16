// Adaptive protection for our RTP FEC encoders (rtpulpfecenc2,
// rtpst2022-1-fecenc2, rtpredenc2): the properties they share (adaptive,
// reported-loss, min-percentage, max-percentage, rtp-session), the hookup to
// rtpbin's RTCP, and srt-core's ProtectionPolicy behind them. Each element
// turns the level (FEC packets per 100 media packets) into its own knob.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "fec/protection_policy.hpp"

namespace srtrtp {

class AdaptiveFec {
 public:
  // Property ids first, first + 1, ... in this order.
  enum Prop : guint {
    kAdaptive,
    kReportedLoss,
    kMinPercentage,
    kMaxPercentage,
    kRtpSession,
    kCount
  };

  // `level_use`: how the element uses the level, for the `adaptive` blurb.
  static void install_properties(GObjectClass *klass, guint first, const char *level_use);

  // `is_ours`: whether an RTCP report block's SSRC is one the element sends
  // (called from the RTCP thread).
  AdaptiveFec(GstElement *owner, std::function<bool(guint32)> is_ours);
  ~AdaptiveFec();
  AdaptiveFec(const AdaptiveFec &) = delete;
  AdaptiveFec &operator=(const AdaptiveFec &) = delete;

  // False when `id` is not one of the shared properties.
  bool set_property(guint first, guint id, const GValue *value);
  bool get_property(guint first, guint id, GValue *value);

  // The level in use in adaptive mode, nullopt when adaptive is off. Any thread.
  std::optional<unsigned> level();

  // Lets go of rtp-session (dispose).
  void release_session() { set_session(nullptr); }

 private:
  static void on_receiving_rtcp(GObject *, GstBuffer *buffer, gpointer data);
  void set_session(GObject *session);

  GstElement *owner_;
  std::function<bool(guint32)> is_ours_;
  std::mutex mutex_;
  bool adaptive_ = false;
  double reported_loss_ = 0;
  srtcore::fec::ProtectionPolicy policy_{srtcore::fec::ProtectionPolicyConfig{}};
  GObject *session_ = nullptr;  // our ref
  gulong handler_ = 0;
};

// The monotonic clock the policy's hold times run on.
std::uint64_t adaptive_now_ms();

}  // namespace srtrtp
