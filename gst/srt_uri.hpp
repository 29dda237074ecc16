// srt:// URIs as gst-plugins-bad's srtsrc/srtsink read them, and their
// mapping to an io::EndpointConfig. The parameters are one plain struct: the
// `uri` property fills it from the query keys, and the element properties
// (mode, latency, streamid, ...) overwrite single fields, as srtsrc does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/endpoint.hpp"

namespace srtrtp {

// Values of srtsrc's GstSRTConnectionMode enum.
enum class SrtMode : int { kNone = 0, kCaller = 1, kListener = 2, kRendezvous = 3 };

inline constexpr const char *kSrtDefaultUri = "srt://127.0.0.1:7001";
inline constexpr std::uint16_t kSrtDefaultPort = 7001;
inline constexpr int kSrtDefaultLatencyMs = 125;  // srtsrc/srtsink, not libsrt's 120
inline constexpr int kSrtDefaultPollTimeoutMs = -1;

struct SrtParams {
  std::string uri = kSrtDefaultUri;  // as given (normalised), for the `uri` property
  std::string host;                  // "" when the URI has none (listener on any)
  std::optional<std::uint16_t> port;
  SrtMode mode = SrtMode::kCaller;

  std::optional<std::string> localaddress;
  std::optional<std::uint32_t> localport;
  int poll_timeout_ms = kSrtDefaultPollTimeoutMs;
  int latency_ms = kSrtDefaultLatencyMs;  // SRTO_LATENCY: both directions
  std::optional<int> rcvlatency_ms;       // override latency for what we receive
  std::optional<int> peerlatency_ms;      // override latency the peer applies
  std::optional<std::string> streamid;
  std::string passphrase;
  int pbkeylen = 0;
  // Key refresh in packets (libsrt's kmrefreshrate/kmpreannounce; 0: default).
  int kmrefreshrate = 0;
  int kmpreannounce = 0;
  // libsrt's cryptomode: 0 auto, 1 AES-CTR, 2 AES-GCM.
  int cryptomode = 0;

  // Socket options (libsrt SRTO_* names as URI keys).
  std::optional<std::int64_t> maxbw, inputbw;
  std::optional<int> oheadbw, payloadsize, mss, fc, sndbuf, rcvbuf, conntimeo_ms, peeridletimeo_ms;
  std::optional<bool> tlpktdrop, nakreport, tsbpdmode, messageapi;
  std::optional<std::string> transtype, congestion, packetfilter;
  // Bonding: a link's weight (backup preference, libsrt's `weight=` of
  // srt-test-live), and whether a listener takes group members
  // (SRTO_GROUPCONNECT; ours default to yes).
  std::optional<int> weight;
  std::optional<bool> groupconnect;

  // Keys libsrt knows that change nothing here (ipttl, drifttracer, ...).
  std::vector<std::string> ignored_keys;
  // Keys neither libsrt nor srtsrc know (srtsrc ignores them too).
  std::vector<std::string> unknown_keys;
};

// Parses `uri` into fresh parameters (defaults for what it does not say).
// On failure returns nullopt with a sentence in *error naming the bad part.
std::optional<SrtParams> parse_srt_uri(std::string_view uri, std::string *error);

// The endpoint configuration the parameters describe for an element of this
// direction. nullopt with *error when a value cannot work (payload larger
// than the MSS allows, file transfer type, encryption requested, ...).
std::optional<srtcore::io::EndpointConfig> to_endpoint_config(const SrtParams &params,
                                                              std::string *error);

// The payload size messages are cut to (payloadsize or libsrt's 1316).
std::size_t payload_size_of(const SrtParams &params);

const char *mode_name(SrtMode mode);

// Values of the `bond-mode` property (GstSrtBondMode).
enum class BondMode : int { kNone = 0, kBroadcast = 1, kBackup = 2, kBalancing = 3 };

// The `links` property: comma-separated srt:// URIs, one per path, each with
// its own query keys (weight, localaddress, localport, mode). All of one
// role: callers (each a peer to reach) or listeners (each an address to
// listen on). Returns the links and their role, or nullopt with *error.
struct LinkList {
  SrtMode mode = SrtMode::kCaller;
  std::vector<srtcore::io::LinkConfig> links;
};
std::optional<LinkList> parse_links(std::string_view text, std::string *error);

// Adds bonding to an endpoint configuration made by to_endpoint_config:
// a caller bonds over `links` (or over its uri alone), a listener accepts
// group members unless groupconnect=0 and also listens on `links`.
bool apply_bonding(const SrtParams &params, BondMode mode, const LinkList &links,
                   srtcore::io::EndpointConfig &config, std::string *error);

}  // namespace srtrtp
