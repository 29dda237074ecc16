// Shared srtsrc/srtsink behaviour for srtbondsrc/srtbondsink: properties with
// srtsrc's names, types, defaults and ranges; signals with its signatures;
// endpoint lifetime with auto-reconnect; the stats structure.
#define GLIB_DISABLE_DEPRECATION_WARNINGS  // GValueArray: srtsrc's "callers" type
#include "srt_element_common.hpp"

#include <gio/gio.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "srt/hs_encryption.hpp"
#include "srt/reject.hpp"

GST_DEBUG_CATEGORY_STATIC(srt_common_debug);
#define GST_CAT_DEFAULT srt_common_debug

namespace srtrtp {

namespace io = srtcore::io;
namespace srt = srtcore::srt;

namespace {

constexpr std::chrono::milliseconds kDefaultWaitSlice{200};
constexpr std::chrono::milliseconds kReconnectBackoff{1000};
// Refusing a caller from caller-connecting: SRT_REJX_FORBIDDEN.
constexpr std::uint32_t kRejectForbidden = 1403;

void init_debug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(srt_common_debug, "srtbond", 0, "srtbondsrc/srtbondsink");
    g_once_init_leave(&once, 1);
  }
}

gboolean default_caller_connecting(GstElement *, GSocketAddress *, const gchar *, gpointer) {
  return TRUE;  // accept everyone unless a handler says otherwise
}

// Handlers return TRUE to accept; stop at the first refusal.
gboolean authentication_accumulator(GSignalInvocationHint *, GValue *return_accu,
                                    const GValue *handler_return, gpointer) {
  const gboolean ok = g_value_get_boolean(handler_return);
  g_value_set_boolean(return_accu, ok);
  return ok;
}

void set_int(GstStructure *s, const char *name, std::int64_t v) {
  gst_structure_set(s, name, G_TYPE_INT, static_cast<gint>(v), nullptr);
}

// Buffer levels and flight size (libsrt's pktSndBuf ... pktFlowWindow), for
// connections and bonded links alike.
void set_buffer_levels(GstStructure *s, const srt::Stats &st) {
  set_int(s, "send-buffer-packets", st.pktSndBuf);
  set_int(s, "send-buffer-bytes", st.byteSndBuf);
  set_int(s, "send-buffer-ms", st.msSndBuf);
  set_int(s, "receive-buffer-packets", st.pktRcvBuf);
  set_int(s, "receive-buffer-bytes", st.byteRcvBuf);
  set_int(s, "receive-buffer-ms", st.msRcvBuf);
  set_int(s, "flight-size-packets", st.pktFlightSize);
  set_int(s, "flow-window-packets", st.pktFlowWindow);
}

// srtsrc/srtsink's field names and types, filled from libsrt-style counters.
GstStructure *connection_stats(const srt::Stats &st, bool is_sink) {
  GstStructure *s = gst_structure_new(
      "application/x-srt-statistics", "packets-sent", G_TYPE_INT64, static_cast<gint64>(st.pktSent),
      "bytes-sent", G_TYPE_UINT64, static_cast<guint64>(st.byteSent), "bytes-retransmitted",
      G_TYPE_UINT64, static_cast<guint64>(st.byteRetrans), "bytes-sent-dropped", G_TYPE_UINT64,
      static_cast<guint64>(st.byteSndDrop), "send-rate-mbps", G_TYPE_DOUBLE, st.mbpsSendRate,
      // libsrt's usSndDuration (busy sending time) is not tracked: always 0.
      "send-duration-us", G_TYPE_UINT64, guint64{0}, "packets-received", G_TYPE_INT64,
      static_cast<gint64>(st.pktRecv), "bytes-received", G_TYPE_UINT64,
      static_cast<guint64>(st.byteRecv), "bytes-received-lost", G_TYPE_UINT64,
      static_cast<guint64>(st.byteRcvLoss), "receive-rate-mbps", G_TYPE_DOUBLE, st.mbpsRecvRate,
      "bandwidth-mbps", G_TYPE_DOUBLE, st.mbpsBandwidth, "rtt-ms", G_TYPE_DOUBLE, st.msRTT,
      nullptr);
  set_int(s, "packets-sent-lost", st.pktSndLoss);
  set_int(s, "packets-retransmitted", st.pktRetrans);
  set_int(s, "packet-ack-received", st.pktRecvACK);
  set_int(s, "packet-nack-received", st.pktRecvNAK);
  set_int(s, "packets-sent-dropped", st.pktSndDrop);
  set_int(s, "packets-received-lost", st.pktRcvLoss);
  set_int(s, "packets-received-retransmitted", st.pktRcvRetrans);
  set_int(s, "packets-received-dropped", st.pktRcvDrop);
  set_int(s, "packet-ack-sent", st.pktSentACK);
  set_int(s, "packet-nack-sent", st.pktSentNAK);
  // Not in srtsrc's set: encryption (libsrt's pktRcvUndecrypt, SRTO_KMSTATE).
  set_int(s, "packets-received-undecrypted", st.pktRcvUndecrypt);
  set_int(s, "km-state", st.kmState);
  set_int(s, "pbkeylen", st.pbKeyLen);
  set_int(s, "crypto-mode", st.cryptoMode);  // 1 AES-CTR, 2 AES-GCM, 0 clear
  // Packet filter (FEC), libsrt's pktSndFilterExtra, pktRcvFilterExtra,
  // pktRcvFilterSupply, pktRcvFilterLoss.
  set_int(s, "packets-filter-sent", st.pktSndFilterExtra);
  set_int(s, "packets-filter-received", st.pktRcvFilterExtra);
  set_int(s, "packets-filter-rebuilt", st.pktRcvFilterSupply);
  set_int(s, "packets-filter-lost", st.pktRcvFilterLoss);
  // The latency that matters for this direction.
  set_int(s, "negotiated-latency-ms", is_sink ? st.msSndTsbPdDelay : st.msRcvTsbPdDelay);
  set_buffer_levels(s, st);
  return s;
}

