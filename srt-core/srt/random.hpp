// Randomness injected into the engines (initial sequence numbers, socket ids,
// cookie secrets), so simulations replay exactly from a seed and production
// uses a cryptographic source.
#pragma once

#include <cstdint>
#include <optional>

#include "srt/bytes.hpp"
#include "srt/seq.hpp"

namespace srtcore::srt {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(MutableByteSpan out) = 0;
  std::uint32_t next_u32() {
    std::uint8_t b[4];
    fill(b);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           b[3];
  }
  // A connection's initial sequence number (31 bits). Virtual so that tests
  // can force one (sequence wrap near 2^31).
  virtual std::uint32_t next_isn() { return next_u32() & kSeqMask; }
  // A local socket id: non-zero and below 2^30, as libsrt's (bit 30 marks
  // group ids).
  std::uint32_t next_socket_id() {
    for (;;) {
      const std::uint32_t id = next_u32() & 0x3FFFFFFF;
      if (id != 0) return id;
    }
  }
};

// OpenSSL RAND_bytes; aborts the fill with zeros never: on failure it falls
// back to std::random_device (which on Linux reads getrandom()).
class SystemRandom final : public Random {
 public:
  void fill(MutableByteSpan out) override;
};

// Deterministic (SplitMix64) for simulations and tests: a seed replays
// exactly. Never for production: its output is predictable. A forced ISN,
// when set, is returned by every next_isn().
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  void fill(MutableByteSpan out) override;
  std::uint32_t next_isn() override {
    if (forced_isn_) return *forced_isn_ & kSeqMask;
    return Random::next_isn();
  }
  void force_isn(std::optional<std::uint32_t> isn) { forced_isn_ = isn; }

 private:
  std::uint64_t state_;
  std::optional<std::uint32_t> forced_isn_;
};

}  // namespace srtcore::srt
