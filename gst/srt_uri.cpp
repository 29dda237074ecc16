// srt:// URI parsing with srtsrc's rules: no host means listener, `mode`
// overrides, listener/rendezvous bind to the URI's host and port unless
// localaddress/localport say otherwise. Unlike srtsrc, a value that does not
// parse is an error instead of silently becoming 0.
#include "srt_uri.hpp"

#include <gst/gst.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <memory>
#include <variant>

#include "srt/filter_config.hpp"
#include "srt/hs_encryption.hpp"

namespace srtrtp {

namespace {

constexpr std::size_t kMaxStreamIdBytes = 512;
constexpr int kUdpIpHeaderBytes = 28;
constexpr int kSrtPacketOverhead = 44;  // 16 SRT + 28 IPv4/UDP
constexpr int kMinMss = 76;
constexpr int kMaxMss = 1500;

struct UriDeleter {
  void operator()(GstUri *u) const { gst_uri_unref(u); }
};
struct TableDeleter {
  void operator()(GHashTable *t) const { g_hash_table_unref(t); }
};

template <typename T>
bool parse_int(std::string_view text, T min, T max, T *out) {
  T v{};
  const char *end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || v < min || v > max) return false;
  *out = v;
  return true;
}

bool parse_bool(std::string_view text, bool *out) {
  static constexpr std::array<std::string_view, 4> kTrue{"1", "yes", "on", "true"};
  static constexpr std::array<std::string_view, 4> kFalse{"0", "no", "off", "false"};
  if (std::find(kTrue.begin(), kTrue.end(), text) != kTrue.end()) {
    *out = true;
    return true;
  }
  if (std::find(kFalse.begin(), kFalse.end(), text) != kFalse.end()) {
    *out = false;
    return true;
  }
  return false;
}

std::optional<SrtMode> parse_mode(std::string_view text) {
  // srtsrc's enum nicks, plus the synonyms srt-live-transmit accepts.
  if (text == "caller" || text == "client") return SrtMode::kCaller;
  if (text == "listener" || text == "server") return SrtMode::kListener;
  if (text == "rendezvous" || text == "rendez-vous") return SrtMode::kRendezvous;
  if (text == "none") return SrtMode::kNone;
  return std::nullopt;
}

// libsrt options that are accepted and have no effect on this implementation.
// enforcedencryption: ours always enforces (libsrt's default).
constexpr std::array<std::string_view, 10> kIgnoredKeys{
    "ipttl",    "iptos",        "drifttracer",    "lossmaxttl",  "minversion", "enforcedencryption",
    "ipv6only", "bindtodevice", "retransmitalgo", "snddropdelay"};

class QueryReader {
 public:
  QueryReader(SrtParams &p, std::string *error) : p_(p), error_(error) {}