// A bonded caller's top-level figures: its links together.
srt::Stats sum_link_stats(const std::vector<io::LinkReport> &links) {
  srt::Stats t;
  bool first = true;
  for (const auto &l : links) {
    const srt::Stats &x = l.stats;
    t.pktSent += x.pktSent;
    t.byteSent += x.byteSent;
    t.byteRetrans += x.byteRetrans;
    t.byteSndDrop += x.byteSndDrop;
    t.mbpsSendRate += x.mbpsSendRate;
    t.pktRecv += x.pktRecv;
    t.byteRecv += x.byteRecv;
    t.byteRcvLoss += x.byteRcvLoss;
    t.mbpsRecvRate += x.mbpsRecvRate;
    t.mbpsBandwidth += x.mbpsBandwidth;
    t.pktSndLoss += x.pktSndLoss;
    t.pktRetrans += x.pktRetrans;
    t.pktRecvACK += x.pktRecvACK;
    t.pktRecvNAK += x.pktRecvNAK;
    t.pktSndDrop += x.pktSndDrop;
    t.pktRcvLoss += x.pktRcvLoss;
    t.pktRcvRetrans += x.pktRcvRetrans;
    t.pktRcvDrop += x.pktRcvDrop;
    t.pktSentACK += x.pktSentACK;
    t.pktSentNAK += x.pktSentNAK;
    if (first || (x.msRTT > 0 && x.msRTT < t.msRTT)) t.msRTT = x.msRTT;
    t.msSndTsbPdDelay = std::max(t.msSndTsbPdDelay, x.msSndTsbPdDelay);
    t.msRcvTsbPdDelay = std::max(t.msRcvTsbPdDelay, x.msRcvTsbPdDelay);
    first = false;
  }
  return t;
}

GstStructure *link_structure(const io::LinkReport &l) {
  using srtcore::bond::LinkState;
  GstStructure *s = gst_structure_new(
      "application/x-srt-link", "uri", G_TYPE_STRING, l.name.c_str(), "local-address",
      G_TYPE_STRING, l.local.to_string().c_str(), "remote-address", G_TYPE_STRING,
      l.peer.to_string().c_str(), "state", srt_bond_link_state_get_type(),
      static_cast<gint>(l.state), "weight", G_TYPE_UINT, static_cast<guint>(l.weight), "active",
      G_TYPE_BOOLEAN, l.state == LinkState::kRunning, "standby", G_TYPE_BOOLEAN,
      l.state == LinkState::kIdle, "rtt-ms", G_TYPE_DOUBLE, l.stats.msRTT, "send-rate-mbps",
      G_TYPE_DOUBLE, l.stats.mbpsSendRate, "receive-rate-mbps", G_TYPE_DOUBLE, l.stats.mbpsRecvRate,
      "packets-sent", G_TYPE_INT64, static_cast<gint64>(l.stats.pktSent), "packets-received",
      G_TYPE_INT64, static_cast<gint64>(l.stats.pktRecv), "bytes-sent", G_TYPE_UINT64,
      static_cast<guint64>(l.stats.byteSent), "bytes-received", G_TYPE_UINT64,
      static_cast<guint64>(l.stats.byteRecv), nullptr);
  set_int(s, "packets-sent-lost", l.stats.pktSndLoss);
  set_int(s, "packets-received-lost", l.stats.pktRcvLoss);
  set_int(s, "packets-retransmitted", l.stats.pktRetrans);
  set_int(s, "packets-received-retransmitted", l.stats.pktRcvRetrans);
  set_buffer_levels(s, l.stats);
  return s;
}

void take_structure(GValueArray *a, GstStructure *st) {
  GValue v = G_VALUE_INIT;
  g_value_init(&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed(&v, st);
  g_value_array_append(a, &v);
  g_value_unset(&v);
}

void add_bond_stats(GstStructure *s, const std::vector<io::LinkReport> &links,
                    const std::vector<std::pair<std::uint32_t, srtcore::bond::GroupStats>> &groups,
                    bool is_sink) {
  GValueArray *la = g_value_array_new(static_cast<guint>(links.size()));
  for (const auto &l : links) take_structure(la, link_structure(l));
  GValue lv = G_VALUE_INIT;
  g_value_init(&lv, G_TYPE_VALUE_ARRAY);
  g_value_take_boxed(&lv, la);
  gst_structure_take_value(s, "links", &lv);
  GValueArray *ga = g_value_array_new(static_cast<guint>(groups.size()));
  for (const auto &[id, g] : groups) {
    GstStructure *gs = gst_structure_new(
        "application/x-srt-group", "group-id", G_TYPE_UINT, static_cast<guint>(id), "messages-sent",
        G_TYPE_INT64, static_cast<gint64>(g.pktSent), "messages-delivered", G_TYPE_INT64,
        static_cast<gint64>(g.pktDelivered), "packets-received", G_TYPE_INT64,
        static_cast<gint64>(g.pktRecv), "packets-received-unique", G_TYPE_INT64,
        static_cast<gint64>(g.pktRecvUnique), "packets-received-redundant", G_TYPE_INT64,
        static_cast<gint64>(g.pktRcvRedundant), "packets-received-dropped", G_TYPE_INT64,
        static_cast<gint64>(g.pktRcvDrop), "packets-resent-on-activation", G_TYPE_INT64,
        static_cast<gint64>(g.pktSndGroupRexmit), "link-activations", G_TYPE_INT64,
        static_cast<gint64>(g.linkActivations), "link-reconnects", G_TYPE_INT64,
        static_cast<gint64>(g.linkReconnects), "bytes", G_TYPE_UINT64,
        static_cast<guint64>(is_sink ? g.byteSent : g.byteDelivered), nullptr);
    take_structure(ga, gs);
  }
  GValue gv = G_VALUE_INIT;
  g_value_init(&gv, G_TYPE_VALUE_ARRAY);
  g_value_take_boxed(&gv, ga);
  gst_structure_take_value(s, "groups", &gv);
}

}  // namespace

// Forwards endpoint events (reactor thread) to the element.
class SrtObserver final : public io::EndpointObserver {
 public:
  explicit SrtObserver(SrtElement &e) : e_(e) {}
  std::optional<std::uint32_t> on_caller_connecting(const srt::CallerRequest &r) override {
    return e_.on_caller_connecting(r);
  }
  void on_connected(const io::PeerInfo &p, const srt::Negotiated &) override { e_.on_connected(p); }
  void on_disconnected(const io::PeerInfo &p, const std::string &detail) override {
    e_.on_disconnected(p, detail);
  }
  void on_rejected(const io::PeerInfo &p, std::uint32_t code) override { e_.on_rejected(p, code); }
  void on_link_state(const io::LinkReport &l, srtcore::bond::LinkState from,
                     srtcore::bond::LinkState to, const std::string &detail) override {
    e_.on_link_state(l, from, to, detail);
  }

 private:
  SrtElement &e_;
};

