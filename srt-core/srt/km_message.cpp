#include "srt/km_message.hpp"

#include <cstring>

namespace srtcore::srt {

Parsed<KeyMaterial> parse_key_material(ByteSpan bytes) {
  if (bytes.size() < kKmHeaderSize) return WireError::kTruncated;
  const std::uint8_t *p = bytes.data();
  if (p[0] != kKmVersionAndType || get_u16(p + 1) != kKmSign) return WireError::kBadValue;
  KeyMaterial km;
  km.key_flags = p[3] & (kKmEvenKey | kKmOddKey);
  if (km.key_flags == 0) return WireError::kBadValue;
  km.keki = get_u32(p + 4);
  km.cipher = p[8];
  km.auth = p[9];
  km.se = p[10];
  const bool ctr = km.cipher == kKmCipherAesCtr && km.auth == kKmAuthNone;
  const bool gcm = km.cipher == kKmCipherAesGcm && km.auth == kKmAuthAesGcm;
  if (!(ctr || gcm) || km.se != kKmSeSrt) {
    return WireError::kBadValue;
  }
  const std::size_t salt_len = std::size_t{p[14]} * 4;
  km.key_len = std::size_t{p[15]} * 4;
  if (salt_len != kSaltSize || !valid_key_length(km.key_len)) return WireError::kBadLength;
  if (bytes.size() != km.size()) {
    return bytes.size() < km.size() ? WireError::kTruncated : WireError::kBadLength;
  }
  std::memcpy(km.salt.data(), p + kKmHeaderSize, kSaltSize);
  std::memcpy(km.wrapped.data(), p + kKmHeaderSize + kSaltSize, km.wrapped_len());
  return km;
}

std::size_t write_key_material(const KeyMaterial &km, MutableByteSpan out) {
  const std::uint8_t flags = km.key_flags & (kKmEvenKey | kKmOddKey);
  if (flags == 0 || flags != km.key_flags || !valid_key_length(km.key_len)) return 0;
  const std::size_t size = km.size();
  if (out.size() < size) return 0;
  std::uint8_t *p = out.data();
  std::memset(p, 0, kKmHeaderSize);
  p[0] = kKmVersionAndType;
  put_u16(p + 1, kKmSign);
  p[3] = flags;
  put_u32(p + 4, km.keki);
  p[8] = km.cipher;
  p[9] = km.auth;
  p[10] = km.se;
  p[14] = static_cast<std::uint8_t>(kSaltSize / 4);
  p[15] = static_cast<std::uint8_t>(km.key_len / 4);
  std::memcpy(p + kKmHeaderSize, km.salt.data(), kSaltSize);
  std::memcpy(p + kKmHeaderSize + kSaltSize, km.wrapped.data(), km.wrapped_len());
  return size;
}

}  // namespace srtcore::srt
