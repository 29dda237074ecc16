// Listener SYN cookies: minute buckets, current/previous minute acceptance,
// and known answers (HMAC-SHA256 computed independently with Python's hmac).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "srt/syn_cookie.hpp"

namespace srtcore::srt {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> key_0_to_31() {
  std::vector<std::uint8_t> k(32);
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
  return k;
}

const std::array<std::uint8_t, 4> kLoopback = {127, 0, 0, 1};
const std::array<std::uint8_t, 16> kV6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                          0,    0,    0,    0,    0, 0, 0, 1};

TimePoint at_minute(std::int64_t m, Duration extra = Duration{0}) {
  return TimePoint{std::chrono::duration_cast<Duration>(std::chrono::minutes{m}) + extra};
}

TEST(SynCookie, KnownAnswers) {
  // python3: hmac.new(bytes(range(32)), struct.pack('>qH', minute, port) +
  //          bytes([len(addr)]) + addr, hashlib.sha256).digest()[:4], big-endian
  const SynCookie c(key_0_to_31());
  EXPECT_EQ(c.generate(kLoopback, 9000, at_minute(29000000, 59s)), 0xfd0fa8ceu);
  EXPECT_EQ(c.generate(kV6, 1, TimePoint{-30s}), 0x6d684399u);
}

TEST(SynCookie, MinuteBucketsFloor) {
  EXPECT_EQ(SynCookie::minute_of(TimePoint{0s}), 0);
  EXPECT_EQ(SynCookie::minute_of(TimePoint{59s}), 0);
  EXPECT_EQ(SynCookie::minute_of(TimePoint{60s}), 1);
  EXPECT_EQ(SynCookie::minute_of(TimePoint{Duration{-1}}), -1);
  EXPECT_EQ(SynCookie::minute_of(TimePoint{-60s}), -1);
  EXPECT_EQ(SynCookie::minute_of(TimePoint{Duration{-60'000'001}}), -2);
}

TEST(SynCookie, AcceptsThisAndThePreviousMinuteOnly) {
  const SynCookie c(key_0_to_31());
  const std::uint32_t k = c.generate(kLoopback, 4000, at_minute(100, 10s));
  EXPECT_NE(k, 0u);
  EXPECT_EQ(k, c.generate(kLoopback, 4000, at_minute(100)));  // same minute, same cookie
  EXPECT_EQ(k, c.generate(kLoopback, 4000, at_minute(100, 59s)));
  EXPECT_TRUE(c.verify(k, kLoopback, 4000, at_minute(100, 59s)));
  EXPECT_TRUE(c.verify(k, kLoopback, 4000, at_minute(101)));
  EXPECT_TRUE(c.verify(k, kLoopback, 4000, at_minute(101, 59s)));
  EXPECT_FALSE(c.verify(k, kLoopback, 4000, at_minute(102)));
  EXPECT_FALSE(c.verify(k, kLoopback, 4000, at_minute(99, 59s)));  // not from the future
  EXPECT_FALSE(c.verify(0, kLoopback, 4000, at_minute(100)));
}

TEST(SynCookie, BoundToAddressPortAndSecret) {
  const SynCookie c(key_0_to_31());
  const TimePoint now = at_minute(7);
  const std::uint32_t k = c.generate(kLoopback, 4000, now);
  EXPECT_FALSE(c.verify(k, kLoopback, 4001, now));
  const std::array<std::uint8_t, 4> other = {127, 0, 0, 2};
  EXPECT_FALSE(c.verify(k, other, 4000, now));
  EXPECT_FALSE(c.verify(k, kV6, 4000, now));

  std::vector<std::uint8_t> key2 = key_0_to_31();
  key2[0] ^= 1;
  const SynCookie c2(key2);
  EXPECT_FALSE(c2.verify(k, kLoopback, 4000, now));
  // Copies share the secret.
  const SynCookie copy = c;
  EXPECT_TRUE(copy.verify(k, kLoopback, 4000, now));
}

}  // namespace
}  // namespace srtcore::srt
