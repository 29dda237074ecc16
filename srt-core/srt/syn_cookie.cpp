#include "srt/syn_cookie.hpp"

#include <array>
#include <chrono>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace srtcore::srt {

SynCookie::SynCookie(ByteSpan secret) : secret_(secret.begin(), secret.end()) {}

SynCookie::~SynCookie() {
  // The secret is what makes cookies unforgeable; do not leave it in freed memory.
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

std::int64_t SynCookie::minute_of(TimePoint now) {
  return std::chrono::floor<std::chrono::minutes>(now).time_since_epoch().count();
}

std::uint32_t SynCookie::for_minute(std::int64_t minute, ByteSpan address,
                                    std::uint16_t port) const {
  // Message: minute (8 bytes BE) | port (2 BE) | address length (1) | address.
  std::array<std::uint8_t, 8 + 2 + 1 + 16> msg{};
  std::size_t n = 0;
  const auto m = static_cast<std::uint64_t>(minute);
  for (int i = 7; i >= 0; --i) msg[n++] = static_cast<std::uint8_t>(m >> (8 * i));
  put_u16(msg.data() + n, port);
  n += 2;
  const std::size_t alen = address.size() < 16 ? address.size() : 16;
  msg[n++] = static_cast<std::uint8_t>(alen);
  for (std::size_t i = 0; i < alen; ++i) msg[n++] = address[i];

  std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  // An empty secret is allowed by HMAC but weakens the cookie; the caller owns that choice.
  static const std::uint8_t kEmptyKey = 0;
  const void *key = secret_.empty() ? static_cast<const void *>(&kEmptyKey) : secret_.data();
  if (HMAC(EVP_sha256(), key, static_cast<int>(secret_.size()), msg.data(), n, mac.data(),
           &mac_len) == nullptr ||
      mac_len < 4) {
    return 0;  // OpenSSL failure: no cookie will ever verify
  }
  const std::uint32_t c = get_u32(mac.data());
  return c == 0 ? 1 : c;
}

std::uint32_t SynCookie::generate(ByteSpan address, std::uint16_t port, TimePoint now) const {
  return for_minute(minute_of(now), address, port);
}

bool SynCookie::verify(std::uint32_t cookie, ByteSpan address, std::uint16_t port,
                       TimePoint now) const {
  const std::int64_t minute = minute_of(now);
  if (cookie == 0) return false;
  return cookie == for_minute(minute, address, port) ||
         cookie == for_minute(minute - 1, address, port);
}

}  // namespace srtcore::srt
