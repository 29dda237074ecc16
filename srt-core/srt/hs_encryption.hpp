// Encryption in the HSv5 handshake, as libsrt with enforced encryption (its
// default): the initiator (caller, rendezvous initiator) sends its KM
// message as KMREQ; the responder (listener, rendezvous responder) unwraps
// it with its own passphrase and echoes it as KMRSP. A passphrase on one
// side only is refused with SRT_REJ_UNSECURE, another passphrase with
// SRT_REJ_BADSECRET; no connection ever carries clear text where one side
// asked for encryption.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "srt/bytes.hpp"
#include "srt/connection.hpp"
#include "srt/reject.hpp"
#include "srt/stream_crypto.hpp"

namespace srtcore::srt {

// Why `passphrase`/`pbkeylen` cannot be used (nullopt: they can).
std::optional<std::string> check_encryption_config(const ConnectionConfig &config);

// km_refresh_rate / km_preannounce with libsrt's defaults for 0.
std::uint64_t effective_refresh_rate(const ConnectionConfig &config);
std::uint64_t effective_preannounce(const ConnectionConfig &config);

// The key length an initiator uses: its pbkeylen, else what the listener
// advertised in its induction answer (encryption field), else 16 (libsrt).
std::size_t initiator_key_length(const ConnectionConfig &config, std::uint16_t advertised);

struct KmDecision {
  std::shared_ptr<StreamCrypto> crypto;  // null: the connection runs in clear text
  std::optional<RejectReason> reject;
};
// Responder: our passphrase against the initiator's KMREQ (if it sent one).
KmDecision respond_to_kmreq(const ConnectionConfig &config, std::optional<ByteSpan> kmreq);

// Initiator: the responder's KMRSP (if any) against what we sent. `ours` is
// null when we have no passphrase.
std::optional<RejectReason> check_kmrsp(const StreamCrypto *ours, std::optional<ByteSpan> kmrsp);

// What to tell a person about an encryption refusal, from our side's view
// (`we_encrypt`: we have a passphrase). Empty for other reasons.
// `mode`: our crypto mode, for SRT_REJ_CRYPTO and a GCM request a peer
// without GCM could not read.
std::string encryption_hint(std::uint32_t reject_code, bool we_encrypt,
                            CryptoMode mode = CryptoMode::kAuto);

// SRT's largest payload less the GCM tag (1456 - 16).
inline constexpr std::size_t kMaxGcmPayloadSize = kMaxPayloadSize - kGcmTagSize;

// The cipher an initiator asks for: GCM only when asked explicitly (libsrt:
// auto on a caller or rendezvous peer means AES-CTR, PR #2574).
constexpr bool initiator_uses_gcm(const ConnectionConfig &config) {
  return config.crypto_mode == CryptoMode::kAesGcm;
}

}  // namespace srtcore::srt
