// Adaptive FEC protection (sans-I/O): the receivers' reported loss in, a
// protection percentage (FEC packets per 100 media packets) out.
//
// The rule: with one parity packet per group of k media packets (ULPFEC
// multipacket, SMPTE 2022-1 rows), a lost packet is rebuilt when the other
// k packets of its group (k - 1 media, 1 FEC) all arrive, with probability
// (1 - p)^k at independent loss p. The policy takes the largest group
// k = floor(ln(q) / ln(1 - p)) that still rebuilds a lost packet with
// probability q (recovery_probability), and asks ceil(100 / k) percent,
// within [min_percentage, max_percentage].
//
// Hysteresis, so it does not flap between two levels on noisy reports: a
// higher level is taken at once (the first report of loss); a lower one only
// after hold_ms without a report that asked for the current level, and then
// half of the gap per hold_ms, so 100 % comes down to 0 in ~7 holds.
#pragma once

#include <cstdint>

namespace srtcore::fec {

struct ProtectionPolicyConfig {
  unsigned min_percentage = 0;
  unsigned max_percentage = 100;
  double recovery_probability = 0.9;
  std::uint64_t hold_ms = 5000;  // about one RTCP interval at rtpsession's default
};

class ProtectionPolicy {
 public:
  explicit ProtectionPolicy(const ProtectionPolicyConfig &config);

  // The percentage the rule asks for at loss fraction p, unbounded (0..100).
  static unsigned needed(double fraction_lost, double recovery_probability);

  // New bounds (max below min is taken as min); the level moves into them.
  void set_bounds(unsigned min_percentage, unsigned max_percentage);

  // A receiver report: the fraction of packets lost (0..1) since its last one.
  // now_ms: any monotonic clock, never going back.
  void report(std::uint64_t now_ms, double fraction_lost);

  // The level in use at now_ms (applies the decay due since the last call).
  unsigned level(std::uint64_t now_ms);

  const ProtectionPolicyConfig &config() const { return config_; }

 private:
  unsigned target() const;

  ProtectionPolicyConfig config_;
  double fraction_ = 0;
  unsigned level_ = 0;
  std::uint64_t held_since_ = 0;  // last report that asked for level_, or last step down
};

}  // namespace srtcore::fec
