// Small seeded generators: results must replay exactly from a seed on every
// platform, which std::random_device and the std distributions do not promise.
#pragma once

#include <array>
#include <cstdint>

namespace srtcore::sim {

// SplitMix64 (Steele, Lea, Flood): expands one seed into well-mixed words.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();

 private:
  std::uint64_t state_;
};

// xoshiro256** (Blackman, Vigna): the draw behind every impairment decision.
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed);
  static Xoshiro256 from_state(const std::array<std::uint64_t, 4> &state);

  std::uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // True with probability p; p <= 0 never, p >= 1 always.
  bool chance(double p);
  // Standard normal deviate (Box-Muller).
  double normal();

 private:
  Xoshiro256() = default;
  std::array<std::uint64_t, 4> s_{};
};

// Independent seed number `index` derived from `base` (one per direction or
// per impairment), so changing one impairment leaves the others' draws alone.
std::uint64_t derive_seed(std::uint64_t base, std::uint64_t index);

}  // namespace srtcore::sim
