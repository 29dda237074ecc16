// The cryptographic building blocks of SRT's AES-CTR encryption (libsrt's
// haicrypt), over OpenSSL EVP: the key-encrypting key from the passphrase
// (PBKDF2-HMAC-SHA1), the RFC 3394 key wrap of the stream keys, the CTR IV
// from the salt and the packet's sequence number, and an AES-CTR cipher
// whose OpenSSL context is made once per key, not per packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "srt/bytes.hpp"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX, kept out of this header

namespace srtcore::srt {

inline constexpr std::size_t kSaltSize = 16;
inline constexpr std::size_t kMaxKeySize = 32;
inline constexpr std::size_t kKeyWrapOverhead = 8;  // RFC 3394 integrity block
inline constexpr int kPbkdf2Iterations = 2048;      // haicrypt's count
inline constexpr std::size_t kPbkdf2SaltSize = 8;   // the salt's last 8 bytes
inline constexpr std::size_t kCtrIvSize = 16;
// AES-GCM as libsrt 1.5.4+ (haicrypt/cryspr.c, hcrypt_SetGcmIV and
// HAICRYPT_AUTHTAG_MAX): a 96-bit IV and a 16-byte tag after the payload.
inline constexpr std::size_t kGcmIvSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;
// libsrt's SRTO_PASSPHRASE limits.
inline constexpr std::size_t kMinPassphrase = 10;
inline constexpr std::size_t kMaxPassphrase = 79;

constexpr bool valid_key_length(std::size_t n) {
  return n == 16 || n == 24 || n == 32;
}

// KEK = PBKDF2-HMAC-SHA1(passphrase, last 8 bytes of salt, 2048, kek.size()).
// False when OpenSSL fails or the sizes are not SRT's.
[[nodiscard]] bool derive_kek(std::string_view passphrase, ByteSpan salt, MutableByteSpan kek);

// RFC 3394 AES key wrap with the default IV; out.size() == plain.size() + 8.
[[nodiscard]] bool wrap_key(ByteSpan kek, ByteSpan plain, MutableByteSpan out);
// The inverse; false when the integrity check fails (another passphrase).
[[nodiscard]] bool unwrap_key(ByteSpan kek, ByteSpan wrapped, MutableByteSpan out);

using CtrIv = std::array<std::uint8_t, kCtrIvSize>;
// Zeros, the sequence number big-endian in bytes 10..13, bytes 0..13 XORed
// with the salt's first 14 bytes; bytes 14..15 are the block counter.
CtrIv make_ctr_iv(ByteSpan salt, std::uint32_t seq);

using GcmIv = std::array<std::uint8_t, kGcmIvSize>;
// Zeros, the sequence number big-endian in bytes 8..11, all 12 bytes XORed
// with the salt's first 12 (libsrt >= 1.5.4's hcrypt_SetGcmIV; 1.5.2 and
// 1.5.3 took the CTR layout instead and do not interoperate with it).
GcmIv make_gcm_iv(ByteSpan salt, std::uint32_t seq);

// AES-GCM with one key (authenticated encryption with associated data).
// `in` and `out` may be the same memory. No allocation after set_key: the
// context is keyed once, each packet only sets the IV.
class GcmCipher {
 public:
  GcmCipher();
  ~GcmCipher();
  GcmCipher(GcmCipher &&) noexcept;
  GcmCipher &operator=(GcmCipher &&) noexcept;
  GcmCipher(const GcmCipher &) = delete;
  GcmCipher &operator=(const GcmCipher &) = delete;

  [[nodiscard]] bool set_key(ByteSpan key);  // 16, 24 or 32 bytes
  bool keyed() const { return keyed_; }
  // Encrypts in.size() bytes to `out` and writes the 16-byte tag at `tag`.
  [[nodiscard]] bool seal(const GcmIv &iv, ByteSpan aad, ByteSpan in, std::uint8_t *out,
                          std::uint8_t *tag);
  // Decrypts in.size() bytes to `out`; false when the tag does not match
  // (altered ciphertext or AAD, another key): `out` must then be ignored.
  [[nodiscard]] bool open(const GcmIv &iv, ByteSpan aad, ByteSpan in, const std::uint8_t *tag,
                          std::uint8_t *out);

 private:
  struct CtxFree {
    void operator()(evp_cipher_ctx_st *ctx) const;
  };
  std::unique_ptr<evp_cipher_ctx_st, CtxFree> enc_, dec_;
  bool keyed_ = false;
};

// AES-CTR with one key. Encrypting and decrypting are the same operation;
// `in` and `out` may be the same memory. No allocation after set_key.
class CtrCipher {
 public:
  CtrCipher();
  ~CtrCipher();
  CtrCipher(CtrCipher &&) noexcept;
  CtrCipher &operator=(CtrCipher &&) noexcept;
  CtrCipher(const CtrCipher &) = delete;
  CtrCipher &operator=(const CtrCipher &) = delete;

  [[nodiscard]] bool set_key(ByteSpan key);  // 16, 24 or 32 bytes
  bool keyed() const { return keyed_; }
  // Writes in.size() bytes at out.
  [[nodiscard]] bool apply(const CtrIv &iv, ByteSpan in, std::uint8_t *out);

 private:
  struct CtxFree {
    void operator()(evp_cipher_ctx_st *ctx) const;
  };
  std::unique_ptr<evp_cipher_ctx_st, CtxFree> ctx_;
  bool keyed_ = false;
};

}  // namespace srtcore::srt
