#include "srt_leg.hpp"

#include <arpa/inet.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include "udp_relay.hpp"

namespace demo {
namespace {

namespace fc = framecheck;

struct PipelineDeleter {
  void operator()(GstElement *p) const {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
};
using Pipeline = std::unique_ptr<GstElement, PipelineDeleter>;

Pipeline launch(const std::string &description, std::string *error) {
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(description.c_str(), &err);
  if (err) {
    *error = err->message;
    g_clear_error(&err);
    if (p) gst_object_unref(p);
    return nullptr;
  }
  return Pipeline(p);
}

// Borrowed: the pipeline keeps its children alive.
GstElement *child(GstElement *pipeline, const char *name) {
  GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
  gst_object_unref(e);
  return e;
}

// A loopback UDP port nobody holds right now (the kernel's choice).
std::uint16_t free_udp_port() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  std::uint16_t port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr *>(&sa), &len) == 0)
    port = ntohs(sa.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

void count_packets(GstElement *element, std::atomic<std::size_t> *counter) {
  GstPad *pad = gst_element_get_static_pad(element, "src");
  gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad *, GstPadProbeInfo *info, gpointer user) {
        const std::size_t n = (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
                                  ? gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info))
                                  : 1;
        static_cast<std::atomic<std::size_t> *>(user)->fetch_add(n);
        return GST_PAD_PROBE_OK;
      },
      counter, nullptr);
  gst_object_unref(pad);
}

// Waits for EOS or an error on the pipeline's bus; the error text, or "".
std::string wait_eos(GstElement *pipeline, std::chrono::seconds timeout) {
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg =
      gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(timeout.count()) * GST_SECOND,
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  gst_object_unref(bus);
  if (!msg) return "no end of stream within the timeout";
  std::string error;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError *err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    error =
        std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + (err ? err->message : "error");
    g_clear_error(&err);
  }
  gst_message_unref(msg);
  return error;
}

}  // namespace

SrtLegResult decode_over_srt(const fc::EncodedStream &stream, std::size_t frames,
                             const SrtLegOptions &options) {
  SrtLegResult r;
  const std::uint16_t rx_port = free_udp_port();
  srtcore::linkemu::RelayConfig relay_config;
  relay_config.target = "127.0.0.1:" + std::to_string(rx_port);
  for (auto *dir : {&relay_config.forward, &relay_config.backward}) {
    dir->loss = options.loss;
    dir->delay = options.delay;
  }
  relay_config.forward.seed = options.seed;
  relay_config.backward.seed = options.seed + 1;
  srtcore::linkemu::UdpRelay relay(relay_config);
  relay.start();

  const std::string latency = std::to_string(options.latency_ms);
  // The RTP packets must fit one SRT message (payload size 1316).
  Pipeline rx = launch(
      "srtbondsrc name=in latency=" + latency + " uri=srt://127.0.0.1:" + std::to_string(rx_port) +
          "?mode=listener caps=\"application/x-rtp,media=video,clock-rate=90000,"
          "encoding-name=H264,payload=96\" ! rtph264depay2 ! avdec_h264 max-threads=1 ! "
          "appsink name=out caps=video/x-raw,format=I420 sync=false max-buffers=100000",
      &r.error);
  Pipeline tx = launch(
      "appsrc name=in format=time ! rtph264pay2 name=pay mtu=1316 ! "
      "srtbondsink name=out sync=false latency=" +
          latency + " uri=srt://127.0.0.1:" + std::to_string(relay.listen_address().port()) +
          "?streamid=demo",
      &r.error);
  if (!rx || !tx) return r;
  g_object_set(child(tx.get(), "in"), "caps", stream.caps.get(), nullptr);
  std::atomic<std::size_t> sent{0}, received{0};
  count_packets(child(tx.get(), "pay"), &sent);
  count_packets(child(rx.get(), "in"), &received);

  if (gst_element_set_state(rx.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE ||
      gst_element_set_state(tx.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    r.error = "cannot start the SRT pipelines (see the GStreamer error above)";
    return r;
  }
  GstElement *appsrc = child(tx.get(), "in");
  for (const auto &b : stream.buffers)
    gst_app_src_push_buffer(GST_APP_SRC(appsrc), gst_buffer_ref(b.get()));
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc));
  r.error = wait_eos(tx.get(), options.timeout);

  // Frames come out while packets arrive; once every packet is in, an EOS
  // drains the decoder's reordering delay (B-frames).
  GstElement *sink = child(rx.get(), "out");
  auto pull = [&](GstClockTime wait) {
    GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), wait);
    if (!s) return false;
    std::string digest_error;
    r.frames.push_back(fc::digest_frame(s, &digest_error));
    gst_sample_unref(s);
    if (!digest_error.empty()) r.error = digest_error;
    return true;
  };
  const auto give_up = std::chrono::steady_clock::now() + options.timeout;
  while (r.error.empty() && received.load() < sent.load() &&
         std::chrono::steady_clock::now() < give_up)
    pull(100 * GST_MSECOND);
  gst_element_send_event(rx.get(), gst_event_new_eos());
  while (r.error.empty() && r.frames.size() < frames && pull(10 * GST_SECOND)) {
  }
  r.packets_sent = sent.load();
  r.packets_received = received.load();
  const auto st = relay.stats();
  r.link = srtcore::linkemu::format_direction("forward", st.forward) + "\n" +
           srtcore::linkemu::format_direction("backward", st.backward);
  relay.stop();
  return r;
}

}  // namespace demo
