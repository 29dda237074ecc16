// The keys of one encrypted SRT connection and the per-packet work.
//
// As in libsrt (HSv5), the initiator's KMREQ keys both directions: the
// responder takes the initiator's salt, key length and stream key for what
// it sends too. After that each side may refresh the key it sends with and
// announce it in a KMREQ control packet; so the two directions hold
// separate key sets that start equal.
//
// Key refresh (ours, as haicrypt): after `refresh_rate - pre_announce` new
// packets under one key, a new key (same salt and KEK) goes into the other
// slot and a KM message with both keys is announced; after `refresh_rate`
// packets we switch to it; `pre_announce` packets later the old key is
// retired and the KM message carries the new key alone.
//
// Each direction has an even and an odd key slot (the KK bits of a data
// packet say which one encrypted it). The OpenSSL contexts are keyed when a
// key arrives, never per packet; encrypt/decrypt allocate nothing.
//
// AES-GCM (libsrt >= 1.5.2, SRTO_CRYPTOMODE 2): the KM message says cipher
// 4 / auth 1; each packet's payload is encrypted and a 16-byte tag appended
// (HAICRYPT_AUTHTAG_MAX); the tag also authenticates the 16-byte data
// header as sent (AAD) with the R (retransmitted) bit cleared, as libsrt's
// receiver clears it (PR #2483), so a retransmission verifies too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "srt/bytes.hpp"
#include "srt/control.hpp"
#include "srt/crypto_primitives.hpp"
#include "srt/km_message.hpp"
#include "srt/packet.hpp"
#include "srt/random.hpp"

namespace srtcore::srt {

// One direction's keys: salt, KEK (from the passphrase and the salt), and
// the even and odd stream keys with their keyed ciphers.
class KeySet {
 public:
  bool has(KeyFlags kk) const;
  bool gcm() const { return gcm_; }
  void set_gcm(bool gcm) { gcm_ = gcm; }
  std::size_t key_length() const { return key_len_; }
  ByteSpan salt() const { return ByteSpan(salt_.data(), salt_.size()); }
  // Keys from a KM message, unwrapped with the passphrase; the KEK is
  // derived again only when the salt or the key length changed, and only
  // with `new_salt` (a refresh keeps both, so a peer's post-handshake KM
  // with another salt is refused without running PBKDF2 for it).
  // kSecured, kBadSecret (unwrap failed: another passphrase) or kNoSecret
  // (malformed or unsupported message, or a new salt not allowed).
  KmState load(std::string_view passphrase, ByteSpan km, bool new_salt = true);
  // New random salt (first key only) and key in slot `kk`.
  bool generate(std::string_view passphrase, std::size_t key_len, KeyFlags kk, Random &random);
  void drop(KeyFlags kk);
  // The KM message announcing the keys in `flags` (even, odd or both).
  std::size_t write_km(std::uint8_t flags, MutableByteSpan out) const;
  bool apply(KeyFlags kk, std::uint32_t seq, ByteSpan in, std::uint8_t *out);
  // GCM: `aad` is the data header; the tag goes to / comes from `tag`.
  bool seal(KeyFlags kk, std::uint32_t seq, ByteSpan aad, MutableByteSpan payload,
            std::uint8_t *tag);
  bool open(KeyFlags kk, std::uint32_t seq, ByteSpan aad, ByteSpan in, const std::uint8_t *tag,
            std::uint8_t *out);

 private:
  struct Slot {
    CtrCipher cipher;
    GcmCipher gcm;  // keyed instead of `cipher` in GCM mode
    std::array<std::uint8_t, kMaxKeySize> key{};
    bool valid = false;
  };
  Slot &slot(KeyFlags kk) { return slots_[kk == KeyFlags::kOdd ? 1 : 0]; }
  bool set_kek(std::string_view passphrase);
  bool key_slot(Slot &s);  // keys the cipher of our mode

  std::array<std::uint8_t, kSaltSize> salt_{};
  std::array<std::uint8_t, kMaxKeySize> kek_{};
  std::size_t key_len_ = 0;
  bool kek_valid_ = false;
  bool gcm_ = false;
  Slot slots_[2];
};

class StreamCrypto {
 public:
  // Initiator: a fresh salt and even key of `key_len` bytes (16, 24, 32),
  // for AES-GCM when `gcm`, else AES-CTR.
  static std::unique_ptr<StreamCrypto> create(std::string_view passphrase, std::size_t key_len,
                                              Random &random, bool gcm = false);
  // Responder: both directions keyed from the initiator's KMREQ. On
  // failure `crypto` is null and `state` says why (kBadSecret, kNoSecret).
  struct Accepted {
    std::unique_ptr<StreamCrypto> crypto;
    KmState state = KmState::kUnsecured;
  };
  static Accepted accept(std::string_view passphrase, ByteSpan kmreq);

  std::size_t key_length() const { return send_.key_length(); }
  bool gcm() const { return send_.gcm(); }
  // Bytes each encrypted payload grows by (the GCM tag; 0 for CTR).
  std::size_t overhead() const { return gcm() ? kGcmTagSize : 0; }
  // The KM message that announces what we send with (the handshake KMREQ,
  // and what a KMRSP echoes).
  ByteSpan km_message() const { return ByteSpan(km_.data(), km_size_); }
  KeyFlags send_key() const { return send_key_; }

  // Packets per key and how many before the switch the next key is
  // announced (libsrt's SRTO_KMREFRESHRATE / SRTO_KMPREANNOUNCE); 0: never.
  void set_refresh(std::uint64_t refresh_rate, std::uint64_t pre_announce);
  // One new (not retransmitted) packet is about to be encrypted. True when
  // km_message() changed and must be announced to the peer (KMREQ).
  bool on_new_packet(Random &random);
  std::uint64_t key_switches() const { return switches_; }

  // Encrypts `payload` in place with the current send key; the key flags
  // for the data header, kClear on failure.
  KeyFlags encrypt(std::uint32_t seq, MutableByteSpan payload);
  // Decrypts into `out` (in.size() bytes); false when that key is unknown.
  bool decrypt(std::uint32_t seq, KeyFlags kk, ByteSpan in, std::uint8_t *out);

  // Either mode, one data packet: encrypts `payload` in place and, for GCM,
  // writes overhead() tag bytes at `tag` (right after the payload on the
  // wire). `h` is the header to be sent; its key flags are ours.
  KeyFlags encrypt_packet(DataHeader h, MutableByteSpan payload, std::uint8_t *tag);
  // The plain payload's size at `out`, or nullopt: unknown key, too short,
  // or (GCM) the tag does not authenticate payload and header.
  std::optional<std::size_t> decrypt_packet(const DataHeader &h, ByteSpan in, std::uint8_t *out);
  // A KM message from the peer after the handshake (its key refresh):
  // the keys it holds replace ours for what we receive.
  KmState load_peer_km(ByteSpan km) { return recv_.load(passphrase_, km, false); }

 private:
  explicit StreamCrypto(std::string_view passphrase) : passphrase_(passphrase) {}
  void refresh_km();

  std::string passphrase_;
  KeySet send_, recv_;
  KeyFlags send_key_ = KeyFlags::kEven;
  std::uint64_t refresh_rate_ = 0, pre_announce_ = 0;
  std::uint64_t packets_ = 0;  // under the current send key
  bool next_announced_ = false, old_in_use_ = false;
  std::uint64_t switches_ = 0;
  std::array<std::uint8_t, kKmMaxSize> km_{};
  std::size_t km_size_ = 0;
};

}  // namespace srtcore::srt
