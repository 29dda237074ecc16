#define GLIB_DISABLE_DEPRECATION_WARNINGS  // GValueArray: the srtsrc stats type
#include "collect.hpp"

#include <gio/gio.h>
#include <gst/gst.h>

#include <cstring>
#include <memory>
#include <string>

namespace srtrtp::metrics {

namespace {

struct StructureFree {
  void operator()(GstStructure *s) const { gst_structure_free(s); }
};
using StructurePtr = std::unique_ptr<GstStructure, StructureFree>;

struct GFreeDeleter {
  void operator()(gchar *p) const { g_free(p); }
};
using GString_ = std::unique_ptr<gchar, GFreeDeleter>;

// A field as a double, whatever its numeric type; false when absent.
bool number(const GstStructure *s, const char *field, double *out) {
  const GValue *v = gst_structure_get_value(s, field);
  if (!v) return false;
  switch (G_VALUE_TYPE(v)) {
    case G_TYPE_INT:
      *out = g_value_get_int(v);
      return true;
    case G_TYPE_UINT:
      *out = g_value_get_uint(v);
      return true;
    case G_TYPE_INT64:
      *out = static_cast<double>(g_value_get_int64(v));
      return true;
    case G_TYPE_UINT64:
      *out = static_cast<double>(g_value_get_uint64(v));
      return true;
    case G_TYPE_DOUBLE:
      *out = g_value_get_double(v);
      return true;
    case G_TYPE_BOOLEAN:
      *out = g_value_get_boolean(v) ? 1 : 0;
      return true;
    default:
      if (G_VALUE_HOLDS_ENUM(v)) {
        *out = g_value_get_enum(v);
        return true;
      }
      return false;
  }
}

std::string string_field(const GstStructure *s, const char *field) {
  const gchar *v = gst_structure_get_string(s, field);
  return v ? v : "";
}

struct Metric {
  const char *field;  // in the element's stats structure
  const char *name;   // metric family
  Type type;
  double scale;  // field unit -> metric unit
  const char *help;
};

// One SRT connection or bonded link (libsrt's names in the help texts).
constexpr Metric kSrtMetrics[] = {
    {"packets-sent", "srtrtp_srt_packets_sent", Type::kCounter, 1,
     "Data packets sent, retransmissions included (pktSent)"},
    {"packets-received", "srtrtp_srt_packets_received", Type::kCounter, 1,
     "Data packets received, duplicates included (pktRecv)"},
    {"bytes-sent", "srtrtp_srt_bytes_sent", Type::kCounter, 1, "Payload bytes sent (byteSent)"},
    {"bytes-received", "srtrtp_srt_bytes_received", Type::kCounter, 1,
     "Payload bytes received (byteRecv)"},
    {"packets-sent-lost", "srtrtp_srt_packets_send_lost", Type::kCounter, 1,
     "Packets the peer reported lost (pktSndLoss)"},
    {"packets-received-lost", "srtrtp_srt_packets_receive_lost", Type::kCounter, 1,
     "Packets detected missing here (pktRcvLoss)"},
    {"packets-retransmitted", "srtrtp_srt_packets_retransmitted", Type::kCounter, 1,
     "Retransmissions sent (pktRetrans)"},
    {"packets-received-retransmitted", "srtrtp_srt_packets_receive_retransmitted", Type::kCounter,
     1, "Retransmitted packets received (pktRcvRetrans)"},
    {"packets-sent-dropped", "srtrtp_srt_packets_send_dropped", Type::kCounter, 1,
     "Packets the sender gave up as too late (pktSndDrop)"},
    {"packets-received-dropped", "srtrtp_srt_packets_receive_dropped", Type::kCounter, 1,
     "Packets the receiver gave up as too late (pktRcvDrop)"},
    {"bytes-retransmitted", "srtrtp_srt_bytes_retransmitted", Type::kCounter, 1,
     "Payload bytes retransmitted (byteRetrans)"},
    {"bytes-received-lost", "srtrtp_srt_bytes_receive_lost", Type::kCounter, 1,
     "Payload bytes lost, estimated (byteRcvLoss)"},
    {"bytes-sent-dropped", "srtrtp_srt_bytes_send_dropped", Type::kCounter, 1,
     "Payload bytes the sender dropped (byteSndDrop)"},
    {"packet-ack-sent", "srtrtp_srt_acks_sent", Type::kCounter, 1, "ACKs sent (pktSentACK)"},
    {"packet-ack-received", "srtrtp_srt_acks_received", Type::kCounter, 1,
     "ACKs received (pktRecvACK)"},
    {"packet-nack-sent", "srtrtp_srt_naks_sent", Type::kCounter, 1, "NAKs sent (pktSentNAK)"},
    {"packet-nack-received", "srtrtp_srt_naks_received", Type::kCounter, 1,
     "NAKs received (pktRecvNAK)"},
    {"packets-received-undecrypted", "srtrtp_srt_packets_receive_undecrypted", Type::kCounter, 1,
     "Packets that failed to decrypt (pktRcvUndecrypt)"},
    {"rtt-ms", "srtrtp_srt_rtt_seconds", Type::kGauge, 1e-3, "Smoothed round-trip time (msRTT)"},
    {"bandwidth-mbps", "srtrtp_srt_bandwidth_bits_per_second", Type::kGauge, 1e6,
     "Estimated link bandwidth (mbpsBandwidth)"},
    {"send-rate-mbps", "srtrtp_srt_send_rate_bits_per_second", Type::kGauge, 1e6,
     "Sending rate over the last second (mbpsSendRate)"},
    {"receive-rate-mbps", "srtrtp_srt_receive_rate_bits_per_second", Type::kGauge, 1e6,
     "Receiving rate over the last second (mbpsRecvRate)"},
    {"negotiated-latency-ms", "srtrtp_srt_latency_seconds", Type::kGauge, 1e-3,
     "Negotiated TSBPD latency of this direction (msSndTsbPdDelay / msRcvTsbPdDelay)"},
    {"send-buffer-packets", "srtrtp_srt_send_buffer_packets", Type::kGauge, 1,
     "Packets in the send buffer (pktSndBuf)"},
    {"send-buffer-bytes", "srtrtp_srt_send_buffer_bytes", Type::kGauge, 1,
     "Bytes in the send buffer (byteSndBuf)"},
    {"send-buffer-ms", "srtrtp_srt_send_buffer_seconds", Type::kGauge, 1e-3,
     "Time span of the send buffer (msSndBuf)"},
    {"receive-buffer-packets", "srtrtp_srt_receive_buffer_packets", Type::kGauge, 1,
     "Packets in the receive buffer (pktRcvBuf)"},
    {"receive-buffer-bytes", "srtrtp_srt_receive_buffer_bytes", Type::kGauge, 1,
     "Bytes in the receive buffer (byteRcvBuf)"},
    {"receive-buffer-ms", "srtrtp_srt_receive_buffer_seconds", Type::kGauge, 1e-3,
     "Time span of the receive buffer (msRcvBuf)"},
    {"flight-size-packets", "srtrtp_srt_flight_size_packets", Type::kGauge, 1,
     "Packets sent and not yet acknowledged (pktFlightSize)"},
    {"flow-window-packets", "srtrtp_srt_flow_window_packets", Type::kGauge, 1,
     "Free buffer the peer advertises (pktFlowWindow)"},
    {"km-state", "srtrtp_srt_km_state", Type::kGauge, 1,
     "SRTO_KMSTATE: 0 unsecured, 1 securing, 2 secured, 3 no secret, 4 bad secret"},
};

constexpr Metric kLinkMetrics[] = {
    {"weight", "srtrtp_srt_link_weight", Type::kGauge, 1, "Backup preference of the link"},
    {"active", "srtrtp_srt_link_active", Type::kGauge, 1, "1 while the link carries data"},
    {"standby", "srtrtp_srt_link_standby", Type::kGauge, 1, "1 while the link is on standby"},
};

constexpr Metric kGroupMetrics[] = {
    {"messages-sent", "srtrtp_srt_group_messages_sent", Type::kCounter, 1,
     "Messages the group sent"},
    {"messages-delivered", "srtrtp_srt_group_messages_delivered", Type::kCounter, 1,
     "Messages the group delivered"},
    {"packets-received", "srtrtp_srt_group_packets_received", Type::kCounter, 1,
     "Packets received over all links"},
    {"packets-received-unique", "srtrtp_srt_group_packets_received_unique", Type::kCounter, 1,
     "First copies received"},
    {"packets-received-redundant", "srtrtp_srt_group_packets_received_redundant", Type::kCounter, 1,
     "Copies already received on another link"},
    {"packets-received-dropped", "srtrtp_srt_group_packets_received_dropped", Type::kCounter, 1,
     "Packets the group gave up as too late"},
    {"packets-resent-on-activation", "srtrtp_srt_group_packets_resent_on_activation",
     Type::kCounter, 1, "Unacknowledged packets resent when a backup link took over"},
    {"link-activations", "srtrtp_srt_group_link_activations", Type::kCounter, 1,
     "Standby links activated"},
    {"link-reconnects", "srtrtp_srt_group_link_reconnects", Type::kCounter, 1, "Links reconnected"},
    {"bytes", "srtrtp_srt_group_bytes", Type::kCounter, 1, "Payload bytes sent or delivered"},
};

constexpr Metric kRtpPayMetrics[] = {
    {"packets-sent", "srtrtp_rtp_packets_sent", Type::kCounter, 1, "RTP packets sent"},
    {"payload-bytes-sent", "srtrtp_rtp_payload_bytes_sent", Type::kCounter, 1,
     "RTP payload bytes sent"},
};

constexpr Metric kRtpDepayMetrics[] = {
    {"packets-received", "srtrtp_rtp_packets_received", Type::kCounter, 1,
     "Valid RTP packets received"},
    {"bytes-received", "srtrtp_rtp_bytes_received", Type::kCounter, 1,
     "Bytes of valid RTP packets received"},
    {"packets-lost", "srtrtp_rtp_packets_lost", Type::kCounter, 1,
     "Sequence numbers never received"},
    {"packets-late", "srtrtp_rtp_packets_late", Type::kCounter, 1,
     "Duplicates and reordered packets that came after their place was used"},
    {"packets-duplicated", "srtrtp_rtp_packets_duplicated", Type::kCounter, 1,
     "Copies of packets already received (dropped)"},
    {"packets-reordered", "srtrtp_rtp_packets_reordered", Type::kCounter, 1,
     "Packets that came after a later one had been used (dropped)"},
    {"packets-invalid", "srtrtp_rtp_packets_invalid", Type::kCounter, 1,
     "Packets that are not RTP"},
    {"buffers-pushed", "srtrtp_rtp_buffers_pushed", Type::kCounter, 1, "Buffers sent downstream"},
    {"keyframe-requests", "srtrtp_rtp_keyframe_requests", Type::kCounter, 1,
     "Keyframes requested upstream after loss"},
    {"malformed-packets", "srtrtp_rtp_packets_malformed", Type::kCounter, 1,
     "Packets whose payload is malformed for the codec"},
};

void add_table(Exposition &out, const GstStructure *s, const Labels &labels, const Metric *table,
               std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    double v;
    if (number(s, table[i].field, &v))
      out.add(table[i].name, table[i].type, table[i].help, labels, v * table[i].scale);
  }
}

template <std::size_t N>
void add_table(Exposition &out, const GstStructure *s, const Labels &labels,
               const Metric (&table)[N]) {
  add_table(out, s, labels, table, N);
}

// Structures in a GValueArray field (links, callers, groups).
template <class F>
void each_structure(const GstStructure *s, const char *field, F &&f) {
  const GValue *v = gst_structure_get_value(s, field);
  if (!v || !G_VALUE_HOLDS(v, G_TYPE_VALUE_ARRAY)) return;
  auto *a = static_cast<GValueArray *>(g_value_get_boxed(v));
  if (!a) return;
  for (guint i = 0; i < a->n_values; ++i) {
    const GValue *e = g_value_array_get_nth(a, i);
    if (GST_VALUE_HOLDS_STRUCTURE(e)) f(gst_value_get_structure(e));
  }
}

std::string uri_peer(const std::string &uri) {
  GstUri *u = gst_uri_from_string(uri.c_str());
  if (!u) return "";
  std::string out;
  if (const gchar *host = gst_uri_get_host(u); host && *host) {
    out = host;
    if (gst_uri_get_port(u) != GST_URI_NO_PORT) out += ":" + std::to_string(gst_uri_get_port(u));
  }
  gst_uri_unref(u);
  return out;
}

std::string property_string(GstElement *e, const char *name) {
  if (!g_object_class_find_property(G_OBJECT_GET_CLASS(e), name)) return "";
  gchar *v = nullptr;
  g_object_get(e, name, &v, nullptr);
  GString_ owned(v);
  return v ? v : "";
}

const char *link_state_nick(int state) {
  // GstSrtBondLinkState values, in order.
  static const char *const kNames[] = {"pending", "idle", "running", "broken"};
  return state >= 0 && state < 4 ? kNames[state] : "unknown";
}

void collect_srt(GstElement *e, const GstStructure *s, const Labels &base, Exposition &out) {
  const std::string uri = property_string(e, "uri");
  bool per_connection = false;
  each_structure(s, "links", [&](const GstStructure *l) {
    per_connection = true;
    Labels labels = base;
    labels.emplace_back("link", string_field(l, "uri"));
    labels.emplace_back("peer", string_field(l, "remote-address"));
    add_table(out, l, labels, kSrtMetrics);
    add_table(out, l, labels, kLinkMetrics);
    double state = -1;
    number(l, "state", &state);
    for (int st = 0; st < 4; ++st) {
      Labels sl = labels;
      sl.emplace_back("state", link_state_nick(st));
      out.add("srtrtp_srt_link_state", Type::kGauge,
              "1 for the link's current state (pending, idle = standby, running, broken)", sl,
              static_cast<int>(state) == st ? 1 : 0);
    }
  });
  if (!per_connection) {
    each_structure(s, "callers", [&](const GstStructure *c) {
      per_connection = true;
      Labels labels = base;
      labels.emplace_back("link", uri);
      std::string peer;
      if (const GValue *a = gst_structure_get_value(c, "caller-address");
          a && G_VALUE_HOLDS(a, G_TYPE_SOCKET_ADDRESS)) {
        auto *sa = G_INET_SOCKET_ADDRESS(g_value_get_object(a));
        if (sa) {
          GString_ ip(g_inet_address_to_string(g_inet_socket_address_get_address(sa)));
          peer = std::string(ip.get()) + ":" + std::to_string(g_inet_socket_address_get_port(sa));
        }
      }
      labels.emplace_back("peer", peer);
      add_table(out, c, labels, kSrtMetrics);
    });
  }
  if (!per_connection && gst_structure_has_field(s, "packets-sent")) {
    Labels labels = base;
    labels.emplace_back("link", uri);
    labels.emplace_back("peer", uri_peer(uri));
    add_table(out, s, labels, kSrtMetrics);
  }
  each_structure(s, "groups", [&](const GstStructure *g) {
    Labels labels = base;
    double id = 0;
    number(g, "group-id", &id);
    labels.emplace_back("group", format_value(id));
    add_table(out, g, labels, kGroupMetrics);
  });
  for (const char *f : {"bytes-sent-total", "bytes-received-total"}) {
    double v;
    if (number(s, f, &v))
      out.add("srtrtp_srt_element_bytes", Type::kCounter,
              "Bytes the element sent or received over every connection", base, v);
  }
}

void collect_rtp(const GstStructure *s, const Labels &base, Exposition &out, bool payloader) {
  if (payloader) {
    add_table(out, s, base, kRtpPayMetrics);
    return;
  }
  add_table(out, s, base, kRtpDepayMetrics);
  // RFC 3550 jitter is in RTP time units: seconds need the clock rate.
  double jitter, rate;
  if (number(s, "jitter", &jitter) && number(s, "clock_rate", &rate) && rate > 0)
    out.add("srtrtp_rtp_jitter_seconds", Type::kGauge,
            "Interarrival jitter (RFC 3550) of the packets received", base, jitter / rate);
  // Every codec-specific drop counter, by reason.
  const gint n = gst_structure_n_fields(s);
  for (gint i = 0; i < n; ++i) {
    const gchar *field = gst_structure_nth_field_name(s, i);
    double v;
    if (std::strncmp(field, "dropped-", 8) != 0 || !number(s, field, &v)) continue;
    Labels labels = base;
    labels.emplace_back("reason", field + 8);
    out.add("srtrtp_rtp_packets_dropped", Type::kCounter,
            "Packets or units the depayloader dropped, by reason", labels, v);
  }
}

std::string pipeline_of(GstElement *e) {
  GstObject *top = GST_OBJECT(gst_object_ref(e));
  while (GstObject *parent = gst_object_get_parent(top)) {
    gst_object_unref(top);
    top = parent;
  }
  std::string name;
  if (top != GST_OBJECT(e)) {
    GString_ n(gst_object_get_name(top));
    name = n ? n.get() : "";
  }
  gst_object_unref(top);
  return name;
}

}  // namespace

