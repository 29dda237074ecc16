// Stateless SYN cookies for the listener's induction phase: a keyed hash
// (HMAC-SHA256) of the caller's address, port and the current minute. The
// listener keeps no state for a caller until its conclusion echoes a cookie
// valid for this minute or the previous one.
//
// Only the listener computes and checks cookies (the caller echoes them), so
// the exact hash need not match libsrt's.
#pragma once

#include <cstdint>
#include <vector>

#include "srt/bytes.hpp"
#include "srt/time.hpp"

namespace srtcore::srt {

class SynCookie {
 public:
  // `secret` should be at least 16 random bytes from the injected RNG.
  explicit SynCookie(ByteSpan secret);
  ~SynCookie();
  SynCookie(const SynCookie &) = default;
  SynCookie &operator=(const SynCookie &) = default;
  SynCookie(SynCookie &&) = default;
  SynCookie &operator=(SynCookie &&) = default;

  // `address` is the caller's IP address bytes (4 for IPv4, 16 for IPv6).
  // Never 0 (a zero cookie means "none" in a caller's induction) unless
  // OpenSSL fails, in which case no cookie verifies. Addresses longer than
  // 16 bytes are truncated.
  std::uint32_t generate(ByteSpan address, std::uint16_t port, TimePoint now) const;

  // True for the cookie of `now`'s minute or of the minute before it.
  bool verify(std::uint32_t cookie, ByteSpan address, std::uint16_t port, TimePoint now) const;

  // The minute bucket used for `now` (floor division, negative-safe).
  static std::int64_t minute_of(TimePoint now);

 private:
  std::uint32_t for_minute(std::int64_t minute, ByteSpan address, std::uint16_t port) const;

  std::vector<std::uint8_t> secret_;
};

}  // namespace srtcore::srt
