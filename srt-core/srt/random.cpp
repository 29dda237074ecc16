#include "srt/random.hpp"

#include <openssl/rand.h>

#include <random>

namespace srtcore::srt {

void SystemRandom::fill(MutableByteSpan out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) == 1) return;
  std::random_device rd;
  for (auto &b : out) b = static_cast<std::uint8_t>(rd());
}

void SeededRandom::fill(MutableByteSpan out) {
  std::size_t i = 0;
  while (i < out.size()) {
    // SplitMix64 step.
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    for (int k = 0; k < 8 && i < out.size(); ++k, ++i)
      out[i] = static_cast<std::uint8_t>(z >> (8 * k));
  }
}

}  // namespace srtcore::srt