  bool apply(std::string_view key, std::string_view value) {
    if (key == "mode") {
      auto m = parse_mode(value);
      if (!m) return fail(key, value, "caller, listener or rendezvous");
      p_.mode = *m;
      return true;
    }
    if (key == "localaddress") return set(p_.localaddress, std::string(value));
    if (key == "streamid") return set(p_.streamid, std::string(value));
    if (key == "passphrase") {
      p_.passphrase = std::string(value);
      return true;
    }
    if (key == "transtype") return set(p_.transtype, std::string(value));
    if (key == "congestion") return set(p_.congestion, std::string(value));
    if (key == "packetfilter") return set(p_.packetfilter, std::string(value));
    if (key == "localport") return integer(key, value, 0u, 65535u, p_.localport);
    if (key == "poll-timeout") return plain_int(key, value, -1, p_.poll_timeout_ms);
    if (key == "latency") return plain_int(key, value, 0, p_.latency_ms);
    if (key == "pbkeylen") {
      int v = 0;
      if (!parse_int(value, 0, 32, &v) || (v != 0 && v != 16 && v != 24 && v != 32))
        return fail(key, value, "0, 16, 24 or 32");
      p_.pbkeylen = v;
      return true;
    }
    if (key == "kmrefreshrate") return plain_int(key, value, 0, p_.kmrefreshrate);
    if (key == "kmpreannounce") return plain_int(key, value, 0, p_.kmpreannounce);
    if (key == "cryptomode") {
      int v = 0;
      if (!parse_int(value, 0, 2, &v))
        return fail(key, value, "0 (auto), 1 (AES-CTR) or 2 (AES-GCM)");
      p_.cryptomode = v;
      return true;
    }
    if (key == "rcvlatency") return integer(key, value, 0, kIntMax, p_.rcvlatency_ms);
    if (key == "peerlatency") return integer(key, value, 0, kIntMax, p_.peerlatency_ms);
    if (key == "maxbw") return integer(key, value, std::int64_t{-1}, kInt64Max, p_.maxbw);
    if (key == "inputbw") return integer(key, value, std::int64_t{0}, kInt64Max, p_.inputbw);
    if (key == "oheadbw") return integer(key, value, 5, 100, p_.oheadbw);
    if (key == "payloadsize") return integer(key, value, 1, kMaxMss, p_.payloadsize);
    if (key == "mss") return integer(key, value, kMinMss, kMaxMss, p_.mss);
    if (key == "fc") return integer(key, value, 32, kIntMax, p_.fc);
    if (key == "sndbuf") return integer(key, value, 1, kIntMax, p_.sndbuf);
    if (key == "rcvbuf") return integer(key, value, 1, kIntMax, p_.rcvbuf);
    if (key == "conntimeo") return integer(key, value, 0, kIntMax, p_.conntimeo_ms);
    if (key == "peeridletimeo") return integer(key, value, 0, kIntMax, p_.peeridletimeo_ms);
    if (key == "weight") return integer(key, value, 0, 32767, p_.weight);
    if (key == "groupconnect") return boolean(key, value, p_.groupconnect);
    if (key == "tlpktdrop") return boolean(key, value, p_.tlpktdrop);
    if (key == "nakreport") return boolean(key, value, p_.nakreport);
    if (key == "tsbpdmode") return boolean(key, value, p_.tsbpdmode);
    if (key == "messageapi") return boolean(key, value, p_.messageapi);
    if (std::find(kIgnoredKeys.begin(), kIgnoredKeys.end(), key) != kIgnoredKeys.end()) {
      p_.ignored_keys.emplace_back(key);
      return true;
    }
    p_.unknown_keys.emplace_back(key);
    return true;
  }

 private:
  static constexpr int kIntMax = std::numeric_limits<int>::max();
  static constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

