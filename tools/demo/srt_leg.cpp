#define GLIB_DISABLE_DEPRECATION_WARNINGS  // GValueArray: the `links` field of srt stats
#include "srt_leg.hpp"

#include <arpa/inet.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

namespace demo {
namespace {

namespace fc = framecheck;
using srtcore::linkemu::UdpRelay;

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

std::size_t buffers_in(GstPadProbeInfo *info) {
  return (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
             ? gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info))
             : 1;
}

constexpr auto kBufferProbe =
    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST);

void count_packets(GstElement *element, std::atomic<std::size_t> *counter) {
  GstPad *pad = gst_element_get_static_pad(element, "src");
  gst_pad_add_probe(
      pad, kBufferProbe,
      [](GstPad *, GstPadProbeInfo *info, gpointer user) {
        static_cast<std::atomic<std::size_t> *>(user)->fetch_add(buffers_in(info));
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

std::unique_ptr<UdpRelay> start_relay(std::uint16_t target_port, const PathSpec &path,
                                      std::uint64_t seed) {
  srtcore::linkemu::RelayConfig config;
  config.target = "127.0.0.1:" + std::to_string(target_port);
  for (auto *dir : {&config.forward, &config.backward}) {
    dir->loss = path.loss;
    dir->delay = path.delay;
  }
  config.forward.seed = seed;
  config.backward.seed = seed + 1;
  auto relay = std::make_unique<UdpRelay>(config);
  relay->start();
  return relay;
}

std::string enum_nick(const GValue *v) {
  if (!v || !G_VALUE_HOLDS_ENUM(v)) return "?";
  GEnumClass *klass = static_cast<GEnumClass *>(g_type_class_ref(G_VALUE_TYPE(v)));
  const GEnumValue *e = g_enum_get_value(klass, g_value_get_enum(v));
  std::string nick = e ? e->value_nick : std::to_string(g_value_get_enum(v));
  g_type_class_unref(klass);
  return nick;
}

std::int64_t get_int64(const GstStructure *s, const char *field) {
  gint64 v = 0;
  if (gst_structure_get_int64(s, field, &v)) return v;
  gint i = 0;
  return gst_structure_get_int(s, field, &i) ? i : 0;
}

// The `application/x-srt-link` structures of srtbondsink's stats (borrowed).
std::vector<const GstStructure *> link_structures(const GstStructure *stats) {
  std::vector<const GstStructure *> out;
  const GValue *links = gst_structure_get_value(stats, "links");
  if (!links || !G_VALUE_HOLDS(links, G_TYPE_VALUE_ARRAY)) return out;
  const auto *array = static_cast<const GValueArray *>(g_value_get_boxed(links));
  for (guint i = 0; array && i < array->n_values; ++i) {
    const GValue *v = &array->values[i];
    if (GST_VALUE_HOLDS_STRUCTURE(v)) out.push_back(gst_value_get_structure(v));
  }
  return out;
}

// Watches a bonded srtbondsink: its stats-interval messages (bytes-sent per
// link), its link-state-changed signal, and the moments the cut path went
// down and up, all on the sender's running time (= stream time: the stream is
// played live from 0). Shared with the bus and signal handlers, which may
// outlive the leg's stack frame by a callback already under way.
class BondMonitor {
 public:
  // `relays[i]` carries the link `uris[i]`; both outlive the sender pipeline.
  BondMonitor(std::vector<std::string> uris, std::vector<const UdpRelay *> relays)
      : uris_(std::move(uris)), relays_(std::move(relays)) {}
  ~BondMonitor() {
    if (clock_) gst_object_unref(clock_);
  }

  // Once the sender is PLAYING: its clock and base time define "now".
  void start(GstElement *pipeline) {
    std::lock_guard lock(m_);
    clock_ = gst_element_get_clock(pipeline);
    base_time_ = gst_element_get_base_time(pipeline);
  }
  double now() {
    std::lock_guard lock(m_);
    return now_locked();
  }

  void on_stats(const GstStructure *stats) {
    LinkSample sample;
    sample.bytes_sent.assign(uris_.size(), 0);
    for (const GstStructure *l : link_structures(stats)) {
      const int i = index_of(gst_structure_get_string(l, "uri"));
      guint64 bytes = 0;
      if (i >= 0 && gst_structure_get_uint64(l, "bytes-sent", &bytes)) sample.bytes_sent[i] = bytes;
    }
    for (const UdpRelay *relay : relays_)
      sample.bytes_delivered.push_back(relay->stats().forward.link.delivered_bytes);
    std::lock_guard lock(m_);
    sample.seconds = now_locked();
    if (sample.seconds >= 0) samples_.push_back(std::move(sample));
  }
  void on_state(const char *uri, const GValue *from, const GValue *to) {
    LinkStateChange c{now(), uri ? uri : "?", enum_nick(from), enum_nick(to)};
    std::lock_guard lock(m_);
    changes_.push_back(std::move(c));
  }
  void mark_cut(bool down) {
    std::lock_guard lock(m_);
    (down ? cut_from_ : cut_to_) = now_locked();
  }

  int index_of(const char *uri) const {
    for (std::size_t i = 0; uri && i < uris_.size(); ++i)
      if (uris_[i] == uri) return static_cast<int>(i);
    return -1;
  }

  void take(SrtLegResult &r) {
    std::lock_guard lock(m_);
    r.samples = samples_;
    r.state_changes = changes_;
    r.cut_from = cut_from_;
    r.cut_to = cut_to_;
  }

 private:
  double now_locked() const {
    if (!clock_ || base_time_ == GST_CLOCK_TIME_NONE) return -1;
    const GstClockTime t = gst_clock_get_time(clock_);
    return t < base_time_ ? 0.0 : static_cast<double>(t - base_time_) / GST_SECOND;
  }

  const std::vector<std::string> uris_;
  const std::vector<const UdpRelay *> relays_;
  std::mutex m_;
  GstClock *clock_ = nullptr;
  GstClockTime base_time_ = GST_CLOCK_TIME_NONE;
  std::vector<LinkSample> samples_;
  std::vector<LinkStateChange> changes_;
  double cut_from_ = -1, cut_to_ = -1;
};

using MonitorRef = std::shared_ptr<BondMonitor>;

void release_monitor(gpointer data) {
  delete static_cast<MonitorRef *>(data);
}

GstBusSyncReply on_sender_message(GstBus *, GstMessage *msg, gpointer data) {
  if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ELEMENT) return GST_BUS_PASS;
  const GstStructure *s = gst_message_get_structure(msg);
  if (!s || !gst_structure_has_name(s, "application/x-srt-statistics")) return GST_BUS_PASS;
  (*static_cast<MonitorRef *>(data))->on_stats(s);
  gst_message_unref(msg);  // GST_BUS_DROP: the handler owns the message
  return GST_BUS_DROP;
}

// The link-state-changed signal's marshaller passes the enums as GValues.
void on_link_state(GClosure *closure, GValue *, guint n, const GValue *args, gpointer, gpointer) {
  if (n < 4) return;
  (*static_cast<MonitorRef *>(closure->data))
      ->on_state(g_value_get_string(&args[1]), &args[2], &args[3]);
}

void watch_sender(GstElement *pipeline, GstElement *sink, const MonitorRef &monitor) {
  GstBus *bus = gst_element_get_bus(pipeline);
  gst_bus_set_sync_handler(bus, &on_sender_message, new MonitorRef(monitor), &release_monitor);
  gst_object_unref(bus);
  GClosure *closure = g_closure_new_simple(sizeof(GClosure), new MonitorRef(monitor));
  g_closure_set_marshal(closure, &on_link_state);
  g_closure_add_finalize_notifier(closure, closure->data,
                                  [](gpointer data, GClosure *) { release_monitor(data); });
  g_signal_connect_closure(sink, "link-state-changed", closure, FALSE);
}

// Cuts one relay when the payloader takes frame `from` and restores it at
// frame `to` (frame counts, not sleeps: the stream plays in real time).
struct CutTrigger {
  UdpRelay *relay = nullptr;
  MonitorRef monitor;
  std::size_t from = 0, to = 0;
  std::atomic<std::size_t> seen{0};

  void attach(GstElement *payloader) {
    GstPad *pad = gst_element_get_static_pad(payloader, "sink");
    gst_pad_add_probe(
        pad, kBufferProbe,
        [](GstPad *, GstPadProbeInfo *info, gpointer user) {
          auto *self = static_cast<CutTrigger *>(user);
          const std::size_t before = self->seen.fetch_add(buffers_in(info));
          const std::size_t after = before + buffers_in(info);
          if (before <= self->from && self->from < after) {
            self->relay->cut();
            self->monitor->mark_cut(true);
          }
          if (before <= self->to && self->to < after) {
            self->relay->restore();
            self->monitor->mark_cut(false);
          }
          return GST_PAD_PROBE_OK;
        },
        this, nullptr);
    gst_object_unref(pad);
  }
};

LinkSummary summarise(const GstStructure *l) {
  LinkSummary s;
  s.found = true;
  if (const char *uri = gst_structure_get_string(l, "uri")) s.uri = uri;
  s.state = enum_nick(gst_structure_get_value(l, "state"));
  s.packets_sent = get_int64(l, "packets-sent");
  s.packets_retransmitted = get_int64(l, "packets-retransmitted");
  s.packets_lost = get_int64(l, "packets-sent-lost");
  guint64 bytes = 0;
  if (gst_structure_get_uint64(l, "bytes-sent", &bytes)) s.bytes_sent = bytes;
  gst_structure_get_double(l, "rtt-ms", &s.rtt_ms);
  return s;
}

std::string link_uri(std::uint16_t port, const PathSpec &path) {
  std::string uri =
      "srt://127.0.0.1:" + std::to_string(port) + "?weight=" + std::to_string(path.weight);
  if (!path.local_address.empty()) uri += "&localaddress=" + path.local_address;
  return uri;
}

}  // namespace

std::string PathSpec::describe() const {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%lld ms each way", static_cast<long long>(delay.count()));
  std::string s = buf;
  if (loss > 0) {
    std::snprintf(buf, sizeof buf, ", %.3g%% loss each way", loss * 100.0);
    s += buf;
  }
  if (cut_middle_third) s += ", cut 1/3..2/3";
  return s;
}

std::string format_relay(const srtcore::linkemu::RelayStats &stats) {
  return srtcore::linkemu::format_direction("forward", stats.forward) + "\n" +
         srtcore::linkemu::format_direction("backward", stats.backward);
}

SrtLegResult decode_over_srt(const fc::EncodedStream &stream, std::size_t frames,
                             const SrtLegOptions &options) {
  SrtLegResult r;
  const bool bonded = options.bonded();
  if (options.paths.empty() || (!bonded && options.paths.size() != 1)) {
    r.error = "an unbonded leg takes exactly one path, a bonded one at least one";
    return r;
  }
  const std::uint16_t rx_port = free_udp_port();
  std::vector<std::unique_ptr<UdpRelay>> relays;
  std::vector<std::string> uris;
  for (std::size_t i = 0; i < options.paths.size(); ++i) {
    relays.push_back(start_relay(rx_port, options.paths[i], options.seed + 10 * i));
    uris.push_back(link_uri(relays.back()->listen_address().port(), options.paths[i]));
  }
  std::vector<const UdpRelay *> relay_ptrs;
  for (const auto &relay : relays) relay_ptrs.push_back(relay.get());
  auto monitor = std::make_shared<BondMonitor>(uris, relay_ptrs);
  CutTrigger cut;  // outlives the pipelines (declared before them)

  const std::string latency = std::to_string(options.latency_ms);
  // The RTP packets must fit one SRT message (payload size 1316).
  Pipeline rx = launch(
      "srtbondsrc name=in latency=" + latency + " uri=srt://127.0.0.1:" + std::to_string(rx_port) +
          "?mode=listener caps=\"application/x-rtp,media=video,clock-rate=90000,"
          "encoding-name=H264,payload=96\" ! rtph264depay2 ! avdec_h264 max-threads=1 ! "
          "appsink name=out caps=video/x-raw,format=I420 sync=false max-buffers=100000",
      &r.error);
  std::string sink;
  if (bonded) {
    std::string links;
    for (const auto &u : uris) links += (links.empty() ? "" : ",") + u;
    // Played live: the sink sends each packet at its time, as a camera would.
    sink = "srtbondsink name=out sync=true latency=" + latency + " bond-mode=" + options.bond_mode +
           " stats-interval=" + std::to_string(options.stats_interval.count()) + " links=\"" +
           links + "\"";
  } else {
    sink = "srtbondsink name=out sync=false latency=" + latency +
           " uri=srt://127.0.0.1:" + std::to_string(relays.front()->listen_address().port()) +
           "?streamid=demo";
  }
  Pipeline tx = launch(std::string("appsrc name=in format=time") + (bonded ? " is-live=true" : "") +
                           " ! rtph264pay2 name=pay mtu=1316 ! " + sink,
                       &r.error);
  if (!rx || !tx) return r;
  g_object_set(child(tx.get(), "in"), "caps", stream.caps.get(), nullptr);
  std::atomic<std::size_t> sent{0}, received{0};
  count_packets(child(tx.get(), "pay"), &sent);
  count_packets(child(rx.get(), "in"), &received);
  if (bonded) {
    watch_sender(tx.get(), child(tx.get(), "out"), monitor);
    for (std::size_t i = 0; i < options.paths.size(); ++i) {
      if (!options.paths[i].cut_middle_third || cut.relay) continue;
      cut.relay = relays[i].get();
      cut.monitor = monitor;
      cut.from = frames / 3;
      cut.to = 2 * frames / 3;
      cut.attach(child(tx.get(), "pay"));
    }
  }

  if (gst_element_set_state(rx.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE ||
      gst_element_set_state(tx.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    r.error = "cannot start the SRT pipelines (see the GStreamer error above)";
    return r;
  }
  if (bonded) monitor->start(tx.get());
  GstElement *appsrc = child(tx.get(), "in");
  // Live: played from running time 0 (the encoder's times may start anywhere).
  const GstClockTime first_dts = GST_BUFFER_DTS_OR_PTS(stream.buffers.front().get());
  for (const auto &b : stream.buffers) {
    if (!bonded) {
      gst_app_src_push_buffer(GST_APP_SRC(appsrc), gst_buffer_ref(b.get()));
      continue;
    }
    GstBuffer *copy = gst_buffer_copy(b.get());
    if (GST_BUFFER_PTS_IS_VALID(copy)) GST_BUFFER_PTS(copy) -= first_dts;
    if (GST_BUFFER_DTS_IS_VALID(copy)) GST_BUFFER_DTS(copy) -= first_dts;
    gst_app_src_push_buffer(GST_APP_SRC(appsrc), copy);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc));

  // Frames come out while packets arrive; once every packet is in, an EOS
  // drains the decoder's reordering delay (B-frames).
  GstElement *appsink = child(rx.get(), "out");
  auto pull = [&](GstClockTime wait) {
    GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(appsink), wait);
    if (!s) return false;
    std::string digest_error;
    r.frames.push_back(fc::digest_frame(s, &digest_error));
    gst_sample_unref(s);
    if (!digest_error.empty()) r.error = digest_error;
    return true;
  };
  r.error = wait_eos(tx.get(), options.timeout);
  const auto give_up = std::chrono::steady_clock::now() + options.timeout;
  while (r.error.empty() && received.load() < sent.load() &&
         std::chrono::steady_clock::now() < give_up)
    pull(100 * GST_MSECOND);
  if (bonded) {
    r.duration = monitor->now();
    GstStructure *st = nullptr;
    g_object_get(child(tx.get(), "out"), "stats", &st, nullptr);
    r.links.resize(options.paths.size());
    if (st) {
      monitor->on_stats(st);  // the last sample: up to the last packet
      for (const GstStructure *l : link_structures(st)) {
        const int i = monitor->index_of(gst_structure_get_string(l, "uri"));
        if (i >= 0) r.links[i] = summarise(l);
      }
      gst_structure_free(st);
    }
    for (std::size_t i = 0; i < r.links.size(); ++i)
      if (!r.links[i].found) r.links[i].uri = uris[i];
    monitor->take(r);  // not what the teardown does to the links
  }
  gst_element_send_event(rx.get(), gst_event_new_eos());
  while (r.error.empty() && r.frames.size() < frames && pull(10 * GST_SECOND)) {
  }
  r.packets_sent = sent.load();
  r.packets_received = received.load();
  for (auto &relay : relays) r.relays.push_back(relay->stats());
  // The pipelines go first (no more stats messages or state changes), then
  // the relays.
  tx.reset();
  rx.reset();
  return r;
}

}  // namespace demo
