// Pieces of the two-rtpbin tests of adaptive FEC (interop-ulpfec-adaptive,
// gst-flexfec): the receiver's RTCP carried back to the sender through an
// appsink/appsrc pair (a direct link would close a loop in the pipeline's
// graph), RTCP made frequent, and waiting on a condition re-checked as
// packets go by.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace rtcp_return {

// appsink "new-sample" handler: the RTCP compound into the appsrc `data`.
inline GstFlowReturn forward(GstElement *sink, gpointer data) {
  GstSample *sample = nullptr;
  g_signal_emit_by_name(sink, "pull-sample", &sample);
  if (!sample) return GST_FLOW_OK;
  GstBuffer *b = gst_buffer_ref(gst_sample_get_buffer(sample));
  gst_sample_unref(sample);
  gst_app_src_push_buffer(GST_APP_SRC(data), b);
  return GST_FLOW_OK;
}

// Session 0 of `rtpbin` sends RTCP at least every `interval`. False when it
// has no internal session.
inline bool set_min_interval(GstElement *rtpbin, GstClockTime interval) {
  GObject *internal = nullptr;
  g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &internal);
  if (!internal) return false;
  g_object_set(internal, "rtcp-min-interval", guint64{interval}, nullptr);
  g_object_unref(internal);
  return true;
}

// Waits until pred() holds, re-checked whenever `changed` is notified;
// false at the deadline.
template <typename Pred>
bool wait_for(std::mutex &lock, std::condition_variable &changed, Pred pred,
              std::chrono::seconds timeout) {
  std::unique_lock l(lock);
  return changed.wait_for(l, timeout, pred);
}

}  // namespace rtcp_return
