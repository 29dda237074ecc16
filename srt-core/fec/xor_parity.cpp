#include "fec/xor_parity.hpp"

#include <algorithm>
#include <cstring>

namespace srtcore::fec {

// Eight bytes at a time through memcpy (no alignment or aliasing
// assumptions): compilers turn the inner loop into vector XORs, and the
// tail is at most seven bytes.
void xor_into(std::span<std::uint8_t> acc, std::span<const std::uint8_t> src) {
  const std::size_t n = std::min(acc.size(), src.size());
  std::uint8_t *a = acc.data();
  const std::uint8_t *s = src.data();
  std::size_t i = 0;
  constexpr std::size_t kBlock = 32;
  for (; i + kBlock <= n; i += kBlock) {
    std::uint64_t x[4];
    std::uint64_t y[4];
    std::memcpy(x, a + i, kBlock);
    std::memcpy(y, s + i, kBlock);
    for (int k = 0; k < 4; ++k) x[k] ^= y[k];
    std::memcpy(a + i, x, kBlock);
  }
  for (; i < n; ++i) a[i] ^= s[i];
}

void ParityGroup::add(const Clip &clip, std::span<const std::uint8_t> payload) {
  clip_.add(clip);
  xor_into(acc_, payload.first(std::min(payload.size(), acc_.size())));
  ++count_;
}

void ParityGroup::reset() {
  clip_ = Clip{};
  count_ = 0;
  std::fill(acc_.begin(), acc_.end(), std::uint8_t{0});
}

}  // namespace srtcore::fec