  template <typename T>
  static bool set(std::optional<T> &field, T value) {
    field = std::move(value);
    return true;
  }
  template <typename T>
  bool integer(std::string_view key, std::string_view value, T min, T max,
               std::optional<T> &field) {
    T v{};
    if (!parse_int(value, min, max, &v)) return range_fail(key, value, min, max);
    field = v;
    return true;
  }
  bool plain_int(std::string_view key, std::string_view value, int min, int &field) {
    if (!parse_int(value, min, kIntMax, &field)) return range_fail(key, value, min, kIntMax);
    return true;
  }
  bool boolean(std::string_view key, std::string_view value, std::optional<bool> &field) {
    bool b = false;
    if (!parse_bool(value, &b)) return fail(key, value, "1/0, yes/no, on/off or true/false");
    field = b;
    return true;
  }
  template <typename T>
  bool range_fail(std::string_view key, std::string_view value, T min, T max) {
    return fail(key, value,
                "an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  bool fail(std::string_view key, std::string_view value, const std::string &expected) {
    if (error_) {
      *error_ = "URI parameter '" + std::string(key) + "=" + std::string(value) +
                "' is invalid: expected " + expected;
    }
    return false;
  }

  SrtParams &p_;
  std::string *error_;
};

void set_error(std::string *error, std::string text) {
  if (error) *error = std::move(text);
}

}  // namespace

const char *mode_name(SrtMode mode) {
  switch (mode) {
    case SrtMode::kNone:
      return "none";
    case SrtMode::kCaller:
      return "caller";
    case SrtMode::kListener:
      return "listener";
    case SrtMode::kRendezvous:
      return "rendezvous";
  }
  return "none";
}

std::optional<SrtParams> parse_srt_uri(std::string_view uri_text, std::string *error) {
  const std::string text(uri_text);
  gchar *scheme = gst_uri_get_protocol(text.c_str());
  const bool is_srt = scheme && g_ascii_strcasecmp(scheme, "srt") == 0;
  g_free(scheme);
  if (!is_srt) {
    set_error(error, "'" + text + "' is not an srt:// URI (expected srt://host:port?key=value)");
    return std::nullopt;
  }
  std::unique_ptr<GstUri, UriDeleter> uri(gst_uri_from_string(text.c_str()));
  if (!uri) {
    set_error(error, "'" + text + "' is not a valid URI");
    return std::nullopt;
  }

  SrtParams p;
  gchar *normal = gst_uri_to_string(uri.get());
  p.uri = normal ? normal : text;
  g_free(normal);
  if (const gchar *host = gst_uri_get_host(uri.get())) p.host = host;
  const guint port = gst_uri_get_port(uri.get());
  if (port != GST_URI_NO_PORT) {
    if (port > 65535) {
      set_error(error, "port " + std::to_string(port) + " in '" + text + "' is above 65535");
      return std::nullopt;
    }
    p.port = static_cast<std::uint16_t>(port);
  }
  // srtsrc: a host means caller, none means listener; `mode` overrides.
  p.mode = p.host.empty() ? SrtMode::kListener : SrtMode::kCaller;

  std::unique_ptr<GHashTable, TableDeleter> table(gst_uri_get_query_table(uri.get()));
  if (table) {
    QueryReader reader(p, error);
    // Sorted keys: a URI with two bad values always reports the same one.
    GList *keys = g_hash_table_get_keys(table.get());
    keys = g_list_sort(keys, reinterpret_cast<GCompareFunc>(g_strcmp0));
    bool ok = true;
    for (GList *k = keys; k && ok; k = k->next) {
      const auto *key = static_cast<const gchar *>(k->data);
      const auto *value = static_cast<const gchar *>(g_hash_table_lookup(table.get(), key));
      ok = reader.apply(key, value ? value : "");
    }
    g_list_free(keys);
    if (!ok) return std::nullopt;
  }
  return p;
}

std::size_t payload_size_of(const SrtParams &params) {
  return params.payloadsize ? static_cast<std::size_t>(*params.payloadsize)
                            : srtcore::srt::ConnectionConfig{}.payload_size;
}

std::optional<srtcore::io::EndpointConfig> to_endpoint_config(const SrtParams &p,
                                                              std::string *error) {
  using srtcore::io::Mode;
  using std::chrono::milliseconds;

  if ((p.transtype && *p.transtype != "live") || (p.congestion && *p.congestion != "live") ||
      (p.messageapi && !*p.messageapi) || (p.tsbpdmode && !*p.tsbpdmode)) {
    set_error(error,
              "only SRT live mode is supported: transtype/congestion must be 'live', "
              "messageapi and tsbpdmode on");
    return std::nullopt;
  }
  if (p.packetfilter && !p.packetfilter->empty()) {
    const auto checked = srtcore::srt::check_filter_string(*p.packetfilter, false);
    if (const auto *why = std::get_if<std::string>(&checked)) {
      set_error(error, "packetfilter=" + *p.packetfilter + ": " + *why);
      return std::nullopt;
    }
    if (p.cryptomode == 2) {
      set_error(error, "packetfilter does not work with cryptomode=2 (AES-GCM)");
      return std::nullopt;
    }
  }

  srtcore::io::EndpointConfig c;
  srtcore::srt::ConnectionConfig &cc = c.connection;
  cc.recv_latency = milliseconds(p.rcvlatency_ms.value_or(p.latency_ms));
  cc.peer_latency = milliseconds(p.peerlatency_ms.value_or(p.latency_ms));
  if (p.mss) cc.mss = static_cast<std::uint32_t>(*p.mss);
  const int max_payload = static_cast<int>(cc.mss) - kSrtPacketOverhead;
  if (p.payloadsize) {
    if (*p.payloadsize > max_payload) {
      set_error(error, "payloadsize " + std::to_string(*p.payloadsize) + " does not fit the MSS " +
                           std::to_string(cc.mss) + " (at most " + std::to_string(max_payload) +
                           ")");
      return std::nullopt;
    }
    cc.payload_size = static_cast<std::size_t>(*p.payloadsize);
  } else {
    cc.payload_size = std::min<std::size_t>(cc.payload_size, static_cast<std::size_t>(max_payload));
  }
  cc.packet_filter = p.packetfilter.value_or("");
  cc.passphrase = p.passphrase;
  cc.pbkeylen = static_cast<std::size_t>(p.pbkeylen);
  cc.km_refresh_rate = static_cast<std::uint64_t>(p.kmrefreshrate);
  cc.km_preannounce = static_cast<std::uint64_t>(p.kmpreannounce);
  cc.crypto_mode = static_cast<srtcore::srt::CryptoMode>(p.cryptomode);
  if (const auto why = srtcore::srt::check_encryption_config(cc)) {
    set_error(error, *why);
    return std::nullopt;
  }
  if (p.fc) cc.flow_window = static_cast<std::uint32_t>(*p.fc);
  if (p.maxbw) cc.maxbw = *p.maxbw;
  if (p.inputbw) cc.inputbw = *p.inputbw;
  if (p.oheadbw) cc.oheadbw = *p.oheadbw;
  if (p.tlpktdrop) cc.tlpktdrop = *p.tlpktdrop;
  if (p.nakreport) cc.nakreport = *p.nakreport;
  if (p.conntimeo_ms) cc.connect_timeout = milliseconds(*p.conntimeo_ms);
  if (p.peeridletimeo_ms) cc.peer_idle_timeout = milliseconds(*p.peeridletimeo_ms);
  // libsrt sizes buffers in bytes; the engines count packets of one MSS.
  const auto packets = [&](int bytes) {
    return std::max<std::size_t>(
        32, static_cast<std::size_t>(bytes) / static_cast<std::size_t>(cc.mss - kUdpIpHeaderBytes));
  };
  if (p.sndbuf) cc.send_buffer_packets = packets(*p.sndbuf);
  if (p.rcvbuf) cc.recv_buffer_packets = packets(*p.rcvbuf);

  const std::string local_address = p.localaddress.value_or("");
  SrtMode mode = p.mode == SrtMode::kNone ? SrtMode::kCaller : p.mode;
  // srtsrc: without a host there is nobody to call, so it listens.
  if (p.host.empty() && mode != SrtMode::kListener) mode = SrtMode::kListener;
  const std::uint16_t uri_port = p.port.value_or(kSrtDefaultPort);

  switch (mode) {
    case SrtMode::kListener:
      c.mode = Mode::kListener;
      c.host = p.localaddress ? local_address : p.host;
      c.port = p.localport ? static_cast<std::uint16_t>(*p.localport) : uri_port;
      break;
    case SrtMode::kRendezvous:
      // Both sides bind the port they call unless told otherwise.
      c.mode = Mode::kRendezvous;
      c.host = p.host;
      c.port = uri_port;
      c.local_address = local_address;
      c.local_port = p.localport ? static_cast<std::uint16_t>(*p.localport) : uri_port;
      break;
    default:
      c.mode = Mode::kCaller;
      c.host = p.host;
      c.port = uri_port;
      c.local_address = local_address;
      c.local_port = p.localport ? static_cast<std::uint16_t>(*p.localport) : 0;
      break;
  }
  if (c.mode != Mode::kListener && p.streamid) {
    if (p.streamid->size() > kMaxStreamIdBytes) {
      set_error(error, "streamid is " + std::to_string(p.streamid->size()) +
                           " bytes long; SRT allows at most 512");
      return std::nullopt;
    }
    cc.stream_id = *p.streamid;
  }
  return c;
}

std::optional<LinkList> parse_links(std::string_view text, std::string *error) {
  LinkList out;
  bool first = true;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    std::string_view item = text.substr(pos, comma - pos);
    pos = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    std::string why;
    auto p = parse_srt_uri(item, &why);
    if (!p) {
      set_error(error, "links: " + why);
      return std::nullopt;
    }
    const SrtMode mode = p->mode == SrtMode::kNone ? SrtMode::kCaller : p->mode;
    if (mode == SrtMode::kRendezvous) {
      set_error(error, "links: '" + std::string(item) +
                           "' asks for rendezvous; bonded links are callers or listeners");
      return std::nullopt;
    }
    if (!first && mode != out.mode) {
      set_error(error, "links: every link must be a caller or every link a listener; '" +
                           std::string(item) + "' differs from the first");
      return std::nullopt;
    }
    out.mode = mode;
    first = false;
    srtcore::io::LinkConfig l;
    l.name = std::string(item);
    l.weight = static_cast<std::uint16_t>(p->weight.value_or(0));
    if (mode == SrtMode::kListener) {
      l.host = p->localaddress.value_or(p->host);
      l.port = static_cast<std::uint16_t>(p->localport.value_or(p->port.value_or(0)));
      if (l.port == 0) {
        set_error(error, "links: listener link '" + std::string(item) + "' has no port");
        return std::nullopt;
      }
    } else {
      if (p->host.empty() || !p->port) {
        set_error(error,
                  "links: '" + std::string(item) + "' needs a host and a port (srt://HOST:PORT)");
        return std::nullopt;
      }
      l.host = p->host;
      l.port = *p->port;
      l.local_address = p->localaddress.value_or("");
      l.local_port = static_cast<std::uint16_t>(p->localport.value_or(0));
    }
    out.links.push_back(std::move(l));
  }
  return out;
}

