// The SRT keying-material (KM) message: the salt and the wrapped stream
// key(s), carried in the KMREQ/KMRSP handshake extensions and in the
// post-handshake KMREQ/KMRSP control packets. Layout (haicrypt's
// hcrypt_msg.h), network byte order:
//   0: 0|version(3)=1|PT(4)=2  1-2: sign 0x2029  3: reserved(6)|KK(2)
//   4-7: KEKI (0)  8: cipher (2 = AES-CTR, 4 = AES-GCM)  9: auth (0, 1 with
//   GCM: libsrt PR #2492 "Set AES-GCM auth in the KM message")  10: SE (2 = SRT)
//   11-13: reserved  14: salt length / 4  15: key length / 4
//   16: salt, then the RFC 3394 wrap of the even key, then the odd key
//   (8 + key length * number of keys bytes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "srt/bytes.hpp"
#include "srt/crypto_primitives.hpp"

namespace srtcore::srt {

inline constexpr std::uint8_t kKmVersionAndType = 0x12;  // version 1, packet type KM
inline constexpr std::uint16_t kKmSign = 0x2029;         // "HAI" in 5-bit letters
inline constexpr std::uint8_t kKmCipherAesCtr = 2;
inline constexpr std::uint8_t kKmCipherAesGcm = 4;  // libsrt's HCRYPT_CIPHER_AES_GCM
inline constexpr std::uint8_t kKmAuthNone = 0;
inline constexpr std::uint8_t kKmAuthAesGcm = 1;  // HCRYPT_AUTH_AES_GCM
inline constexpr std::uint8_t kKmSeSrt = 2;
inline constexpr std::uint8_t kKmEvenKey = 0x1;  // KK flags, as in the data header
inline constexpr std::uint8_t kKmOddKey = 0x2;
inline constexpr std::size_t kKmHeaderSize = 16;
inline constexpr std::size_t kKmMaxWrapped = kKeyWrapOverhead + 2 * kMaxKeySize;
inline constexpr std::size_t kKmMaxSize = kKmHeaderSize + kSaltSize + kKmMaxWrapped;

struct KeyMaterial {
  std::uint8_t key_flags = kKmEvenKey;  // which keys follow: even, odd or both
  std::uint32_t keki = 0;
  std::uint8_t cipher = kKmCipherAesCtr;
  std::uint8_t auth = kKmAuthNone;
  std::uint8_t se = kKmSeSrt;
  std::size_t key_len = 16;
  std::array<std::uint8_t, kSaltSize> salt{};
  std::array<std::uint8_t, kKmMaxWrapped> wrapped{};  // wrapped_len() bytes used

  std::size_t key_count() const { return key_flags == (kKmEvenKey | kKmOddKey) ? 2 : 1; }
  std::size_t wrapped_len() const { return kKeyWrapOverhead + key_len * key_count(); }
  std::size_t size() const { return kKmHeaderSize + kSaltSize + wrapped_len(); }
  ByteSpan wrapped_span() const { return ByteSpan(wrapped.data(), wrapped_len()); }
};

// Refuses (without touching anything beyond `bytes`) a message that is
// truncated, not version 1 KM, badly signed, without keys, of a cipher,
// authentication or encapsulation other than AES-CTR/none/SRT or
// AES-GCM/GCM/SRT, with a salt
// other than 16 bytes, a key length other than 16/24/32, or whose length does
// not match its key count.
Parsed<KeyMaterial> parse_key_material(ByteSpan bytes);

// km.size() bytes, or 0 when `out` is too small or a field is invalid.
[[nodiscard]] std::size_t write_key_material(const KeyMaterial &km, MutableByteSpan out);

}  // namespace srtcore::srt