GType srt_bond_connection_mode_get_type() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {static_cast<gint>(SrtMode::kNone), "GST_SRT_CONNECTION_MODE_NONE", "none"},
      {static_cast<gint>(SrtMode::kCaller), "GST_SRT_CONNECTION_MODE_CALLER", "caller"},
      {static_cast<gint>(SrtMode::kListener), "GST_SRT_CONNECTION_MODE_LISTENER", "listener"},
      {static_cast<gint>(SrtMode::kRendezvous), "GST_SRT_CONNECTION_MODE_RENDEZVOUS", "rendezvous"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, g_enum_register_static("GstSrtBondConnectionMode", values));
  }
  return type;
}

GType srt_bond_key_length_get_type() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {0, "GST_SRT_KEY_LENGTH_NO_KEY", "no-key"}, {0, "GST_SRT_KEY_LENGTH_0", "0"},
      {16, "GST_SRT_KEY_LENGTH_16", "16"},        {24, "GST_SRT_KEY_LENGTH_24", "24"},
      {32, "GST_SRT_KEY_LENGTH_32", "32"},        {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, g_enum_register_static("GstSrtBondKeyLength", values));
  }
  return type;
}

GType srt_bond_mode_get_type() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {static_cast<gint>(BondMode::kNone), "GST_SRT_BOND_MODE_NONE", "none"},
      {static_cast<gint>(BondMode::kBroadcast), "GST_SRT_BOND_MODE_BROADCAST", "broadcast"},
      {static_cast<gint>(BondMode::kBackup), "GST_SRT_BOND_MODE_BACKUP", "backup"},
      {static_cast<gint>(BondMode::kBalancing), "GST_SRT_BOND_MODE_BALANCING", "balancing"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, g_enum_register_static("GstSrtBondMode", values));
  }
  return type;
}

GType srt_bond_crypto_mode_get_type() {
  static GType type = 0;
  static const GEnumValue values[] = {{0, "GST_SRT_BOND_CRYPTO_MODE_AUTO", "auto"},
                                      {1, "GST_SRT_BOND_CRYPTO_MODE_AES_CTR", "aes-ctr"},
                                      {2, "GST_SRT_BOND_CRYPTO_MODE_AES_GCM", "aes-gcm"},
                                      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, g_enum_register_static("GstSrtBondCryptoMode", values));
  }
  return type;
}

GType srt_bond_link_state_get_type() {
  using srtcore::bond::LinkState;
  static GType type = 0;
  static const GEnumValue values[] = {
      {static_cast<gint>(LinkState::kPending), "GST_SRT_BOND_LINK_PENDING", "pending"},
      {static_cast<gint>(LinkState::kIdle), "GST_SRT_BOND_LINK_IDLE", "idle"},
      {static_cast<gint>(LinkState::kRunning), "GST_SRT_BOND_LINK_RUNNING", "running"},
      {static_cast<gint>(LinkState::kBroken), "GST_SRT_BOND_LINK_BROKEN", "broken"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, g_enum_register_static("GstSrtBondLinkState", values));
  }
  return type;
}

namespace {

GQuark element_quark() {
  static GQuark q = g_quark_from_static_string("srtrtp-srt-element");
  return q;
}

gboolean add_link_action(GstElement *element, const gchar *uri) {
  SrtElement *e = srt_element_of(element);
  return e && e->add_link(uri) ? TRUE : FALSE;
}

gboolean remove_link_action(GstElement *element, const gchar *uri) {
  SrtElement *e = srt_element_of(element);
  return e && e->remove_link(uri) ? TRUE : FALSE;
}

}  // namespace

SrtElement *srt_element_of(gpointer instance) {
  return static_cast<SrtElement *>(g_object_get_qdata(G_OBJECT(instance), element_quark()));
}

