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

  // Socket options (libsrt SRTO_* names as URI keys).
  std::optional<std::int64_t> maxbw, inputbw;
  std::optional<int> oheadbw, payloadsize, mss, fc, sndbuf, rcvbuf, conntimeo_ms, peeridletimeo_ms;
  std::optional<bool> tlpktdrop, nakreport, tsbpdmode, messageapi;
  std::optional<std::string> transtype, congestion, packetfilter;

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

}  // namespace srtrtp
