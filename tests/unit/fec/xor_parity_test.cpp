// The XOR core against a byte-at-a-time reference, on every length around
// the block size and on unaligned spans; and the group property every FEC
// scheme relies on: the parity of N packets plus N-1 of them gives the
// missing one back, header clips included.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "fec/xor_parity.hpp"

namespace srtcore::fec {
namespace {

std::vector<std::uint8_t> random_bytes(std::mt19937 &rng, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (auto &b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

TEST(XorInto, MatchesByteReferenceOnEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  for (std::size_t len = 0; len <= 100; ++len) {
    for (std::size_t shift = 0; shift < 8; ++shift) {
      auto acc = random_bytes(rng, len + 16);
      auto src = random_bytes(rng, len + 16);
      auto expect = acc;
      for (std::size_t i = 0; i < len; ++i) expect[shift + i] ^= src[7 - shift % 8 + i];
      xor_into(std::span(acc).subspan(shift, len + 4),
               std::span<const std::uint8_t>(src).subspan(7 - shift % 8, len));
      ASSERT_EQ(acc, expect) << "len " << len << " shift " << shift;
    }
  }
}

TEST(XorInto, ShorterAccumulatorIsNeverOverrun) {
  std::vector<std::uint8_t> acc(40, 0), src(100, 0xFF);
  acc.resize(50, 0x11);  // guard bytes after the span
  xor_into(std::span(acc).first(40), src);
  for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(acc[i], 0xFF);
  for (std::size_t i = 40; i < 50; ++i) EXPECT_EQ(acc[i], 0x11);
}

TEST(ParityGroup, RebuildsAnyOneMissingPacketWithItsClip) {
  std::mt19937 rng(11);
  constexpr std::size_t kClip = 1316;
  for (std::size_t n : {2u, 5u, 10u, 20u}) {
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<Clip> clips;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t len = 1 + rng() % kClip;
      payloads.push_back(random_bytes(rng, len));
      clips.push_back(Clip{static_cast<std::uint16_t>(len), static_cast<std::uint8_t>(rng() % 3),
                           static_cast<std::uint32_t>(rng())});
    }
    std::vector<std::uint8_t> parity_mem(kClip);
    ParityGroup parity(parity_mem);
    for (std::size_t i = 0; i < n; ++i) parity.add(clips[i], payloads[i]);
    for (std::size_t missing = 0; missing < n; ++missing) {
      std::vector<std::uint8_t> mem(kClip);
      ParityGroup g(mem);
      g.add(parity.clip(), parity.payload());
      for (std::size_t i = 0; i < n; ++i) {
        if (i != missing) g.add(clips[i], payloads[i]);
      }
      EXPECT_EQ(g.count(), n);
      EXPECT_EQ(g.clip(), clips[missing]);
      const auto rebuilt = g.payload().first(g.clip().length);
      EXPECT_TRUE(std::equal(rebuilt.begin(), rebuilt.end(), payloads[missing].begin(),
                             payloads[missing].end()));
      // The zero padding stays zero: nothing leaks past the length.
      for (std::size_t i = g.clip().length; i < kClip; ++i) ASSERT_EQ(g.payload()[i], 0);
    }
  }
}

TEST(ParityGroup, ResetClearsEverything) {
  std::vector<std::uint8_t> mem(64);
  ParityGroup g(mem);
  const std::vector<std::uint8_t> p(64, 0xAB);
  g.add(Clip{64, 1, 99}, p);
  g.reset();
  EXPECT_EQ(g.count(), 0u);
  EXPECT_EQ(g.clip(), Clip{});
  for (auto b : g.payload()) EXPECT_EQ(b, 0);
}

}  // namespace
}  // namespace srtcore::fec