void install_srt_properties(GObjectClass *klass) {
  init_debug();
  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  constexpr auto rw_ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      klass, kPropUri,
      g_param_spec_string("uri", "URI", "URI in the form of srt://address:port", kSrtDefaultUri,
                          rw_ready));
  g_object_class_install_property(
      klass, kPropMode,
      g_param_spec_enum("mode", "Connection mode", "SRT connection mode",
                        srt_bond_connection_mode_get_type(), static_cast<gint>(SrtMode::kCaller),
                        rw_ready));
  g_object_class_install_property(klass, kPropLocalAddress,
                                  g_param_spec_string("localaddress", "Local address",
                                                      "Local address to bind", nullptr, rw_ready));
  g_object_class_install_property(klass, kPropLocalPort,
                                  g_param_spec_uint("localport", "Local port", "Local port to bind",
                                                    0, 65535, kSrtDefaultPort, rw_ready));
  g_object_class_install_property(
      klass, kPropPassphrase,
      g_param_spec_string(
          "passphrase", "Passphrase",
          "Password for the encrypted transmission (AES-CTR, 10 to 79 characters; empty: no "
          "encryption; the peer must use the same one)",
          "",
          static_cast<GParamFlags>(G_PARAM_WRITABLE | GST_PARAM_MUTABLE_READY |
                                   G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      klass, kPropPbKeyLen,
      g_param_spec_enum("pbkeylen", "Crypto key length", "Crypto key length in bytes",
                        srt_bond_key_length_get_type(), 0, rw_ready));
  g_object_class_install_property(
      klass, kPropPollTimeout,
      g_param_spec_int("poll-timeout", "Poll timeout",
                       "Return poll wait after timeout milliseconds (-1 = infinite)", -1,
                       G_MAXINT32, kSrtDefaultPollTimeoutMs, rw_ready));
  g_object_class_install_property(
      klass, kPropLatency,
      g_param_spec_int("latency", "latency", "Minimum latency (milliseconds)", 0, G_MAXINT32,
                       kSrtDefaultLatencyMs, rw));
  g_object_class_install_property(
      klass, kPropStats,
      g_param_spec_boxed("stats", "Statistics", "SRT Statistics", GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      klass, kPropWaitForConnection,
      g_param_spec_boolean("wait-for-connection", "Wait for a connection",
                           "Block the stream until a client connects", TRUE, rw));
  g_object_class_install_property(
      klass, kPropStreamId,
      g_param_spec_string("streamid", "Stream ID", "Stream ID for the SRT access control", nullptr,
                          rw_ready));
  g_object_class_install_property(klass, kPropAuthentication,
                                  g_param_spec_boolean("authentication", "Authentication",
                                                       "Authenticate a connection", TRUE, rw));
  g_object_class_install_property(
      klass, kPropCallerRejectCode,
      g_param_spec_uint("caller-reject-code", "Caller reject code",
                        "Reject code (SRT user range 1000-1999) a caller gets when "
                        "caller-connecting returns FALSE; a handler may set it for each caller "
                        "before returning. The caller's element reports it",
                        1000, 1999, kRejectForbidden, rw));
  g_object_class_install_property(
      klass, kPropMaxConnections,
      g_param_spec_uint("max-connections", "Maximum connections",
                        "Listener: callers served at once; a further caller is refused with "
                        "SRT_REJ_BACKLOG until one leaves (srtbondsrc serves one caller "
                        "whatever this says)",
                        1, 100000, 1000, rw_ready));
  g_object_class_install_property(
      klass, kPropAutoReconnect,
      g_param_spec_boolean("auto-reconnect", "Automatic reconnect",
                           "Automatically reconnect when connection fails", TRUE, rw));
  g_object_class_install_property(
      klass, kPropBondMode,
      g_param_spec_enum("bond-mode", "Bonding mode",
                        "How a caller uses its links: none (one link, the uri), broadcast (every "
                        "message on every link), backup (the preferred stable link, others on "
                        "standby) or balancing (each message on one link, spread by what each "
                        "carries; ours only, a libsrt listener refuses it). A listener accepts "
                        "bonded callers whatever this says (the caller chooses the mode)",
                        srt_bond_mode_get_type(), static_cast<gint>(BondMode::kNone), rw_ready));
  g_object_class_install_property(
      klass, kPropLinks,
      g_param_spec_string(
          "links", "Links",
          "Comma-separated srt:// URIs, one per network path, each with its own keys "
          "(weight=, localaddress=, localport=). Callers: the paths of the bonded group (the uri "
          "property is then not used to connect). Listeners (mode=listener URIs): further ports "
          "to accept group members on",
          nullptr, rw_ready));
  g_object_class_install_property(
      klass, kPropStatsInterval,
      g_param_spec_uint("stats-interval", "Statistics interval",
                        "Post the stats structure as an element message every this many "
                        "milliseconds (0 = never)",
                        0, 3600000, 0, rw));
  g_object_class_install_property(
      klass, kPropKmRefreshRate,
      g_param_spec_uint("km-refreshrate", "Key refresh rate",
                        "Packets sent under one encryption key before a new one takes over "
                        "(libsrt's kmrefreshrate; 0 = its default, 2^24)",
                        0, G_MAXINT32, 0, rw_ready));
  g_object_class_install_property(
      klass, kPropKmPreannounce,
      g_param_spec_uint("km-preannounce", "Key pre-announce",
                        "Packets before the switch at which the next key is announced, and after "
                        "it at which the old one is retired (libsrt's kmpreannounce; 0 = its "
                        "default; at most (km-refreshrate - 1) / 2)",
                        0, G_MAXINT32, 0, rw_ready));
  g_object_class_install_property(
      klass, kPropCryptoMode,
      g_param_spec_enum("crypto-mode", "Crypto mode",
                        "Cipher with a passphrase (libsrt's cryptomode): auto (a caller uses "
                        "AES-CTR, a listener takes either), aes-ctr, or aes-gcm (authenticated; "
                        "the peer needs libsrt 1.5.2 or later, or this plugin)",
                        srt_bond_crypto_mode_get_type(), 0, rw_ready));
  g_object_class_install_property(
      klass, kPropPacketFilter,
      g_param_spec_string(
          "packetfilter", "Packet filter",
          "SRT packet filter (libsrt's SRTO_PACKETFILTER), e.g. "
          "\"fec,cols:10,rows:5,layout:staircase,arq:onreq\" for XOR FEC, or \"fec\" to take "
          "the peer's; merged with the peer's in the handshake (a conflict refuses the "
          "connection). Empty: none. Not with aes-gcm nor with several links",
          "", rw_ready));
  gst_type_mark_as_plugin_api(srt_bond_crypto_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(srt_bond_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(srt_bond_link_state_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(srt_bond_connection_mode_get_type(),
                              static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(srt_bond_key_length_get_type(), static_cast<GstPluginAPIFlags>(0));
}

void install_srt_signals(GType type, guint signals[kSigLast]) {
  signals[kSigCallerAdded] =
      g_signal_new("caller-added", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_SOCKET_ADDRESS);
  signals[kSigCallerRemoved] =
      g_signal_new("caller-removed", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_SOCKET_ADDRESS);
  signals[kSigCallerRejected] =
      g_signal_new("caller-rejected", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 2, G_TYPE_SOCKET_ADDRESS, G_TYPE_STRING);
  signals[kSigCallerConnecting] = g_signal_new_class_handler(
      "caller-connecting", type, G_SIGNAL_RUN_LAST, G_CALLBACK(default_caller_connecting),
      authentication_accumulator, nullptr, nullptr, G_TYPE_BOOLEAN, 2, G_TYPE_SOCKET_ADDRESS,
      G_TYPE_STRING);
  const auto action = static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION);
  signals[kSigAddLink] =
      g_signal_new_class_handler("add-link", type, action, G_CALLBACK(add_link_action), nullptr,
                                 nullptr, nullptr, G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[kSigRemoveLink] =
      g_signal_new_class_handler("remove-link", type, action, G_CALLBACK(remove_link_action),
                                 nullptr, nullptr, nullptr, G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[kSigLinkAdded] = g_signal_new("link-added", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
                                        nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[kSigLinkRemoved] = g_signal_new("link-removed", type, G_SIGNAL_RUN_LAST, 0, nullptr,
                                          nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[kSigLinkStateChanged] = g_signal_new(
      "link-state-changed", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 3,
      G_TYPE_STRING, srt_bond_link_state_get_type(), srt_bond_link_state_get_type());
}

GSocketAddress *to_socket_address(const srt::NetAddress &a) {
  GInetAddress *ip = g_inet_address_new_from_bytes(
      a.ip.data(),
      a.family == srt::NetAddress::Family::kV4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  GSocketAddress *sa = g_inet_socket_address_new(ip, a.port);
  g_object_unref(ip);
  return sa;
}

SrtElement::SrtElement(GstElement *element, bool is_sink, const guint *signals)
    : element_(element), is_sink_(is_sink), signals_(signals) {
  init_debug();
  params_ = *parse_srt_uri(kSrtDefaultUri, nullptr);
  g_object_set_qdata(G_OBJECT(element), element_quark(), this);
  buffer_timer_.attach(element);
}

SrtElement::~SrtElement() {
  close();
}

bool SrtElement::set_uri(const gchar *uri, GError **error) {
  std::string why;
  auto parsed = parse_srt_uri(uri ? uri : "", &why);
  GST_OBJECT_LOCK(element_);
  if (endpoint_) {
    GST_OBJECT_UNLOCK(element_);
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                "Changing the 'uri' property while the SRT connection is open is not supported");
    return false;
  }
  if (!parsed) {
    // Reported again at start, where an element error can stop the pipeline.
    uri_error_ = why;
    GST_OBJECT_UNLOCK(element_);
    GST_WARNING_OBJECT(element_, "%s", why.c_str());
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s", why.c_str());
    return false;
  }
  uri_error_.clear();
  params_ = std::move(*parsed);
  for (const auto &k : params_.unknown_keys)
    GST_WARNING_OBJECT(element_, "unknown URI parameter '%s' ignored", k.c_str());
  for (const auto &k : params_.ignored_keys)
    GST_INFO_OBJECT(element_, "URI parameter '%s' has no effect here", k.c_str());
  GST_OBJECT_UNLOCK(element_);
  return true;
}

gchar *SrtElement::get_uri() {
  GST_OBJECT_LOCK(element_);
  gchar *s = g_strdup(params_.uri.c_str());
  GST_OBJECT_UNLOCK(element_);
  return s;
}

bool SrtElement::set_property(guint prop_id, const GValue *value) {
  if (prop_id == kPropUri) {
    GError *err = nullptr;
    if (!set_uri(g_value_get_string(value), &err)) g_clear_error(&err);
    return true;
  }
  GST_OBJECT_LOCK(element_);
  bool known = true;
  switch (prop_id) {
    case kPropMode:
      params_.mode = static_cast<SrtMode>(g_value_get_enum(value));
      break;
    case kPropLocalAddress: {
      const gchar *s = g_value_get_string(value);
      params_.localaddress = s ? std::optional<std::string>(s) : std::nullopt;
      break;
    }
    case kPropLocalPort:
      params_.localport = g_value_get_uint(value);
      break;
    case kPropPassphrase: {
      const gchar *s = g_value_get_string(value);
      params_.passphrase = s ? s : "";
      break;
    }
    case kPropPbKeyLen:
      params_.pbkeylen = g_value_get_enum(value);
      break;
    case kPropKmRefreshRate:
      params_.kmrefreshrate = static_cast<int>(g_value_get_uint(value));
      break;
    case kPropKmPreannounce:
      params_.kmpreannounce = static_cast<int>(g_value_get_uint(value));
      break;
    case kPropCryptoMode:
      params_.cryptomode = g_value_get_enum(value);
      break;
    case kPropPacketFilter: {
      const gchar *s = g_value_get_string(value);
      params_.packetfilter = s && *s ? std::optional<std::string>(s) : std::nullopt;
      break;
    }
    case kPropPollTimeout:
      params_.poll_timeout_ms = g_value_get_int(value);
      break;
    case kPropLatency:
      params_.latency_ms = g_value_get_int(value);
      break;
    case kPropWaitForConnection:
      wait_for_connection_ = g_value_get_boolean(value);
      break;
    case kPropStreamId: {
      const gchar *s = g_value_get_string(value);
      params_.streamid = s ? std::optional<std::string>(s) : std::nullopt;
      break;
    }
    case kPropAuthentication:
      authentication_ = g_value_get_boolean(value);
      auth_enabled_ = authentication_;
      break;
    case kPropCallerRejectCode:
      caller_reject_code_ = g_value_get_uint(value);
      break;
    case kPropMaxConnections:
      max_connections_ = g_value_get_uint(value);
      break;
    case kPropAutoReconnect:
      auto_reconnect_ = g_value_get_boolean(value);
      break;
    case kPropBondMode:
      bond_mode_ = static_cast<BondMode>(g_value_get_enum(value));
      break;
    case kPropLinks: {
      const gchar *s = g_value_get_string(value);
      links_ = s ? s : "";
      break;
    }
    case kPropStatsInterval:
      stats_interval_ms_ = g_value_get_uint(value);
      break;
    default:
      known = false;
  }
  GST_OBJECT_UNLOCK(element_);
  return known;
}

bool SrtElement::get_property(guint prop_id, GValue *value) {
  if (prop_id == kPropStats) {
    g_value_take_boxed(value, stats());
    return true;
  }
  GST_OBJECT_LOCK(element_);
  bool known = true;
  const bool binds_uri = params_.mode == SrtMode::kListener || params_.mode == SrtMode::kRendezvous;
  switch (prop_id) {
    case kPropUri:
      g_value_set_string(value, params_.uri.c_str());
      break;
    case kPropMode:
      g_value_set_enum(value, static_cast<gint>(params_.mode));
      break;
    case kPropLocalAddress:
      // srtsrc: listener and rendezvous bind the URI's host (or any).
      if (params_.localaddress)
        g_value_set_string(value, params_.localaddress->c_str());
      else if (binds_uri)
        g_value_set_string(value, params_.host.empty() ? "0.0.0.0" : params_.host.c_str());
      else
        g_value_set_string(value, nullptr);
      break;
    case kPropLocalPort:
      g_value_set_uint(value, params_.localport.value_or(
                                  binds_uri && params_.port ? *params_.port : kSrtDefaultPort));
      break;
    case kPropPbKeyLen:
      g_value_set_enum(value, params_.pbkeylen);
      break;
    case kPropKmRefreshRate:
      g_value_set_uint(value, static_cast<guint>(params_.kmrefreshrate));
      break;
    case kPropKmPreannounce:
      g_value_set_uint(value, static_cast<guint>(params_.kmpreannounce));
      break;
    case kPropCryptoMode:
      g_value_set_enum(value, params_.cryptomode);
      break;
    case kPropPacketFilter:
      g_value_set_string(value, params_.packetfilter.value_or("").c_str());
      break;
    case kPropPollTimeout:
      g_value_set_int(value, params_.poll_timeout_ms);
      break;
    case kPropLatency:
      g_value_set_int(value, params_.latency_ms);
      break;
    case kPropWaitForConnection:
      g_value_set_boolean(value, wait_for_connection_);
      break;
    case kPropStreamId:
      g_value_set_string(value, params_.streamid ? params_.streamid->c_str() : nullptr);
      break;
    case kPropAuthentication:
      g_value_set_boolean(value, authentication_);
      break;
    case kPropCallerRejectCode:
      g_value_set_uint(value, caller_reject_code_);
      break;
    case kPropMaxConnections:
      g_value_set_uint(value, max_connections_);
      break;
    case kPropAutoReconnect:
      g_value_set_boolean(value, auto_reconnect_);
      break;
    case kPropBondMode:
      g_value_set_enum(value, static_cast<gint>(bond_mode_));
      break;
    case kPropLinks:
      g_value_set_string(value, links_.empty() ? nullptr : links_.c_str());
      break;
    case kPropStatsInterval:
      g_value_set_uint(value, stats_interval_ms_);
      break;
    default:
      known = false;
  }
  GST_OBJECT_UNLOCK(element_);
  return known;
}

std::size_t SrtElement::receive_size() const {
  const std::size_t mss_payload = config_.connection.mss - 44;  // SRT + IPv4/UDP headers
  return std::max(payload_size_, mss_payload);
}

bool SrtElement::wait_for_connection() {
  GST_OBJECT_LOCK(element_);
  const bool v = wait_for_connection_;
  GST_OBJECT_UNLOCK(element_);
  return v;
}

bool SrtElement::keep_listening() {
  GST_OBJECT_LOCK(element_);
  const bool v = keep_listening_;
  GST_OBJECT_UNLOCK(element_);
  return v;
}

void SrtElement::set_keep_listening(bool v) {
  GST_OBJECT_LOCK(element_);
  keep_listening_ = v;
  GST_OBJECT_UNLOCK(element_);
}

std::chrono::milliseconds SrtElement::configured_recv_latency() {
  GST_OBJECT_LOCK(element_);
  const int ms = params_.rcvlatency_ms.value_or(params_.latency_ms);
  GST_OBJECT_UNLOCK(element_);
  return std::chrono::milliseconds(ms);
}

std::optional<srt::Duration> SrtElement::negotiated_recv_latency() {
  std::lock_guard lock(endpoint_lock_);
  if (!endpoint_) return std::nullopt;
  return endpoint_->recv_latency();
}

bool SrtElement::post_config_error(const std::string &what) {
  GST_ELEMENT_ERROR(element_, RESOURCE, SETTINGS, ("Invalid SRT settings: %s", what.c_str()),
                    ("Check the uri property (srt://host:port?key=value) and the element "
                     "properties"));
  return false;
}

void SrtElement::post_endpoint_error(const io::EndpointError &e, bool reading) {
  const char *where = config_.host.empty() ? "any address" : config_.host.c_str();
  const std::string addr = std::string(where) + ":" + std::to_string(config_.port);
  switch (e.kind) {
    case io::EndpointError::Kind::kBadAddress:
      GST_ELEMENT_ERROR(element_, RESOURCE, NOT_FOUND,
                        ("Could not resolve the SRT address %s.", addr.c_str()),
                        ("%s. Check the host and port of the uri property.", e.detail.c_str()));
      break;
    case io::EndpointError::Kind::kSocket:
      GST_ELEMENT_ERROR(element_, RESOURCE, OPEN_READ_WRITE,
                        ("Could not open the SRT socket (%s, local %s:%u).", addr.c_str(),
                         config_.local_address.empty() ? "any" : config_.local_address.c_str(),
                         config_.local_port),
                        ("%s. Check that no other program uses the port, or choose another port "
                         "(uri, localport).",
                         e.detail.c_str()));
      break;
    case io::EndpointError::Kind::kRejected:
      GST_ELEMENT_ERROR(element_, RESOURCE, NOT_AUTHORIZED,
                        ("The SRT peer at %s refused the connection: %s.", addr.c_str(),
                         srt::reject_reason_text(e.reject_code)),
                        ("reject code %u%s%s. Check the streamid, latency and passphrase "
                         "settings against what the peer accepts.",
                         e.reject_code, e.detail.empty() ? "" : ": ", e.detail.c_str()));
      break;
    case io::EndpointError::Kind::kTimeout:
      if (reading) {
        GST_ELEMENT_ERROR(element_, RESOURCE, OPEN_READ,
                          ("No answer from an SRT peer at %s.", addr.c_str()),
                          ("%s. Check that the peer runs (as listener or rendezvous) on that "
                           "port and that UDP is not blocked.",
                           e.detail.c_str()));
      } else {
        GST_ELEMENT_ERROR(element_, RESOURCE, OPEN_WRITE,
                          ("No answer from an SRT peer at %s.", addr.c_str()),
                          ("%s. Check that the peer runs (as listener or rendezvous) on that "
                           "port and that UDP is not blocked.",
                           e.detail.c_str()));
      }
      break;
    case io::EndpointError::Kind::kBroken:
      if (reading) {
        GST_ELEMENT_ERROR(element_, RESOURCE, READ,
                          ("The SRT connection to %s was lost.", addr.c_str()),
                          ("%s. Set auto-reconnect=true to reconnect.", e.detail.c_str()));
      } else {
        GST_ELEMENT_ERROR(element_, RESOURCE, WRITE,
                          ("The SRT connection to %s was lost.", addr.c_str()),
                          ("%s. Set auto-reconnect=true to reconnect.", e.detail.c_str()));
      }
      break;
  }
}

bool SrtElement::open() {
  GST_OBJECT_LOCK(element_);
  const std::string uri_error = uri_error_;
  const SrtParams params = params_;
  const BondMode bond_mode = bond_mode_;
  const std::string links_text = links_;
  const guint max_connections = max_connections_;
  auth_enabled_ = authentication_;
  GST_OBJECT_UNLOCK(element_);
  if (!uri_error.empty()) return post_config_error(uri_error);

  std::string why;
  auto config = to_endpoint_config(params, &why);
  if (!config) return post_config_error(why);
  LinkList links;
  if (!links_text.empty()) {
    auto parsed = parse_links(links_text, &why);
    if (!parsed) return post_config_error(why);
    links = std::move(*parsed);
  }
  if (!apply_bonding(params, bond_mode, links, *config, &why)) return post_config_error(why);
  config->serve_many = is_sink_;
  config->max_connections = max_connections;
  config_ = *config;
  payload_size_ = config_.connection.payload_size;
  mode_ = config_.mode == io::Mode::kListener     ? SrtMode::kListener
          : config_.mode == io::Mode::kRendezvous ? SrtMode::kRendezvous
                                                  : SrtMode::kCaller;
  wait_slice_ = params.poll_timeout_ms > 0
                    ? std::min(kDefaultWaitSlice, std::chrono::milliseconds(params.poll_timeout_ms))
                    : kDefaultWaitSlice;
  bytes_ = 0;
  disconnects_ = 0;
  if (!observer_) observer_ = std::make_unique<SrtObserver>(*this);

  io::EndpointError err{io::EndpointError::Kind::kSocket, 0, {}};
  auto ep = io::Endpoint::open(io::Reactor::shared(), config_, observer_.get(), &err);
  if (!ep) {
    post_endpoint_error(err, !is_sink_);
    return false;
  }
  GST_DEBUG_OBJECT(element_, "opened %s endpoint %s:%u (payload %zu)", mode_name(mode_),
                   config_.host.c_str(), config_.port, payload_size_);
  {
    std::lock_guard lock(endpoint_lock_);
    endpoint_ = std::move(ep);
    if (flushing_) endpoint_->cancel();
  }
  if (config_.bond && config_.mode != io::Mode::kListener) {
    for (const auto &l : config_.bond->links)
      g_signal_emit(element_, signals_[kSigLinkAdded], 0, l.name.c_str());
  }
  start_stats_timer();
  return true;
}

std::unique_ptr<io::Endpoint> SrtElement::take_endpoint() {
  std::lock_guard lock(endpoint_lock_);
  return std::move(endpoint_);
}

void SrtElement::close() {
  stop_stats_timer();
  // Destroyed outside the lock: the reactor may be inside an observer call
  // whose signal handler reads `stats`.
  auto ep = take_endpoint();
  ep.reset();
}

void SrtElement::unlock() {
  flushing_ = true;
  {
    std::lock_guard lock(endpoint_lock_);
    if (endpoint_) endpoint_->cancel();
  }
  std::lock_guard lock(backoff_lock_);
  backoff_cv_.notify_all();
}

void SrtElement::unlock_stop() {
  flushing_ = false;
  std::lock_guard lock(endpoint_lock_);
  if (endpoint_) endpoint_->uncancel();
}

bool SrtElement::backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(backoff_lock_);
  backoff_cv_.wait_for(lock, d, [this] { return flushing_.load(); });
  return !flushing_;
}

SrtElement::Wait SrtElement::wait_connected() {
  for (;;) {
    if (flushing_) return Wait::kFlushing;
    io::Endpoint *ep = endpoint();
    if (!ep) return Wait::kError;
    switch (ep->wait_connected(wait_slice_)) {
      case io::WaitStatus::kReady:
        return Wait::kConnected;
      case io::WaitStatus::kCancelled:
        return Wait::kFlushing;
      case io::WaitStatus::kFailed:
        return Wait::kError;
      case io::WaitStatus::kTimeout:
        break;
    }
  }
}

bool SrtElement::handle_failure(bool reading) {
  io::Endpoint *ep = endpoint();
  io::EndpointError e{io::EndpointError::Kind::kBroken, 0, "the connection closed"};
  if (ep) {
    if (auto err = ep->error()) e = *err;
  }
  GST_OBJECT_LOCK(element_);
  const bool auto_reconnect = auto_reconnect_;
  GST_OBJECT_UNLOCK(element_);
  // Retrying the same request gets the same answer, except from a busy listener.
  const bool final_rejection =
      e.kind == io::EndpointError::Kind::kRejected &&
      e.reject_code != static_cast<std::uint32_t>(srt::RejectReason::kBacklog);
  const bool retry = auto_reconnect && mode_ != SrtMode::kListener && !final_rejection &&
                     e.kind != io::EndpointError::Kind::kBadAddress &&
                     e.kind != io::EndpointError::Kind::kSocket;
  if (!retry) {
    post_endpoint_error(e, reading);
    return false;
  }
  GST_ELEMENT_WARNING(element_, RESOURCE, READ,
                      ("SRT connection failed (%s). Trying to reconnect.",
                       e.detail.empty() ? "no detail" : e.detail.c_str()),
                      (nullptr));
  close();
  if (!backoff(kReconnectBackoff)) return true;  // flushing: the caller sees it next
  io::EndpointError err{io::EndpointError::Kind::kSocket, 0, {}};
  auto fresh = io::Endpoint::open(io::Reactor::shared(), config_, observer_.get(), &err);
  if (!fresh) {
    post_endpoint_error(err, reading);
    return false;
  }
  std::lock_guard lock(endpoint_lock_);
  endpoint_ = std::move(fresh);
  if (flushing_) endpoint_->cancel();
  return true;
}

GstStructure *SrtElement::stats() {
  std::vector<std::pair<io::PeerInfo, srt::Stats>> all;
  std::vector<io::LinkReport> links;
  std::vector<std::pair<std::uint32_t, srtcore::bond::GroupStats>> groups;
  {
    std::lock_guard lock(endpoint_lock_);
    if (endpoint_) {
      all = endpoint_->stats();
      links = endpoint_->links();
      groups = endpoint_->group_stats();
    }
  }
  GstStructure *s = nullptr;
  if (mode_ != SrtMode::kListener && !all.empty())
    s = connection_stats(all.front().second, is_sink_);
  if (!s && mode_ != SrtMode::kListener && !links.empty())
    s = connection_stats(sum_link_stats(links), is_sink_);
  if (!s) s = gst_structure_new_empty("application/x-srt-statistics");
  if (mode_ == SrtMode::kListener && !all.empty()) {
    GValueArray *callers = g_value_array_new(static_cast<guint>(all.size()));
    for (const auto &[peer, st] : all) {
      GstStructure *c = connection_stats(st, is_sink_);
      GSocketAddress *addr = to_socket_address(peer.address);
      gst_structure_set(c, "caller-address", G_TYPE_SOCKET_ADDRESS, addr, nullptr);
      g_object_unref(addr);
      GValue v = G_VALUE_INIT;
      g_value_init(&v, GST_TYPE_STRUCTURE);
      g_value_take_boxed(&v, c);
      g_value_array_append(callers, &v);
      g_value_unset(&v);
    }
    GValue cv = G_VALUE_INIT;
    g_value_init(&cv, G_TYPE_VALUE_ARRAY);
    g_value_take_boxed(&cv, callers);
    gst_structure_take_value(s, "callers", &cv);
  }
  if (!links.empty()) add_bond_stats(s, links, groups, is_sink_);
  gst_structure_set(s, is_sink_ ? "bytes-sent-total" : "bytes-received-total", G_TYPE_UINT64,
                    static_cast<guint64>(bytes_.load()), nullptr);
  return s;
}

bool SrtElement::add_link(const gchar *uri) {
  std::string why;
  auto parsed = parse_links(uri ? uri : "", &why);
  if (parsed && parsed->links.size() != 1) why = "add-link takes exactly one srt:// URI";
  if (!parsed || parsed->links.size() != 1 || parsed->mode != SrtMode::kCaller) {
    if (why.empty()) why = "add-link takes a caller URI (srt://HOST:PORT?weight=..)";
    GST_WARNING_OBJECT(element_, "add-link '%s' refused: %s", uri ? uri : "", why.c_str());
    return false;
  }
  io::EndpointError err{io::EndpointError::Kind::kSocket, 0, {}};
  bool ok = false;
  {
    std::lock_guard lock(endpoint_lock_);
    if (!endpoint_ || !config_.bond || config_.mode == io::Mode::kListener) {
      err.detail = "the element is not running as a bonded caller (set bond-mode and start it)";
    } else {
      ok = endpoint_->add_link(parsed->links.front(), &err);
    }
  }
  if (!ok) {
    GST_WARNING_OBJECT(element_, "add-link '%s' failed: %s", uri, err.detail.c_str());
    return false;
  }
  g_signal_emit(element_, signals_[kSigLinkAdded], 0, parsed->links.front().name.c_str());
  return true;
}

bool SrtElement::remove_link(const gchar *uri) {
  const std::string name = uri ? uri : "";
  bool ok = false;
  {
    std::lock_guard lock(endpoint_lock_);
    if (endpoint_) ok = endpoint_->remove_link(name);
  }
  if (!ok) {
    GST_WARNING_OBJECT(element_, "remove-link: no link '%s'", name.c_str());
    return false;
  }
  g_signal_emit(element_, signals_[kSigLinkRemoved], 0, name.c_str());
  return true;
}

void SrtElement::on_link_state(const io::LinkReport &link, srtcore::bond::LinkState from,
                               srtcore::bond::LinkState to, const std::string &detail) {
  using srtcore::bond::LinkState;
  const std::string name = link.name.empty() ? link.peer.to_string() : link.name;
  GST_INFO_OBJECT(element_, "link %s: %s -> %s (%s)", name.c_str(),
                  srtcore::bond::link_state_name(from), srtcore::bond::link_state_name(to),
                  detail.c_str());
  g_signal_emit(element_, signals_[kSigLinkStateChanged], 0, name.c_str(), static_cast<gint>(from),
                static_cast<gint>(to));
  if (mode_ != SrtMode::kListener) return;
  // A listener's links are the members its bonded callers open and close.
  const bool up = [](LinkState st) {
    return st == LinkState::kIdle || st == LinkState::kRunning;
  }(to);
  if (from == LinkState::kPending && up)
    g_signal_emit(element_, signals_[kSigLinkAdded], 0, name.c_str());
  if (to == LinkState::kBroken) g_signal_emit(element_, signals_[kSigLinkRemoved], 0, name.c_str());
}

void SrtElement::start_stats_timer() {
  GST_OBJECT_LOCK(element_);
  const guint ms = stats_interval_ms_;
  GST_OBJECT_UNLOCK(element_);
  if (ms == 0) return;
  GstClock *clock = gst_system_clock_obtain();
  const GstClockTime interval = static_cast<GstClockTime>(ms) * GST_MSECOND;
  std::lock_guard lock(stats_timer_lock_);
  stats_timer_ = gst_clock_new_periodic_id(clock, gst_clock_get_time(clock) + interval, interval);
  gst_object_unref(clock);
  gst_clock_id_wait_async(stats_timer_, &SrtElement::post_stats, this, nullptr);
}

void SrtElement::stop_stats_timer() {
  std::lock_guard lock(stats_timer_lock_);
  if (!stats_timer_) return;
  gst_clock_id_unschedule(stats_timer_);
  gst_clock_id_unref(stats_timer_);
  stats_timer_ = nullptr;
}

gboolean SrtElement::post_stats(GstClock *, GstClockTime, GstClockID, gpointer data) {
  auto *self = static_cast<SrtElement *>(data);
  GstStructure *st = self->stats();
  gst_element_post_message(self->element_, gst_message_new_element(GST_OBJECT(self->element_), st));
  return TRUE;
}

std::optional<std::uint32_t> SrtElement::on_caller_connecting(const srt::CallerRequest &req) {
  if (!auth_enabled_) return std::nullopt;
  GSocketAddress *addr = to_socket_address(req.peer);
  gboolean accept = TRUE;
  g_signal_emit(element_, signals_[kSigCallerConnecting], 0, addr, req.stream_id.c_str(), &accept);
  if (accept) {
    g_object_unref(addr);
    return std::nullopt;
  }
  const std::uint32_t code = caller_reject_code_;
  GST_WARNING_OBJECT(element_, "rejecting caller %s, streamid '%s' with code %u",
                     req.peer.to_string().c_str(), req.stream_id.c_str(), code);
  g_signal_emit(element_, signals_[kSigCallerRejected], 0, addr, req.stream_id.c_str());
  g_object_unref(addr);
  return code;
}

void SrtElement::on_connected(const io::PeerInfo &peer) {
  GST_INFO_OBJECT(element_, "connected: %s streamid '%s'", peer.address.to_string().c_str(),
                  peer.stream_id.c_str());
  if (mode_ != SrtMode::kListener) return;
  GSocketAddress *addr = to_socket_address(peer.address);
  g_signal_emit(element_, signals_[kSigCallerAdded], 0, 0, addr);
  g_object_unref(addr);
}

void SrtElement::on_rejected(const io::PeerInfo &peer, std::uint32_t code) {
  // A listener keeps serving: a caller with the wrong passphrase must not
  // stop the stream, but the person running it needs to know.
  const std::string hint = srt::encryption_hint(code, !params_.passphrase.empty(),
                                                static_cast<srt::CryptoMode>(params_.cryptomode));
  if (hint.empty()) return;
  GST_ELEMENT_WARNING(element_, RESOURCE, NOT_AUTHORIZED,
                      ("Refused the SRT caller %s: %s.", peer.address.to_string().c_str(),
                       srt::reject_reason_text(code)),
                      ("reject code %u: %s", code, hint.c_str()));
}

void SrtElement::on_disconnected(const io::PeerInfo &peer, const std::string &detail) {
  GST_INFO_OBJECT(element_, "disconnected: %s (%s)", peer.address.to_string().c_str(),
                  detail.c_str());
  if (mode_ != SrtMode::kListener) return;
  ++disconnects_;
  GSocketAddress *addr = to_socket_address(peer.address);
  g_signal_emit(element_, signals_[kSigCallerRemoved], 0, 0, addr);
  g_object_unref(addr);
}

}  // namespace srtrtp
