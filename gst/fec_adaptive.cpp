#include "fec_adaptive.hpp"

#include <gst/rtp/gstrtcpbuffer.h>

#include <algorithm>

GST_DEBUG_CATEGORY_STATIC(fec_adaptive_debug);
#define GST_CAT_DEFAULT fec_adaptive_debug

namespace srtrtp {

std::uint64_t adaptive_now_ms() {
  return static_cast<std::uint64_t>(g_get_monotonic_time() / 1000);
}

void AdaptiveFec::install_properties(GObjectClass *klass, guint first, const char *level_use) {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(fec_adaptive_debug, "srtrtpfecadaptive", 0,
                            "srtrtp adaptive FEC protection");
  });
  const auto rw =
      static_cast<GParamFlags>(G_PARAM_CONSTRUCT | G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  gchar *blurb = g_strdup_printf(
      "Protection follows the loss receivers report (reported-loss, or RTCP through "
      "rtp-session), as a level of FEC packets per 100 media packets: %s",
      level_use);
  // The blurb must outlive the class: the param spec keeps its own copy
  // (no G_PARAM_STATIC_BLURB for this one).
  g_object_class_install_property(
      klass, first + kAdaptive,
      g_param_spec_boolean("adaptive", "Adaptive", blurb, FALSE,
                           static_cast<GParamFlags>(G_PARAM_CONSTRUCT | G_PARAM_READWRITE |
                                                    G_PARAM_STATIC_NAME | G_PARAM_STATIC_NICK)));
  g_free(blurb);
  g_object_class_install_property(
      klass, first + kReportedLoss,
      g_param_spec_double("reported-loss", "Reported loss",
                          "Fraction of packets the receivers report lost (RTCP fraction lost "
                          "/ 256); set by the application or from rtp-session",
                          0.0, 1.0, 0.0,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      klass, first + kMinPercentage,
      g_param_spec_uint("min-percentage", "Minimum percentage",
                        "Lowest protection level in adaptive mode (FEC packets per 100)", 0, 100, 0,
                        rw));
  g_object_class_install_property(
      klass, first + kMaxPercentage,
      g_param_spec_uint("max-percentage", "Maximum percentage",
                        "Highest protection level in adaptive mode (FEC packets per 100)", 0, 100,
                        100, rw));
  g_object_class_install_property(
      klass, first + kRtpSession,
      g_param_spec_object("rtp-session", "RTP session",
                          "rtpbin's internal session (get-internal-session) whose received "
                          "RTCP report blocks about our SSRCs set reported-loss",
                          G_TYPE_OBJECT,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

AdaptiveFec::AdaptiveFec(GstElement *owner, std::function<bool(guint32)> is_ours)
    : owner_(owner), is_ours_(std::move(is_ours)) {}

AdaptiveFec::~AdaptiveFec() {
  set_session(nullptr);
}

bool AdaptiveFec::set_property(guint first, guint id, const GValue *value) {
  if (id < first || id >= first + kCount) return false;
  if (id - first == kRtpSession) {
    set_session(static_cast<GObject *>(g_value_get_object(value)));
    return true;
  }
  const std::lock_guard lock(mutex_);
  switch (id - first) {
    case kAdaptive:
      adaptive_ = g_value_get_boolean(value);
      break;
    case kReportedLoss:
      reported_loss_ = g_value_get_double(value);
      policy_.report(adaptive_now_ms(), reported_loss_);
      break;
    case kMinPercentage:
      policy_.set_bounds(g_value_get_uint(value), policy_.config().max_percentage);
      break;
    case kMaxPercentage:
      policy_.set_bounds(policy_.config().min_percentage, g_value_get_uint(value));
      break;
    default:
      break;
  }
  return true;
}

bool AdaptiveFec::get_property(guint first, guint id, GValue *value) {
  if (id < first || id >= first + kCount) return false;
  const std::lock_guard lock(mutex_);
  switch (id - first) {
    case kAdaptive:
      g_value_set_boolean(value, adaptive_);
      break;
    case kReportedLoss:
      g_value_set_double(value, reported_loss_);
      break;
    case kMinPercentage:
      g_value_set_uint(value, policy_.config().min_percentage);
      break;
    case kMaxPercentage:
      g_value_set_uint(value, policy_.config().max_percentage);
      break;
    case kRtpSession:
      g_value_set_object(value, session_);
      break;
    default:
      break;
  }
  return true;
}

std::optional<unsigned> AdaptiveFec::level() {
  const std::lock_guard lock(mutex_);
  if (!adaptive_) return std::nullopt;
  return policy_.level(adaptive_now_ms());
}

// rtpsession's on-receiving-rtcp: every valid RTCP compound it receives,
// before it processes it, outside its lock (GStreamer 1.22 rtpsession.c).
// The worst fraction lost among the report blocks about our SSRCs counts.
void AdaptiveFec::on_receiving_rtcp(GObject *, GstBuffer *buffer, gpointer data) {
  auto *self = static_cast<AdaptiveFec *>(data);
  double worst = -1;
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp)) return;
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    const GstRTCPType type = gst_rtcp_packet_get_type(&packet);
    if (type != GST_RTCP_TYPE_SR && type != GST_RTCP_TYPE_RR) continue;
    for (guint i = 0; i < gst_rtcp_packet_get_rb_count(&packet); ++i) {
      guint32 ssrc = 0, exthighestseq = 0, jitter = 0, lsr = 0, dlsr = 0;
      guint8 fraction = 0;
      gint32 packetslost = 0;
      gst_rtcp_packet_get_rb(&packet, i, &ssrc, &fraction, &packetslost, &exthighestseq, &jitter,
                             &lsr, &dlsr);
      if (self->is_ours_(ssrc)) worst = std::max(worst, fraction / 256.0);
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  if (worst < 0) return;
  {
    const std::lock_guard lock(self->mutex_);
    self->reported_loss_ = worst;
    self->policy_.report(adaptive_now_ms(), worst);
  }
  GST_LOG_OBJECT(self->owner_, "receiver reports %.3f lost", worst);
}

void AdaptiveFec::set_session(GObject *session) {
  if (session && !g_signal_lookup("on-receiving-rtcp", G_OBJECT_TYPE(session))) {
    GST_WARNING_OBJECT(owner_,
                       "rtp-session: a %s has no on-receiving-rtcp signal; give the object "
                       "rtpbin's get-internal-session returns",
                       G_OBJECT_TYPE_NAME(session));
    return;
  }
  GObject *old = nullptr;
  gulong old_handler = 0;
  {
    const std::lock_guard lock(mutex_);
    old = session_;
    old_handler = handler_;
    session_ = session ? G_OBJECT(g_object_ref(session)) : nullptr;
    handler_ = 0;
  }
  // Outside our lock: disconnecting waits for nothing, but a handler running
  // now takes the lock.
  if (old) {
    g_signal_handler_disconnect(old, old_handler);
    g_object_unref(old);
  }
  if (session) {
    const gulong h =
        g_signal_connect(session, "on-receiving-rtcp", G_CALLBACK(on_receiving_rtcp), this);
    const std::lock_guard lock(mutex_);
    handler_ = h;
  }
}

}  // namespace srtrtp
