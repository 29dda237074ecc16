// Connection rejection reasons, numbered as libsrt's SRT_REJECT_REASON, and
// their mapping to the handshake type field (1000 + reason).
#pragma once

#include <cstdint>
#include <optional>

namespace srtcore::srt {

enum class RejectReason : std::uint32_t {
  kUnknown = 0,      // SRT_REJ_UNKNOWN
  kSystem = 1,       // SRT_REJ_SYSTEM
  kPeer = 2,         // SRT_REJ_PEER
  kResource = 3,     // SRT_REJ_RESOURCE
  kRogue = 4,        // SRT_REJ_ROGUE
  kBacklog = 5,      // SRT_REJ_BACKLOG
  kIpe = 6,          // SRT_REJ_IPE
  kClose = 7,        // SRT_REJ_CLOSE
  kVersion = 8,      // SRT_REJ_VERSION
  kRdvCookie = 9,    // SRT_REJ_RDVCOOKIE
  kBadSecret = 10,   // SRT_REJ_BADSECRET
  kUnsecure = 11,    // SRT_REJ_UNSECURE
  kMessageApi = 12,  // SRT_REJ_MESSAGEAPI
  kCongestion = 13,  // SRT_REJ_CONGESTION
  kFilter = 14,      // SRT_REJ_FILTER
  kGroup = 15,       // SRT_REJ_GROUP
  kTimeout = 16,     // SRT_REJ_TIMEOUT
  kCrypto = 17,      // SRT_REJ_CRYPTO (libsrt >= 1.5.2: crypto modes collide)
};
inline constexpr std::uint32_t kRejectReasonCount = 18;

// Codes from 1000 are the application's: 1000-1999 the predefined
// access-control set (SRT_REJX_*, HTTP-like: 1403 forbidden...), 2000 and up
// user-defined.
inline constexpr std::uint32_t kRejectPredefinedBase = 1000;
inline constexpr std::uint32_t kRejectUserBase = 2000;

// The handshake type field of a rejection is 1000 + reason code.
inline constexpr std::uint32_t kHandshakeRejectBase = 1000;

constexpr std::uint32_t rejection_handshake_type(std::uint32_t reason_code) {
  return kHandshakeRejectBase + reason_code;
}
constexpr std::uint32_t rejection_handshake_type(RejectReason r) {
  return rejection_handshake_type(static_cast<std::uint32_t>(r));
}

// The reason code carried by a handshake type, if it is a rejection. The
// comparison is signed because conclusion/agreement are -1/-2 on the wire.
constexpr std::optional<std::uint32_t> rejection_reason_code(std::uint32_t handshake_type) {
  if (static_cast<std::int32_t>(handshake_type) < static_cast<std::int32_t>(kHandshakeRejectBase))
    return std::nullopt;
  return handshake_type - kHandshakeRejectBase;
}

// A sentence a person can act on, for any code (internal, predefined,
// user-defined or unknown). Never null.
const char *reject_reason_text(std::uint32_t reason_code);
inline const char *reject_reason_text(RejectReason r) {
  return reject_reason_text(static_cast<std::uint32_t>(r));
}

}  // namespace srtcore::srt