bool apply_bonding(const SrtParams &params, BondMode mode, const LinkList &links,
                   srtcore::io::EndpointConfig &config, std::string *error) {
  using srtcore::io::Mode;
  const bool bonded = mode != BondMode::kNone || !links.links.empty();
  if (config.mode == Mode::kRendezvous) {
    if (!bonded) return true;
    set_error(error,
              "rendezvous connections cannot be bonded (as in libsrt): use mode=caller "
              "with links, and a listener on the other side");
    return false;
  }
  if (config.mode == Mode::kListener) {
    if (!links.links.empty() && links.mode != SrtMode::kListener) {
      set_error(error,
                "links are callers but the element listens (mode=listener): give "
                "listener links (srt://:PORT?mode=listener) or make the element a caller");
      return false;
    }
    if (!params.groupconnect.value_or(true) && links.links.empty()) return true;
    srtcore::io::BondConfig b;
    b.links = links.links;
    config.bond = std::move(b);
    return true;
  }
  if (!bonded) return true;
  if (mode == BondMode::kNone) {
    set_error(error,
              "links are given but bond-mode is none: set bond-mode=broadcast, backup or "
              "balancing");
    return false;
  }
  if (!links.links.empty() && links.mode != SrtMode::kCaller) {
    set_error(error,
              "links are listeners but the element calls: set mode=listener (uri "
              "srt://:PORT?mode=listener) to listen on several ports");
    return false;
  }
  if (mode != BondMode::kBroadcast && !config.connection.packet_filter.empty()) {
    set_error(error,
              "packetfilter works on broadcast groups only (a backup or balancing link carries "
              "part of the stream, so its FEC rows never complete): set bond-mode=broadcast or "
              "drop packetfilter");
    return false;
  }
  srtcore::io::BondConfig b;
  b.mode = mode == BondMode::kBackup      ? srtcore::bond::GroupMode::kBackup
           : mode == BondMode::kBalancing ? srtcore::bond::GroupMode::kBalancing
                                          : srtcore::bond::GroupMode::kBroadcast;
  b.links = links.links;
  if (b.links.empty()) {
    // bond-mode without links: the uri is the group's only path (more come
    // with add-link).
    srtcore::io::LinkConfig l;
    l.name = params.uri;
    l.host = config.host;
    l.port = config.port;
    l.local_address = config.local_address;
    l.local_port = config.local_port;
    l.weight = static_cast<std::uint16_t>(params.weight.value_or(0));
    b.links.push_back(std::move(l));
  }
  config.bond = std::move(b);
  return true;
}

}  // namespace srtrtp