void collect(const std::vector<ElementRef> &elements, Exposition &out) {
  for (const auto &ref : elements) {
    GstElement *e = ref.element.get();
    GString_ name(gst_object_get_name(GST_OBJECT(e)));
    GstElementFactory *factory = gst_element_get_factory(e);
    const std::string factory_name =
        factory ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)) : "";
    Labels base = {{"pipeline", pipeline_of(e)}, {"element", name ? name.get() : ""}};
    Labels info = base;
    info.emplace_back("factory", factory_name);
    out.add("srtrtp_element_info", Type::kGauge, "1 for every srtrtp element alive", info, 1);
    if (ref.metrics)
      out.add_histogram("srtrtp_element_buffer_duration_seconds",
                        "Time from a buffer entering the element's chain function to the "
                        "element pushing (or to the chain's return when it pushes nothing)",
                        base, ref.metrics->time_in_element.snapshot());
    if (!g_object_class_find_property(G_OBJECT_GET_CLASS(e), "stats")) continue;
    GstStructure *raw = nullptr;
    g_object_get(e, "stats", &raw, nullptr);
    StructurePtr stats(raw);
    if (!stats) continue;
    const gchar *kind = gst_structure_get_name(stats.get());
    if (std::strcmp(kind, "application/x-srt-statistics") == 0)
      collect_srt(e, stats.get(), base, out);
    else if (std::strcmp(kind, "application/x-rtp-payload-stats") == 0)
      collect_rtp(stats.get(), base, out, true);
    else if (std::strcmp(kind, "application/x-rtp-depayload-stats") == 0)
      collect_rtp(stats.get(), base, out, false);
  }
}

}  // namespace srtrtp::metrics
