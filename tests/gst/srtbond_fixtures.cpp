#include "srtbond_fixtures.hpp"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gtest/gtest.h>

#include <cstring>

namespace srtfx {

void PipelineDeleter::operator()(GstElement *p) const {
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
}

PipelinePtr launch(const std::string &description) {
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(description.c_str(), &err);
  if (err) {
    g_printerr("gst_parse_launch(%s): %s\n", description.c_str(), err->message);
    g_clear_error(&err);
  }
  return PipelinePtr(p);
}

GstElement *by_name(GstElement *pipeline, const char *name) {
  GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
  if (e) gst_object_unref(e);  // the pipeline keeps it alive
  return e;
}

static std::string error_text(GstMessage *msg) {
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string s = err ? err->message : "";
  s += " / ";
  s += debug ? debug : "";
  g_clear_error(&err);
  g_free(debug);
  return s;
}

std::string wait_error(GstElement *pipeline, std::chrono::milliseconds timeout) {
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, static_cast<GstClockTime>(timeout.count()) * GST_MSECOND, GST_MESSAGE_ERROR);
  gst_object_unref(bus);
  if (!msg) return "";
  std::string s = error_text(msg);
  gst_message_unref(msg);
  return s;
}

std::string start_error(GstElement *pipeline, GstState state) {
  if (gst_element_set_state(pipeline, state) != GST_STATE_CHANGE_FAILURE) return "";
  std::string s = wait_error(pipeline, std::chrono::milliseconds(1000));
  return s.empty() ? "state change failed without an error message" : s;
}

std::uint16_t free_udp_port() {
  GSocket *s =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new(lo, 0);
  g_socket_bind(s, any, FALSE, nullptr);
  GSocketAddress *bound = g_socket_get_local_address(s, nullptr);
  const auto port =
      static_cast<std::uint16_t>(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
  g_object_unref(bound);
  g_object_unref(any);
  g_object_unref(lo);
  g_object_unref(s);
  return port;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

GstBuffer *buffer_of(const Bytes &b) {
  GstBuffer *buf = gst_buffer_new_allocate(nullptr, b.size(), nullptr);
  gst_buffer_fill(buf, 0, b.data(), b.size());
  return buf;
}

std::vector<Received> pull(GstElement *appsink, std::size_t n, std::chrono::milliseconds timeout) {
  std::vector<Received> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    GstSample *sample = gst_app_sink_try_pull_sample(
        GST_APP_SINK(appsink), static_cast<GstClockTime>(left.count()) * GST_MSECOND);
    if (!sample) break;
    GstBuffer *b = gst_sample_get_buffer(sample);
    Received r;
    r.data.resize(gst_buffer_get_size(b));
    gst_buffer_extract(b, 0, r.data.data(), r.data.size());
    r.discont = GST_BUFFER_IS_DISCONT(b);
    r.pts = GST_BUFFER_PTS(b);
    out.push_back(std::move(r));
    gst_sample_unref(sample);
  }
  return out;
}

void SignalLog::add(std::string entry) {
  std::lock_guard lock(m_);
  entries_.push_back(std::move(entry));
  cv_.notify_all();
}

bool SignalLog::wait_count(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_);
  return cv_.wait_for(lock, timeout, [&] { return entries_.size() >= n; });
}

std::vector<std::string> SignalLog::entries() {
  std::lock_guard lock(m_);
  return entries_;
}

static std::string host_of(GSocketAddress *addr) {
  if (!G_IS_INET_SOCKET_ADDRESS(addr)) return "?";
  gchar *s =
      g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
  std::string r = s;
  g_free(s);
  return r;
}

static void on_added(GstElement *, gint, GSocketAddress *addr, CallerSignals *c) {
  c->log.add("added " + host_of(addr));
}
static void on_removed(GstElement *, gint, GSocketAddress *addr, CallerSignals *c) {
  c->log.add("removed " + host_of(addr));
}
static void on_rejected(GstElement *, GSocketAddress *, const gchar *sid, CallerSignals *c) {
  c->log.add(std::string("rejected ") + (sid ? sid : ""));
}
static gboolean on_connecting(GstElement *, GSocketAddress *, const gchar *sid, CallerSignals *c) {
  const std::string id = sid ? sid : "";
  c->log.add("connecting " + id);
  return !c->accept || c->accept(id);
}

PipelinePtr sender(const std::string &sink_props) {
  return launch(
      "appsrc name=in is-live=true format=time caps=application/octet-stream ! "
      "srtbondsink name=out sync=false " +
      sink_props);
}

PipelinePtr receiver(const std::string &src_props) {
  return launch("srtbondsrc name=in " + src_props +
                " ! appsink name=out sync=false emit-signals=false max-buffers=100000");
}

void push(GstElement *pipeline, const Bytes &b) {
  EXPECT_EQ(gst_app_src_push_buffer(GST_APP_SRC(by_name(pipeline, "in")), buffer_of(b)),
            GST_FLOW_OK);
}

void CallerSignals::connect(GstElement *element) {
  g_signal_connect(element, "caller-added", G_CALLBACK(on_added), this);
  g_signal_connect(element, "caller-removed", G_CALLBACK(on_removed), this);
  g_signal_connect(element, "caller-rejected", G_CALLBACK(on_rejected), this);
  g_signal_connect(element, "caller-connecting", G_CALLBACK(on_connecting), this);
}

}  // namespace srtfx
