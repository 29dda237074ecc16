// Test helpers for GStreamer pipelines: a pad probe that counts buffers
// (and the buffers of lists) that tests can wait on, and a bounded wait for
// a bus message or the first error.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>

namespace padcount {

class PadCounter {
 public:
  void attach(GstElement *element, const char *pad_name) {
    GstPad *pad = gst_element_get_static_pad(element, pad_name);
    gst_pad_add_probe(
        pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        &PadCounter::probe, this, nullptr);
    gst_object_unref(pad);
  }
  std::size_t count() {
    std::lock_guard lock(m_);
    return n_;
  }
  bool wait_at_least(std::size_t want, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return n_ >= want; });
  }

 private:
  static GstPadProbeReturn probe(GstPad *, GstPadProbeInfo *info, gpointer user) {
    auto *self = static_cast<PadCounter *>(user);
    std::size_t k = 1;
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
      k = gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    std::lock_guard lock(self->m_);
    self->n_ += k;
    self->cv_.notify_all();
    return GST_PAD_PROBE_OK;
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::size_t n_ = 0;
};

// Waits for a message of `type` on the pipeline's bus; false with *error set
// (the error's text and debug string, or "timed out") otherwise.
inline bool wait_bus(GstElement *pipeline, GstMessageType type, std::chrono::milliseconds timeout,
                     std::string *error) {
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg =
      gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(timeout.count()) * GST_MSECOND,
                                 static_cast<GstMessageType>(type | GST_MESSAGE_ERROR));
  gst_object_unref(bus);
  if (!msg) {
    *error = "timed out";
    return false;
  }
  const bool ok = GST_MESSAGE_TYPE(msg) == type;
  if (!ok) {
    GError *err = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_error(msg, &err, &dbg);
    *error = std::string(err ? err->message : "error") + (dbg ? std::string(" / ") + dbg : "");
    g_clear_error(&err);
    g_free(dbg);
  }
  gst_message_unref(msg);
  return ok;
}

}  // namespace padcount
