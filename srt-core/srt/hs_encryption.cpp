#include "srt/hs_encryption.hpp"

#include <algorithm>
#include <cstring>

#include "srt/control.hpp"
#include "srt/handshake.hpp"

namespace srtcore::srt {

std::optional<std::string> check_encryption_config(const ConnectionConfig &config) {
  const std::size_t n = config.passphrase.size();
  if (n != 0 && (n < kMinPassphrase || n > kMaxPassphrase)) {
    return "the passphrase is " + std::to_string(n) +
           " characters long; SRT takes 10 to 79 (or none for no encryption)";
  }
  if (config.pbkeylen != 0 && !valid_key_length(config.pbkeylen)) {
    return "pbkeylen " + std::to_string(config.pbkeylen) +
           " is not a key length: use 0 (default), " + "16, 24 or 32";
  }
  if (static_cast<unsigned>(config.crypto_mode) > 2) {
    return "cryptomode " + std::to_string(static_cast<unsigned>(config.crypto_mode)) +
           " is not a crypto mode: use 0 (auto), 1 (AES-CTR) or 2 (AES-GCM)";
  }
  // libsrt shortens SRTO_PAYLOADSIZE by the tag in GCM mode (HAICRYPT_AUTHTAG_MAX).
  if (config.crypto_mode == CryptoMode::kAesGcm && !config.passphrase.empty() &&
      config.payload_size > kMaxGcmPayloadSize) {
    return "payload size " + std::to_string(config.payload_size) +
           " leaves no room for the 16-byte AES-GCM tag: use at most " +
           std::to_string(kMaxGcmPayloadSize) + ", or cryptomode=1";
  }
  const std::uint64_t rate = effective_refresh_rate(config);
  if (effective_preannounce(config) > (rate - 1) / 2) {
    return "km-preannounce " + std::to_string(config.km_preannounce) +
           " is more than half of km-refreshrate " + std::to_string(rate) +
           ": use at most (km-refreshrate - 1) / 2";
  }
  return std::nullopt;
}

std::uint64_t effective_refresh_rate(const ConnectionConfig &config) {
  return config.km_refresh_rate != 0 ? config.km_refresh_rate : std::uint64_t{1} << 24;
}

std::uint64_t effective_preannounce(const ConnectionConfig &config) {
  if (config.km_preannounce != 0) return config.km_preannounce;
  return std::min<std::uint64_t>(std::uint64_t{1} << 12, (effective_refresh_rate(config) - 1) / 2);
}

std::size_t initiator_key_length(const ConnectionConfig &config, std::uint16_t advertised) {
  if (config.pbkeylen != 0) return config.pbkeylen;
  if (advertised >= kEncryptionAes128 && advertised <= kEncryptionAes256) {
    return std::size_t{advertised} * 8;
  }
  return 16;
}

KmDecision respond_to_kmreq(const ConnectionConfig &config, std::optional<ByteSpan> kmreq) {
  KmDecision d;
  const bool secret = !config.passphrase.empty();
  if (!secret && !kmreq) return d;
  if (!secret || !kmreq) {
    d.reject = RejectReason::kUnsecure;  // one side only
    return d;
  }
  // Crypto modes first (no PBKDF2 for a KMREQ we would refuse anyway):
  // libsrt's responder takes either in auto mode, else only its own.
  if (const auto km = parse_key_material(*kmreq)) {
    const bool gcm = km->cipher == kKmCipherAesGcm;
    if ((config.crypto_mode == CryptoMode::kAesCtr && gcm) ||
        (config.crypto_mode == CryptoMode::kAesGcm && !gcm)) {
      d.reject = RejectReason::kCrypto;
      return d;
    }
  }
  // The responder adopts the initiator's key length (libsrt does too).
  auto a = StreamCrypto::accept(config.passphrase, *kmreq);
  if (!a.crypto) {
    d.reject = a.state == KmState::kBadSecret ? RejectReason::kBadSecret : RejectReason::kUnsecure;
    return d;
  }
  d.crypto = std::move(a.crypto);
  return d;
}

std::optional<RejectReason> check_kmrsp(const StreamCrypto *ours, std::optional<ByteSpan> kmrsp) {
  if (!ours) return std::nullopt;  // a KMRSP we did not ask for changes nothing
  if (!kmrsp) return RejectReason::kUnsecure;
  if (const auto err = km_error_state(*kmrsp)) {
    if (*err == KmState::kBadCryptoMode) return RejectReason::kCrypto;
    return *err == KmState::kBadSecret ? RejectReason::kBadSecret : RejectReason::kUnsecure;
  }
  const ByteSpan sent = ours->km_message();
  if (kmrsp->size() != sent.size() || !std::equal(sent.begin(), sent.end(), kmrsp->begin())) {
    return RejectReason::kBadSecret;  // the peer holds other keys than the ones we sent
  }
  return std::nullopt;
}

std::string encryption_hint(std::uint32_t reject_code, bool we_encrypt, CryptoMode mode) {
  if (reject_code == static_cast<std::uint32_t>(RejectReason::kCrypto)) {
    if (mode == CryptoMode::kAesGcm) {
      // An initiator in auto mode uses AES-CTR: only a listener may say 0.
      return "this side asks for AES-GCM (cryptomode=2) and the peer uses AES-CTR: set "
             "cryptomode=1 or 0 here, or cryptomode=2 on the peer (0 also works on a "
             "listener)";
    }
    return "the peer asks for AES-GCM and this side for AES-CTR: set cryptomode=2 here (0 "
           "also works on a listener), or cryptomode=1 or 0 on the peer";
  }
  if (mode == CryptoMode::kAesGcm && we_encrypt) {
    // libsrt before 1.5.2 (Debian 12's 1.5.1) cannot read a GCM KMREQ.
    if (reject_code == static_cast<std::uint32_t>(RejectReason::kUnsecure) ||
        reject_code == static_cast<std::uint32_t>(RejectReason::kBadSecret)) {
      // libsrt 1.5.1 answers a GCM KMREQ with UNSECURE (NOSECRET), as it
      // answers a missing passphrase: name both causes.
      return "this side asks for AES-GCM (cryptomode=2), which the peer lacks if it is "
             "libsrt before 1.5.2 (only AES-CTR): set cryptomode=1 or 0 here; otherwise set "
             "the same passphrase on both sides";
    }
  }
  if (reject_code == static_cast<std::uint32_t>(RejectReason::kBadSecret)) {
    return "the passphrases differ: set the same passphrase on both sides";
  }
  if (reject_code == static_cast<std::uint32_t>(RejectReason::kUnsecure)) {
    return we_encrypt ? "only this side has a passphrase: set the same passphrase on the peer, "
                        "or remove it here"
                      : "the peer requires encryption: set its passphrase here (passphrase=...)";
  }
  return {};
}

}  // namespace srtcore::srt
