#include "srt/stream_crypto.hpp"

#include <algorithm>
#include <cstring>

namespace srtcore::srt {

namespace {

std::uint8_t km_flag(KeyFlags kk) {
  return kk == KeyFlags::kOdd ? kKmOddKey : kKmEvenKey;
}

}  // namespace

bool KeySet::has(KeyFlags kk) const {
  if (kk != KeyFlags::kEven && kk != KeyFlags::kOdd) return false;
  return slots_[kk == KeyFlags::kOdd ? 1 : 0].valid;
}

bool KeySet::key_slot(Slot &s) {
  const ByteSpan key(s.key.data(), key_len_);
  return gcm_ ? s.gcm.set_key(key) : s.cipher.set_key(key);
}

bool KeySet::set_kek(std::string_view passphrase) {
  kek_valid_ = derive_kek(passphrase, salt(), MutableByteSpan(kek_.data(), key_len_));
  return kek_valid_;
}

KmState KeySet::load(std::string_view passphrase, ByteSpan km_bytes, bool new_salt) {
  const auto km = parse_key_material(km_bytes);
  if (!km) return KmState::kNoSecret;
  const bool gcm = km->cipher == kKmCipherAesGcm;
  // A refresh keeps the cipher (libsrt has no switch of mode mid-stream).
  if (!new_salt && kek_valid_ && gcm != gcm_) return KmState::kNoSecret;
  gcm_ = gcm;
  if (!kek_valid_ || km->key_len != key_len_ ||
      std::memcmp(km->salt.data(), salt_.data(), kSaltSize) != 0) {
    if (!new_salt) return KmState::kNoSecret;
    salt_ = km->salt;
    key_len_ = km->key_len;
    if (!set_kek(passphrase)) return KmState::kNoSecret;
  }
  std::array<std::uint8_t, 2 * kMaxKeySize> keys{};
  const std::size_t n = km->key_len * km->key_count();
  if (!unwrap_key(ByteSpan(kek_.data(), key_len_), km->wrapped_span(),
                  MutableByteSpan(keys.data(), n))) {
    return KmState::kBadSecret;
  }
  // Both keys: the even one comes first.
  std::size_t at = 0;
  for (const KeyFlags kk : {KeyFlags::kEven, KeyFlags::kOdd}) {
    if (!(km->key_flags & km_flag(kk))) continue;
    Slot &s = slot(kk);
    std::memcpy(s.key.data(), keys.data() + at, key_len_);
    at += key_len_;
    s.valid = key_slot(s);
    if (!s.valid) return KmState::kNoSecret;
  }
  return KmState::kSecured;
}

bool KeySet::generate(std::string_view passphrase, std::size_t key_len, KeyFlags kk,
                      Random &random) {
  if (!valid_key_length(key_len)) return false;
  if (!kek_valid_ || key_len != key_len_) {
    key_len_ = key_len;
    random.fill(salt_);
    if (!set_kek(passphrase)) return false;
  }
  Slot &s = slot(kk);
  random.fill(MutableByteSpan(s.key.data(), key_len_));
  s.valid = key_slot(s);
  return s.valid;
}

void KeySet::drop(KeyFlags kk) {
  Slot &s = slot(kk);
  s.valid = false;
  s.key.fill(0);
}

std::size_t KeySet::write_km(std::uint8_t flags, MutableByteSpan out) const {
  KeyMaterial km;
  km.key_flags = flags;
  km.key_len = key_len_;
  km.cipher = gcm_ ? kKmCipherAesGcm : kKmCipherAesCtr;
  km.auth = gcm_ ? kKmAuthAesGcm : kKmAuthNone;
  km.salt = salt_;
  std::array<std::uint8_t, 2 * kMaxKeySize> keys{};
  std::size_t n = 0;
  for (const KeyFlags kk : {KeyFlags::kEven, KeyFlags::kOdd}) {
    if (!(flags & km_flag(kk))) continue;
    const Slot &s = slots_[kk == KeyFlags::kOdd ? 1 : 0];
    if (!s.valid) return 0;
    std::memcpy(keys.data() + n, s.key.data(), key_len_);
    n += key_len_;
  }
  if (!wrap_key(ByteSpan(kek_.data(), key_len_), ByteSpan(keys.data(), n),
                MutableByteSpan(km.wrapped.data(), n + kKeyWrapOverhead))) {
    return 0;
  }
  return write_key_material(km, out);
}

bool KeySet::apply(KeyFlags kk, std::uint32_t seq, ByteSpan in, std::uint8_t *out) {
  if (!has(kk) || gcm_) return false;
  return slot(kk).cipher.apply(make_ctr_iv(salt(), seq), in, out);
}

bool KeySet::seal(KeyFlags kk, std::uint32_t seq, ByteSpan aad, MutableByteSpan payload,
                  std::uint8_t *tag) {
  if (!has(kk) || !gcm_) return false;
  return slot(kk).gcm.seal(make_gcm_iv(salt(), seq), aad, payload, payload.data(), tag);
}

bool KeySet::open(KeyFlags kk, std::uint32_t seq, ByteSpan aad, ByteSpan in,
                  const std::uint8_t *tag, std::uint8_t *out) {
  if (!has(kk) || !gcm_) return false;
  return slot(kk).gcm.open(make_gcm_iv(salt(), seq), aad, in, tag, out);
}

std::unique_ptr<StreamCrypto> StreamCrypto::create(std::string_view passphrase, std::size_t key_len,
                                                   Random &random, bool gcm) {
  std::unique_ptr<StreamCrypto> c(new StreamCrypto(passphrase));
  c->send_.set_gcm(gcm);
  if (!c->send_.generate(passphrase, key_len, KeyFlags::kEven, random)) return nullptr;
  c->refresh_km();
  if (c->km_size_ == 0) return nullptr;
  // The responder sends with the same key: we receive with it.
  if (c->recv_.load(passphrase, c->km_message()) != KmState::kSecured) return nullptr;
  return c;
}

StreamCrypto::Accepted StreamCrypto::accept(std::string_view passphrase, ByteSpan kmreq) {
  Accepted a;
  std::unique_ptr<StreamCrypto> c(new StreamCrypto(passphrase));
  a.state = c->recv_.load(passphrase, kmreq);
  if (a.state != KmState::kSecured) return a;
  const auto km = parse_key_material(kmreq);
  // libsrt's responder clones the initiator's keys for its own sending.
  (void)c->send_.load(passphrase, kmreq);
  c->send_key_ = (km->key_flags & kKmEvenKey) ? KeyFlags::kEven : KeyFlags::kOdd;
  std::memcpy(c->km_.data(), kmreq.data(), kmreq.size());
  c->km_size_ = kmreq.size();
  a.crypto = std::move(c);
  return a;
}

void StreamCrypto::refresh_km() {
  km_size_ = send_.write_km(km_flag(send_key_), km_);
}

void StreamCrypto::set_refresh(std::uint64_t refresh_rate, std::uint64_t pre_announce) {
  refresh_rate_ = refresh_rate;
  pre_announce_ = std::min(pre_announce, refresh_rate / 2);
}

bool StreamCrypto::on_new_packet(Random &random) {
  ++packets_;
  if (refresh_rate_ == 0) return false;
  const KeyFlags other = send_key_ == KeyFlags::kEven ? KeyFlags::kOdd : KeyFlags::kEven;
  if (next_announced_ && packets_ > refresh_rate_) {
    // Switch: the peer has had pre_announce packets' time to learn the key.
    send_key_ = other;
    packets_ = 1;
    next_announced_ = false;
    old_in_use_ = true;
    ++switches_;
    return false;
  }
  if (old_in_use_ && packets_ > pre_announce_) {
    // Late retransmissions are past: retire the old key.
    send_.drop(other);
    old_in_use_ = false;
    refresh_km();
    return km_size_ != 0;
  }
  if (!next_announced_ && !old_in_use_ && packets_ > refresh_rate_ - pre_announce_) {
    if (!send_.generate(passphrase_, send_.key_length(), other, random)) return false;
    next_announced_ = true;
    km_size_ = send_.write_km(kKmEvenKey | kKmOddKey, km_);
    return km_size_ != 0;
  }
  return false;
}

KeyFlags StreamCrypto::encrypt(std::uint32_t seq, MutableByteSpan payload) {
  if (!send_.apply(send_key_, seq, payload, payload.data())) return KeyFlags::kClear;
  return send_key_;
}

bool StreamCrypto::decrypt(std::uint32_t seq, KeyFlags kk, ByteSpan in, std::uint8_t *out) {
  return recv_.apply(kk, seq, in, out);
}

namespace {

// The AAD: the header as sent, R cleared (libsrt's receiver clears it, so a
// retransmission authenticates with the first copy's tag).
std::array<std::uint8_t, kHeaderSize> aad_of(DataHeader h) {
  h.retransmitted = false;
  std::array<std::uint8_t, kHeaderSize> aad{};
  (void)write_data_header(h, aad);
  return aad;
}

}  // namespace

KeyFlags StreamCrypto::encrypt_packet(DataHeader h, MutableByteSpan payload, std::uint8_t *tag) {
  if (!gcm()) return encrypt(h.seq, payload);
  h.key = send_key_;
  const auto aad = aad_of(h);
  if (!send_.seal(send_key_, h.seq, aad, payload, tag)) return KeyFlags::kClear;
  return send_key_;
}

std::optional<std::size_t> StreamCrypto::decrypt_packet(const DataHeader &h, ByteSpan in,
                                                        std::uint8_t *out) {
  if (!recv_.gcm()) {
    if (!decrypt(h.seq, h.key, in, out)) return std::nullopt;
    return in.size();
  }
  if (in.size() < kGcmTagSize) return std::nullopt;
  const std::size_t n = in.size() - kGcmTagSize;
  const auto aad = aad_of(h);
  if (!recv_.open(h.key, h.seq, aad, in.first(n), in.data() + n, out)) return std::nullopt;
  return n;
}

}  // namespace srtcore::srt
