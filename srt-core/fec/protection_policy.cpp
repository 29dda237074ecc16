#include "fec/protection_policy.hpp"

#include <algorithm>
#include <cmath>

namespace srtcore::fec {

ProtectionPolicy::ProtectionPolicy(const ProtectionPolicyConfig &config) : config_(config) {
  set_bounds(config.min_percentage, config.max_percentage);
  level_ = config_.min_percentage;
}

unsigned ProtectionPolicy::needed(double p, double q) {
  if (!(p > 0)) return 0;  // also NaN
  if (p >= 1 || !(q > 0) || q >= 1) return 100;
  // The tolerance keeps exact boundaries (p = 1 - q gives k = 1) on their side.
  const double k = std::floor(std::log(q) / std::log1p(-p) + 1e-9);
  if (k < 1) return 100;
  if (k >= 100) return 1;
  return static_cast<unsigned>(std::ceil(100.0 / k - 1e-9));
}

void ProtectionPolicy::set_bounds(unsigned min_percentage, unsigned max_percentage) {
  config_.min_percentage = std::min(min_percentage, 100u);
  config_.max_percentage = std::clamp(max_percentage, config_.min_percentage, 100u);
  level_ = std::clamp(level_, config_.min_percentage, config_.max_percentage);
}

unsigned ProtectionPolicy::target() const {
  return std::clamp(needed(fraction_, config_.recovery_probability), config_.min_percentage,
                    config_.max_percentage);
}

void ProtectionPolicy::report(std::uint64_t now_ms, double fraction_lost) {
  level(now_ms);
  fraction_ = std::clamp(std::isnan(fraction_lost) ? 0.0 : fraction_lost, 0.0, 1.0);
  const unsigned t = target();
  if (t >= level_) {
    level_ = t;
    held_since_ = now_ms;
  }
}

unsigned ProtectionPolicy::level(std::uint64_t now_ms) {
  const unsigned t = target();
  // At most log2(100) steps: each halves the gap (rounding up) until it closes.
  while (level_ > t && now_ms >= held_since_ + config_.hold_ms) {
    level_ -= (level_ - t + 1) / 2;
    held_since_ += config_.hold_ms;
  }
  return level_;
}

}  // namespace srtcore::fec
