// The adaptive protection rule counted out, independently of
// srt-core/fec/protection_policy: the largest group k of media packets with
// (1 - p)^k >= q (a lost packet is rebuilt when the k others of its group
// arrive), by multiplying out (1 - p)^k; then the smallest percentage that
// gives one FEC packet per k media packets or fewer.
#pragma once

namespace fec_test {

inline unsigned model_percentage(double p, double q) {
  if (p <= 0) return 0;
  unsigned k = 0;
  double arrive = 1;
  while (k < 1000 && arrive * (1 - p) >= q * (1 - 1e-12)) {
    arrive *= 1 - p;
    ++k;
  }
  if (k == 0) return 100;
  for (unsigned pct = 1; pct <= 100; ++pct)
    if (pct * k >= 100) return pct;
  return 100;
}

}  // namespace fec_test
