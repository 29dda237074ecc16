#include "srt/crypto_primitives.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace srtcore::srt {

namespace {

const EVP_CIPHER *ctr_cipher(std::size_t key_len) {
  switch (key_len) {
    case 16:
      return EVP_aes_128_ctr();
    case 24:
      return EVP_aes_192_ctr();
    case 32:
      return EVP_aes_256_ctr();
    default:
      return nullptr;
  }
}

const EVP_CIPHER *gcm_cipher(std::size_t key_len) {
  switch (key_len) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
    default:
      return nullptr;
  }
}

const EVP_CIPHER *wrap_cipher(std::size_t key_len) {
  switch (key_len) {
    case 16:
      return EVP_aes_128_wrap();
    case 24:
      return EVP_aes_192_wrap();
    case 32:
      return EVP_aes_256_wrap();
    default:
      return nullptr;
  }
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX *c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// One wrap or unwrap. Only during a handshake or a key refresh: a fresh
// context each time is fine there.
bool run_wrap(bool encrypt, ByteSpan kek, ByteSpan in, MutableByteSpan out) {
  const EVP_CIPHER *cipher = wrap_cipher(kek.size());
  if (!cipher || in.size() > INT_MAX) return false;
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return false;
  // OpenSSL 1.1 refuses wrap modes unless asked for explicitly.
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr, encrypt ? 1 : 0) != 1) {
    return false;
  }
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1) {
    return false;
  }
  return static_cast<std::size_t>(len) == out.size();
}

}  // namespace

bool derive_kek(std::string_view passphrase, ByteSpan salt, MutableByteSpan kek) {
  if (!valid_key_length(kek.size()) || salt.size() < kPbkdf2SaltSize ||
      passphrase.size() > INT_MAX) {
    return false;
  }
  const ByteSpan tail = salt.subspan(salt.size() - kPbkdf2SaltSize);
  return PKCS5_PBKDF2_HMAC_SHA1(passphrase.data(), static_cast<int>(passphrase.size()), tail.data(),
                                static_cast<int>(tail.size()), kPbkdf2Iterations,
                                static_cast<int>(kek.size()), kek.data()) == 1;
}

bool wrap_key(ByteSpan kek, ByteSpan plain, MutableByteSpan out) {
  if (plain.size() < 16 || plain.size() % 8 != 0) return false;
  if (out.size() != plain.size() + kKeyWrapOverhead) return false;
  return run_wrap(true, kek, plain, out);
}

bool unwrap_key(ByteSpan kek, ByteSpan wrapped, MutableByteSpan out) {
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0) return false;
  if (out.size() + kKeyWrapOverhead != wrapped.size()) return false;
  return run_wrap(false, kek, wrapped, out);
}

CtrIv make_ctr_iv(ByteSpan salt, std::uint32_t seq) {
  CtrIv iv{};
  put_u32(iv.data() + 10, seq);
  const std::size_t n = std::min<std::size_t>(salt.size(), 14);
  for (std::size_t i = 0; i < n; ++i) iv[i] ^= salt[i];
  return iv;
}

void CtrCipher::CtxFree::operator()(evp_cipher_ctx_st *ctx) const {
  EVP_CIPHER_CTX_free(ctx);
}

CtrCipher::CtrCipher() : ctx_(EVP_CIPHER_CTX_new()) {}
CtrCipher::~CtrCipher() = default;
CtrCipher::CtrCipher(CtrCipher &&) noexcept = default;
CtrCipher &CtrCipher::operator=(CtrCipher &&) noexcept = default;

bool CtrCipher::set_key(ByteSpan key) {
  keyed_ = false;
  const EVP_CIPHER *cipher = ctr_cipher(key.size());
  if (!ctx_ || !cipher) return false;
  keyed_ = EVP_EncryptInit_ex(ctx_.get(), cipher, nullptr, key.data(), nullptr) == 1;
  return keyed_;
}

bool CtrCipher::apply(const CtrIv &iv, ByteSpan in, std::uint8_t *out) {
  if (!keyed_ || in.size() > INT_MAX) return false;
  // A new IV on the keyed context: no key schedule, no allocation.
  if (EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv.data()) != 1) return false;
  int len = 0;
  if (EVP_EncryptUpdate(ctx_.get(), out, &len, in.data(), static_cast<int>(in.size())) != 1) {
    return false;
  }
  return static_cast<std::size_t>(len) == in.size();
}

GcmIv make_gcm_iv(ByteSpan salt, std::uint32_t seq) {
  GcmIv iv{};
  put_u32(iv.data() + 8, seq);
  const std::size_t n = std::min<std::size_t>(salt.size(), kGcmIvSize);
  for (std::size_t i = 0; i < n; ++i) iv[i] ^= salt[i];
  return iv;
}

void GcmCipher::CtxFree::operator()(evp_cipher_ctx_st *ctx) const {
  EVP_CIPHER_CTX_free(ctx);
}

GcmCipher::GcmCipher() : enc_(EVP_CIPHER_CTX_new()), dec_(EVP_CIPHER_CTX_new()) {}
GcmCipher::~GcmCipher() = default;
GcmCipher::GcmCipher(GcmCipher &&) noexcept = default;
GcmCipher &GcmCipher::operator=(GcmCipher &&) noexcept = default;

bool GcmCipher::set_key(ByteSpan key) {
  keyed_ = false;
  const EVP_CIPHER *cipher = gcm_cipher(key.size());
  if (!enc_ || !dec_ || !cipher) return false;
  // The default GCM IV length is 12 bytes, SRT's: no EVP_CTRL_GCM_SET_IVLEN.
  keyed_ = EVP_EncryptInit_ex(enc_.get(), cipher, nullptr, key.data(), nullptr) == 1 &&
           EVP_DecryptInit_ex(dec_.get(), cipher, nullptr, key.data(), nullptr) == 1;
  return keyed_;
}

bool GcmCipher::seal(const GcmIv &iv, ByteSpan aad, ByteSpan in, std::uint8_t *out,
                     std::uint8_t *tag) {
  if (!keyed_ || in.size() > INT_MAX || aad.size() > INT_MAX) return false;
  EVP_CIPHER_CTX *c = enc_.get();
  int len = 0;
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(c, out, &len, in.data(), static_cast<int>(in.size())) != 1 ||
      static_cast<std::size_t>(len) != in.size()) {
    return false;
  }
  int tail = 0;
  if (EVP_EncryptFinal_ex(c, out + len, &tail) != 1 || tail != 0) return false;
  return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize), tag) == 1;
}

bool GcmCipher::open(const GcmIv &iv, ByteSpan aad, ByteSpan in, const std::uint8_t *tag,
                     std::uint8_t *out) {
  if (!keyed_ || in.size() > INT_MAX || aad.size() > INT_MAX) return false;
  EVP_CIPHER_CTX *c = dec_.get();
  int len = 0;
  if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_DecryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(c, out, &len, in.data(), static_cast<int>(in.size())) != 1 ||
      static_cast<std::size_t>(len) != in.size()) {
    return false;
  }
  // OpenSSL reads the expected tag from a non-const pointer but does not write it.
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize),
                          const_cast<std::uint8_t *>(tag)) != 1) {
    return false;
  }
  int tail = 0;
  return EVP_DecryptFinal_ex(c, out + len, &tail) == 1;  // the tag check
}

}  // namespace srtcore::srt
