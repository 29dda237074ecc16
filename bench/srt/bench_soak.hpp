// bench-srt --only=soak: one long transfer through a lossy relay, memory
// sampled as it runs (bench_soak.cpp).
#pragma once

#include "args.hpp"

namespace srtbench {

void bench_soak(const Args &a, bool quick);

}  // namespace srtbench
